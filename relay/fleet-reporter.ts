// A fleet relay's reporter: every second, its load level and counts to the registry (HTTP or Redis); draining and its end.
import type { Clock, Logger, TimerHandle } from '../core/index.js';
import { DEFAULT_CAPACITY_PPS, DEFAULT_DRAIN_TIMEOUT_MS, FLEET_REPORT_INTERVAL_MS, LOAD_AVERAGE_SAMPLES } from './constants.js';
import { MAX_RELAY_REPORT_BYTES, type RelayLoadInputs, type RelayReport, type RelayState } from './fleet-report.js';
import { EMPTY_LOAD_METER, PHOTON_CPU_THRESHOLDS, stepLoadMeter, type LoadMeterState, type LoadThresholds } from './load-level.js';
import type { RelayStats } from './stats.js';

/** Where reports go: the cloud's `POST /v1/relays/report`, or Redis. */
export interface RelayReportSink {
  /**
   * Delivers one report (`json` is `report` serialized). Resolves with the sessions the registry
   * assigned to this relay since its previous report, when it says; rejects when undelivered.
   */
  send(report: RelayReport, json: string): Promise<{ assigned?: number }>;
}

/** Process CPU time so far, microseconds (`process.cpuUsage`'s shape). */
export type CpuUsage = () => { user: number; system: number };

export interface FleetReporterOptions {
  /** The relay whose stats are reported. */
  relay: { stats(): RelayStats };
  sink: RelayReportSink;
  id: string;
  region: string;
  /** Where peers reach the relay over UDP, `host:port` (public, as the cloud hands it out). */
  endpoint: string;
  /** The relay over WebSocket as peers reach it, when it serves one. */
  wsUrl?: string;
  /** This run's epoch (a restart is a new one). Default: the wall clock at creation. */
  epoch?: number;
  /** 100 % of the bindings input: the relay's `maxBindings`. */
  maxBindings: number;
  /** 100 % of the packets/s input. Default `DEFAULT_CAPACITY_PPS`. */
  capacityPps?: number;
  /** Default `FLEET_REPORT_INTERVAL_MS`. */
  intervalMs?: number;
  /** Reports the load inputs are averaged over. Default `LOAD_AVERAGE_SAMPLES`. */
  windowSamples?: number;
  /** Default `PHOTON_CPU_THRESHOLDS` for every input. */
  thresholds?: LoadThresholds;
  /** A draining relay gives up waiting for its bindings to go after this. Default `DEFAULT_DRAIN_TIMEOUT_MS`. */
  drainTimeoutMs?: number;
  /** Default `process.cpuUsage`. */
  cpuUsage?: CpuUsage;
}

/** How a drain ended: the last binding went, or the timeout passed first. */
export type DrainOutcome = 'empty' | 'timeout';

export interface FleetReporter {
  readonly state: RelayState;
  /** The report built last (sent or not). */
  last(): RelayReport | undefined;
  /** Whether the registry took the last report sent (false until one was). */
  readonly registered: boolean;
  /** Reports sent, and reports skipped because the previous one was still in flight. */
  readonly counters: { sent: number; failed: number; skipped: number };
  /**
   * Reports `draining` from now on (at once, not at the next tick) and resolves when a draining
   * report has been attempted and the relay holds no binding, or after `drainTimeoutMs`.
   * Calling it again returns the same promise.
   */
  drain(): Promise<DrainOutcome>;
  /** Stops reporting. The sink is the caller's to close. */
  close(): void;
}

interface ReporterEnv {
  clock: Clock;
  logger: Logger;
}

/** Datagrams the relay read: forwarded, keepalives answered, and every one it dropped. */
function datagramsRead(stats: RelayStats): number {
  let dropped = 0;
  for (const count of Object.values(stats.dropped)) dropped += count;
  return stats.packetsRelayed + stats.keepalives + stats.binds + stats.rebinds + stats.challenges + stats.unbinds + dropped;
}

/**
 * Starts reporting at once and then every `intervalMs`. A report never waits on the network
 * while forwarding: the send runs beside the relay's socket work, and a tick that finds the
 * previous send still in flight skips (a registry that answers slowly gets one report in flight,
 * not a queue). Reachability is logged once per change, not once per report.
 */
export function createFleetReporter(env: ReporterEnv, options: FleetReporterOptions): FleetReporter {
  const { clock, logger } = env;
  const cpuUsage = options.cpuUsage ?? (() => process.cpuUsage());
  const capacity = { maxBindings: options.maxBindings, capacityPps: options.capacityPps ?? DEFAULT_CAPACITY_PPS };
  const windowSamples = options.windowSamples ?? LOAD_AVERAGE_SAMPLES;
  const thresholds = options.thresholds ?? PHOTON_CPU_THRESHOLDS;
  const epoch = options.epoch ?? Math.floor(clock.wallTime());
  const counters = { sent: 0, failed: 0, skipped: 0 };

  let state: RelayState = 'normal';
  let meter: LoadMeterState = EMPTY_LOAD_METER;
  let lastReport: RelayReport | undefined;
  let inFlight = false;
  let reachable: boolean | undefined;
  let closed = false;
  let previous = { at: clock.now(), packets: datagramsRead(options.relay.stats()), cpu: cpuTotal(cpuUsage()) };
  let drainAttempted = false;
  let drainTimer: TimerHandle | undefined;
  let finishDrain: ((outcome: DrainOutcome) => void) | undefined;
  let draining: Promise<DrainOutcome> | undefined;

  const intervalMs = options.intervalMs ?? FLEET_REPORT_INTERVAL_MS;
  let inputs: RelayLoadInputs = { bindingsPct: 0, ppsPct: 0, cpuPct: 0 };
  const build = (): RelayReport => {
    const stats = options.relay.stats();
    const now = clock.now();
    // A report soon after the last one (the first, or a drain's) would measure rates over a few
    // milliseconds, where one GC pause reads as a busy core: it repeats the last measured load.
    if (now - previous.at >= intervalMs / 2) {
      const packets = datagramsRead(stats);
      const cpu = cpuTotal(cpuUsage());
      const sample = { bindings: stats.bindings, packets: packets - previous.packets, cpuMicros: cpu - previous.cpu, elapsedMs: now - previous.at };
      previous = { at: now, packets, cpu };
      const stepped = stepLoadMeter(meter, sample, capacity, windowSamples, thresholds);
      meter = stepped.state;
      inputs = stepped.inputs;
    }
    return {
      id: options.id,
      epoch,
      endpoint: options.endpoint,
      ...(options.wsUrl === undefined ? {} : { wsUrl: options.wsUrl }),
      region: options.region,
      state,
      level: meter.levels.level,
      inputs,
      bindings: stats.bindings,
      sessions: stats.sessions,
      reportedAtMs: Math.floor(clock.wallTime()),
    };
  };

  const noteReachable = (ok: boolean, error?: unknown): void => {
    if (reachable === ok) return;
    if (ok) logger.info({ relayId: options.id }, 'fleet registry reachable: reporting');
    else logger.warn({ relayId: options.id, err: error }, 'fleet registry unreachable: retrying every report');
    reachable = ok;
  };

  const checkDrained = (): void => {
    if (!finishDrain || !drainAttempted) return;
    if (options.relay.stats().bindings === 0) finishDrain('empty');
  };

  const tick = (): void => {
    if (closed) return;
    const report = build();
    lastReport = report;
    if (inFlight) {
      counters.skipped++;
      checkDrained();
      return;
    }
    const json = JSON.stringify(report);
    if (Buffer.byteLength(json) > MAX_RELAY_REPORT_BYTES) {
      // Cannot happen with ids and URLs within their bounds; never send what the registry refuses.
      logger.error({ relayId: options.id }, 'relay report over its size bound; not sent');
      return;
    }
    inFlight = true;
    const wasDraining = report.state === 'draining';
    options.sink
      .send(report, json)
      .then(
        (answer) => {
          counters.sent++;
          noteReachable(true);
          if (answer.assigned !== undefined && answer.assigned > 0) logger.debug({ assigned: answer.assigned }, 'sessions assigned since the last report');
        },
        (error: unknown) => {
          counters.failed++;
          noteReachable(false, error);
        },
      )
      .finally(() => {
        inFlight = false;
        if (wasDraining) drainAttempted = true;
        checkDrained();
      });
  };

  const timer = clock.setInterval(tick, intervalMs);
  tick();

  return {
    get state() {
      return state;
    },
    get registered() {
      return reachable === true;
    },
    counters,
    last: () => lastReport,
    drain() {
      if (draining) return draining;
      state = 'draining';
      draining = new Promise<DrainOutcome>((resolve) => {
        finishDrain = (outcome) => {
          finishDrain = undefined;
          clock.clearTimeout(drainTimer);
          logger.info({ relayId: options.id, outcome }, outcome === 'empty' ? 'drained: no bindings left' : 'drain timed out with bindings left');
          resolve(outcome);
        };
      });
      drainTimer = clock.setTimeout(() => finishDrain?.('timeout'), options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
      logger.info({ relayId: options.id, bindings: options.relay.stats().bindings }, 'draining: no new sessions; exiting when the last binding is gone');
      // Tell the registry now; if a send is in flight this tick is skipped and the next one carries it.
      tick();
      return draining;
    },
    close() {
      closed = true;
      clock.clearInterval(timer);
      clock.clearTimeout(drainTimer);
    },
  };
}

function cpuTotal(usage: { user: number; system: number }): number {
  return usage.user + usage.system;
}
