/**
 * The relay table the cloud chooses from. `RelayDirectory` is what the session side reads; the
 * in-memory one here is fed by the HTTP report endpoint (one-process cloud), and the cluster's
 * Redis-backed one (src/cluster/relay-table.ts) implements the same interface.
 */
import { ASSIGNED_WINDOW_MS, MAX_ASSIGNED_REMEMBERED, MAX_RELAYS, RELAY_FORGET_MS } from './constants.js';
import type { FleetRelay } from './relay-entry.js';

export interface RelayDirectory {
  /** Every relay still remembered (fresh or stale), as of `now`; the embedded relay included. */
  list(now: number): FleetRelay[];
  get(id: string): FleetRelay | undefined;
  /** One more session placed on `id` at `now` (what keeps a burst from herding). */
  countAssignment(id: string, now: number): void;
}

/** A report as the endpoint accepted it: a relay entry without what the table adds. */
export type AcceptedReport = Omit<FleetRelay, 'receivedAt' | 'assigned' | 'local'>;

export type AcceptOutcome = { ok: true; assigned: number } | { ok: false; reason: 'full' | 'old-epoch' | 'reserved' };

export interface MemoryRelayDirectory extends RelayDirectory {
  /** Stores a report; answers the sessions assigned to the relay since its previous one. */
  accept(report: AcceptedReport, now: number): AcceptOutcome;
}

export interface MemoryDirectoryOptions {
  /** The embedded relay's entry, computed when listed (never stale). Default: none. */
  local?: () => FleetRelay;
  /** Stale relays are dropped after this long without a report, ms. Default {@link RELAY_FORGET_MS}. */
  forgetAfterMs?: number;
  /** Most relays held; a report from a new id beyond it is refused. Default {@link MAX_RELAYS}. */
  maxRelays?: number;
}

export function createMemoryRelayDirectory(options: MemoryDirectoryOptions = {}): MemoryRelayDirectory {
  const relays = new Map<string, FleetRelay>();
  // Per relay: placement times within the window, and placements since its last report (the report's answer).
  const placed = new Map<string, { times: number[]; sinceReport: number }>();
  const withAssigned = (relay: FleetRelay, now: number): FleetRelay => {
    const times = placed.get(relay.id)?.times;
    if (!times) return relay;
    while (times.length > 0 && now - times[0]! > ASSIGNED_WINDOW_MS) times.shift();
    return { ...relay, assigned: times.length };
  };
  const forgetAfterMs = options.forgetAfterMs ?? RELAY_FORGET_MS;
  const maxRelays = options.maxRelays ?? MAX_RELAYS;

  const forgetOld = (now: number): void => {
    for (const [id, relay] of relays) {
      if (now - relay.receivedAt <= forgetAfterMs) continue;
      relays.delete(id);
      placed.delete(id);
    }
  };

  return {
    list(now) {
      forgetOld(now);
      const local = options.local?.();
      const reported = [...relays.values()].map((relay) => withAssigned(relay, now));
      if (!local) return reported;
      return [{ ...local, local: true }, ...reported.filter((relay) => relay.id !== local.id)];
    },
    get(id) {
      const local = options.local?.();
      if (local && local.id === id) return { ...local, local: true };
      // For its address and key: `assigned` is only what list() computes.
      return relays.get(id);
    },
    countAssignment(id, now) {
      // The embedded relay has no counter: its entry is computed from its live stats when listed.
      if (!relays.has(id)) return;
      let entry = placed.get(id);
      if (!entry) placed.set(id, (entry = { times: [], sinceReport: 0 }));
      entry.sinceReport++;
      entry.times.push(now);
      if (entry.times.length > MAX_ASSIGNED_REMEMBERED) entry.times.shift();
    },
    accept(report, now) {
      forgetOld(now);
      const held = relays.get(report.id);
      if (!held && relays.size >= maxRelays) return { ok: false, reason: 'full' };
      if (options.local?.().id === report.id) return { ok: false, reason: 'reserved' };
      if (held && report.epoch < held.epoch) return { ok: false, reason: 'old-epoch' };
      relays.set(report.id, { ...report, receivedAt: now, assigned: 0 });
      const entry = placed.get(report.id);
      const assigned = entry?.sinceReport ?? 0;
      if (entry) entry.sinceReport = 0;
      return { ok: true, assigned };
    },
  };
}
