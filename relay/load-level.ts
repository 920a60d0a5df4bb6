// A fleet relay's load level 0..9 from its inputs, Photon style: a controller with hysteresis per input, the max of them.
import { MAX_LOAD_LEVEL, type RelayLoadInputs } from './fleet-report.js';

/** Per level: [go up when the input is above this, go down when it is below this]. Ten pairs, levels 0..9. */
export type LoadThresholds = readonly (readonly [up: number, down: number])[];

/**
 * Photon's FeedbackControl CPU table (LoadBalancing `Workload.1Gbps.config` defaults): at level L
 * the input must rise above `up[L]` to reach L + 1 and fall below `down[L]` to return to L − 1.
 * The gap between them (about 10 points) is the hysteresis that keeps a relay near a boundary
 * from flapping between two levels on every report.
 */
export const PHOTON_CPU_THRESHOLDS: LoadThresholds = [
  [10, 0],
  [20, 9],
  [30, 19],
  [40, 29],
  [50, 38],
  [60, 48],
  [70, 57],
  [80, 67],
  [90, 77],
  [Number.POSITIVE_INFINITY, 77],
];

/**
 * One controller's next level: from `previous`, up while `value` is above the current level's
 * upper bound, down while it is below the lower one, so one report may move several levels (a
 * relay that jumps to 95 % is full now, not in nine seconds).
 */
export function controllerLevel(previous: number, value: number, thresholds: LoadThresholds = PHOTON_CPU_THRESHOLDS): number {
  const top = Math.min(MAX_LOAD_LEVEL, thresholds.length - 1);
  let level = Math.min(Math.max(Math.trunc(previous) || 0, 0), top);
  if (!Number.isFinite(value) && value !== Number.POSITIVE_INFINITY) return level;
  while (level < top && value > thresholds[level]![0]) level++;
  while (level > 0 && value < thresholds[level]![1]) level--;
  return level;
}

/** The per-input controllers' levels, and the level reported: their max. */
export interface LoadLevels {
  bindings: number;
  pps: number;
  cpu: number;
  level: number;
}

/** Every controller's next level from averaged inputs; the relay's level is the highest. */
export function loadLevel(previous: LoadLevels, inputs: RelayLoadInputs, thresholds: LoadThresholds = PHOTON_CPU_THRESHOLDS): LoadLevels {
  const bindings = controllerLevel(previous.bindings, inputs.bindingsPct, thresholds);
  const pps = controllerLevel(previous.pps, inputs.ppsPct, thresholds);
  const cpu = controllerLevel(previous.cpu, inputs.cpuPct, thresholds);
  return { bindings, pps, cpu, level: Math.max(bindings, pps, cpu) };
}

/** An idle relay. */
export const IDLE_LOAD_LEVELS: LoadLevels = { bindings: 0, pps: 0, cpu: 0, level: 0 };

/** One second of raw measurements (the meter turns them into percentages). */
export interface LoadSample {
  bindings: number;
  /** Datagrams received over `elapsedMs`. */
  packets: number;
  /** Process CPU time (user + system) over `elapsedMs`, microseconds. */
  cpuMicros: number;
  elapsedMs: number;
}

export interface LoadCapacity {
  /** 100 % of `bindingsPct`: the relay's `maxBindings`. */
  maxBindings: number;
  /** 100 % of `ppsPct`. */
  capacityPps: number;
}

/** The meter's memory: the last samples' percentages and the controllers' levels. */
export interface LoadMeterState {
  readonly window: readonly RelayLoadInputs[];
  readonly levels: LoadLevels;
}

export const EMPTY_LOAD_METER: LoadMeterState = { window: [], levels: IDLE_LOAD_LEVELS };

/** One sample as percentages of capacity (CPU of one core). A sample of no time reads as idle. */
export function samplePercents(sample: LoadSample, capacity: LoadCapacity): RelayLoadInputs {
  const seconds = sample.elapsedMs / 1000;
  const pct = (part: number, whole: number): number => (whole > 0 && Number.isFinite(part) && part > 0 ? (100 * part) / whole : 0);
  return {
    bindingsPct: pct(sample.bindings, capacity.maxBindings),
    ppsPct: seconds > 0 ? pct(sample.packets / seconds, capacity.capacityPps) : 0,
    cpuPct: seconds > 0 ? pct(sample.cpuMicros / 1e6, seconds) : 0,
  };
}

/**
 * Adds a sample: the inputs are the mean over the last `windowSamples` samples, and each
 * controller steps once on them. Pure: the caller keeps the returned state.
 */
export function stepLoadMeter(
  state: LoadMeterState,
  sample: LoadSample,
  capacity: LoadCapacity,
  windowSamples: number,
  thresholds: LoadThresholds = PHOTON_CPU_THRESHOLDS,
): { state: LoadMeterState; inputs: RelayLoadInputs } {
  const window = [...state.window, samplePercents(sample, capacity)].slice(-Math.max(1, windowSamples));
  const mean = (pick: (inputs: RelayLoadInputs) => number): number => round2(window.reduce((sum, inputs) => sum + pick(inputs), 0) / window.length);
  const inputs = { bindingsPct: mean((i) => i.bindingsPct), ppsPct: mean((i) => i.ppsPct), cpuPct: mean((i) => i.cpuPct) };
  return { state: { window, levels: loadLevel(state.levels, inputs, thresholds) }, inputs };
}

/** Two decimals: a report needs no more, and short numbers keep it small. */
function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
