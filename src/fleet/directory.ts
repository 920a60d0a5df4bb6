/**
 * The relay table the cloud chooses from. `RelayDirectory` is what the session side reads; the
 * in-memory one here is fed by the HTTP report endpoint (one-process cloud), and the cluster's
 * Redis-backed one (src/cluster/relay-table.ts) implements the same interface.
 */
import { MAX_RELAYS, RELAY_FORGET_MS } from './constants.js';
import type { FleetRelay } from './relay-entry.js';

export interface RelayDirectory {
  /** Every relay still remembered (fresh or stale), as of `now`; the embedded relay included. */
  list(now: number): FleetRelay[];
  get(id: string): FleetRelay | undefined;
  /** One more session placed on `id` since its last report (what keeps a burst from herding). */
  countAssignment(id: string): void;
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
  const forgetAfterMs = options.forgetAfterMs ?? RELAY_FORGET_MS;
  const maxRelays = options.maxRelays ?? MAX_RELAYS;

  const forgetOld = (now: number): void => {
    for (const [id, relay] of relays) if (now - relay.receivedAt > forgetAfterMs) relays.delete(id);
  };

  return {
    list(now) {
      forgetOld(now);
      const local = options.local?.();
      if (!local) return [...relays.values()];
      return [{ ...local, local: true }, ...[...relays.values()].filter((relay) => relay.id !== local.id)];
    },
    get(id) {
      const local = options.local?.();
      if (local && local.id === id) return { ...local, local: true };
      return relays.get(id);
    },
    countAssignment(id) {
      // The embedded relay has no counter: its entry is computed from its live stats when listed.
      const relay = relays.get(id);
      if (relay) relays.set(id, { ...relay, assigned: relay.assigned + 1 });
    },
    accept(report, now) {
      forgetOld(now);
      const held = relays.get(report.id);
      if (!held && relays.size >= maxRelays) return { ok: false, reason: 'full' };
      if (options.local?.().id === report.id) return { ok: false, reason: 'reserved' };
      if (held && report.epoch < held.epoch) return { ok: false, reason: 'old-epoch' };
      relays.set(report.id, { ...report, receivedAt: now, assigned: 0 });
      return { ok: true, assigned: held?.assigned ?? 0 };
    },
  };
}
