// The Photon-style load level: hysteresis per controller on scripted sequences, max over inputs, the averaging meter.
import { describe, expect, it } from 'vitest';
import {
  EMPTY_LOAD_METER,
  IDLE_LOAD_LEVELS,
  PHOTON_CPU_THRESHOLDS,
  controllerLevel,
  loadLevel,
  samplePercents,
  stepLoadMeter,
  type LoadMeterState,
} from '../../../relay/load-level.js';

/** Runs a controller over a sequence of inputs and returns the level after each. */
function script(values: number[], start = 0): number[] {
  const levels: number[] = [];
  let level = start;
  for (const value of values) {
    level = controllerLevel(level, value);
    levels.push(level);
  }
  return levels;
}

describe('controllerLevel (Photon CPU table)', () => {
  it('rises past each upper bound: 21 % is level 2, and stays there until below 19 %', () => {
    expect(script([5, 11, 21, 20, 19, 18.9, 9.5, 8.9])).toEqual([0, 1, 2, 2, 2, 1, 1, 0]);
  });

  it('holds inside the hysteresis band on a value flapping across a boundary', () => {
    // Level 3 holds 29..40: a value wobbling around 30 % moves it once, not on every report.
    expect(script([20.5, 30.5, 29.5, 30.5, 29.1, 31, 39.9])).toEqual([2, 3, 3, 3, 3, 3, 3]);
    // Only a swing across the whole band (below 29, above 30) moves it each time.
    expect(script([31, 28.9, 30.5, 28.9, 30.5])).toEqual([3, 2, 3, 2, 3]);
  });

  it('jumps several levels in one step and back', () => {
    expect(script([95])).toEqual([9]);
    // Down from 9 at 50 %: below the lower bounds of 9 and 8 (77), 7 (67) and 6 (57); inside 5's band (48..60).
    expect(script([95, 50, 0])).toEqual([9, 5, 0]);
    expect(controllerLevel(0, 55)).toBe(5);
    expect(controllerLevel(9, 78)).toBe(9);
    // Levels 9 and 8 share the lower bound 77 in Photon's table: below it, 8 is skipped.
    expect(controllerLevel(9, 76)).toBe(7);
    expect(controllerLevel(8, 90)).toBe(8);
    expect(controllerLevel(8, 90.01)).toBe(9);
  });

  it('each level up to 9 is reached just above its upper bound from an idle start', () => {
    for (let level = 0; level < 9; level++) {
      expect(controllerLevel(0, PHOTON_CPU_THRESHOLDS[level]![0])).toBe(level);
      expect(controllerLevel(0, PHOTON_CPU_THRESHOLDS[level]![0] + 0.01)).toBe(level + 1);
    }
  });

  it('tolerates nonsense: NaN keeps the level, +Infinity is full, a bad previous level is clamped', () => {
    expect(controllerLevel(4, Number.NaN)).toBe(4);
    expect(controllerLevel(4, Number.NEGATIVE_INFINITY)).toBe(4);
    expect(controllerLevel(0, Number.POSITIVE_INFINITY)).toBe(9);
    expect(controllerLevel(42, 0)).toBe(0);
    expect(controllerLevel(-3, 15)).toBe(1);
    expect(controllerLevel(Number.NaN, 0)).toBe(0);
  });
});

describe('loadLevel', () => {
  it('is the max over the controllers, each with its own hysteresis', () => {
    let levels = loadLevel(IDLE_LOAD_LEVELS, { bindingsPct: 5, ppsPct: 45, cpuPct: 25 });
    expect(levels).toEqual({ bindings: 0, pps: 4, cpu: 2, level: 4 });
    // Packets fall to 35 % (below level 4's lower bound 38 → 3); CPU rises to 61 % → 6.
    levels = loadLevel(levels, { bindingsPct: 5, ppsPct: 35, cpuPct: 61 });
    expect(levels).toEqual({ bindings: 0, pps: 3, cpu: 6, level: 6 });
    levels = loadLevel(levels, { bindingsPct: 91, ppsPct: 0, cpuPct: 0 });
    expect(levels).toEqual({ bindings: 9, pps: 0, cpu: 0, level: 9 });
  });
});

describe('the load meter', () => {
  const capacity = { maxBindings: 1000, capacityPps: 10_000 };

  it('turns a sample into percentages: bindings of max, packets/s of capacity, CPU of one core', () => {
    expect(samplePercents({ bindings: 250, packets: 5_000, cpuMicros: 300_000, elapsedMs: 1000 }, capacity)).toEqual({ bindingsPct: 25, ppsPct: 50, cpuPct: 30 });
    expect(samplePercents({ bindings: 250, packets: 5_000, cpuMicros: 300_000, elapsedMs: 2000 }, capacity)).toEqual({ bindingsPct: 25, ppsPct: 25, cpuPct: 15 });
    expect(samplePercents({ bindings: 1, packets: 1, cpuMicros: 1, elapsedMs: 0 }, capacity)).toEqual({ bindingsPct: 0.1, ppsPct: 0, cpuPct: 0 });
    expect(samplePercents({ bindings: -1, packets: Number.NaN, cpuMicros: -5, elapsedMs: 1000 }, capacity)).toEqual({ bindingsPct: 0, ppsPct: 0, cpuPct: 0 });
  });

  it('averages over the window: one busy second among idle ones does not move the level', () => {
    let state: LoadMeterState = EMPTY_LOAD_METER;
    const step = (packets: number) => {
      const result = stepLoadMeter(state, { bindings: 0, packets, cpuMicros: 0, elapsedMs: 1000 }, capacity, 10);
      state = result.state;
      return { level: state.levels.level, ppsPct: result.inputs.ppsPct };
    };
    for (let i = 0; i < 9; i++) step(0);
    expect(step(9_000)).toEqual({ level: 0, ppsPct: 9 });
    // Sustained 50 % load: the mean climbs over ten seconds and the level follows it up.
    const levels = Array.from({ length: 10 }, () => step(5_000).level);
    expect(levels[0]).toBe(1);
    expect(levels.at(-1)).toBe(5);
    expect([...levels].sort((a, b) => a - b)).toEqual(levels);
    expect(state.window).toHaveLength(10);
  });
});
