// The Redis relay table's decisions, pure: merging one refresh's reads into the held table, and what counts as placed.
import { MAX_LOAD_LEVEL, entryOfReport, type FleetRelay } from '../fleet/index.js';
import { parseRelayReportJson } from '../../relay/index.js';

/** The relay id rule of reports (`[A-Za-z0-9._-]{1,64}`); 'local' is the embedded relay's and never read from Redis. */
const RELAY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** One relay as one refresh read it: its id from `pt:relays`, the value of `pt:relay:<id>` (null: expired) and its window count. */
export interface RelayRead {
  id: string;
  value: unknown;
  /** How long ago the value was written, ms, from its remaining lifetime (PTTL); unknown: 0. */
  ageMs?: number;
  /** Placements in the window, from `pt:relay:<id>:placed` (all nodes). */
  placed: number;
}

export interface MergeOutcome {
  table: Map<string, FleetRelay>;
  /** Values that were not a valid report of that id (dropped, counted). */
  malformed: number;
}

export function isRelayId(value: unknown): value is string {
  return typeof value === 'string' && RELAY_ID.test(value) && value !== 'local';
}

/**
 * The table after a refresh at `now` (our clock). A report whose `reportedAtMs` changed is a new
 * one: `receivedAt = now - ageMs` (when it was written, so staleness is judged from the write as
 * the one-process table does, not from our read up to a second later); an unchanged one keeps its receivedAt, so an entry goes stale 3 s after
 * the last new report we saw, whether its key expired or the relay stopped writing. An id whose key
 * expired keeps its last entry (failover needs its region), or, never seen by this node, gets a
 * placeholder that is stale from the start: its sessions still move. A report of an older epoch
 * than a fresh held one (the old process of a replaced relay) is ignored.
 */
export function mergeRelayReads(held: ReadonlyMap<string, FleetRelay>, reads: readonly RelayRead[], now: number, staleAfterMs: number): MergeOutcome {
  const table = new Map<string, FleetRelay>();
  let malformed = 0;
  for (const read of reads) {
    if (!isRelayId(read.id)) {
      malformed++;
      continue;
    }
    const before = held.get(read.id);
    const placed = Math.max(0, Math.floor(read.placed));
    let entry: FleetRelay | undefined;
    if (typeof read.value === 'string') {
      const parsed = parseRelayReportJson(read.value);
      const accepted = parsed.ok && parsed.value.id === read.id ? entryOfReport(parsed.value) : undefined;
      if (!accepted) malformed++;
      else if (before && accepted.epoch < before.epoch && now - before.receivedAt <= staleAfterMs) entry = before;
      else if (before && before.epoch === accepted.epoch && before.reportedAtMs === accepted.reportedAtMs) entry = { ...accepted, receivedAt: before.receivedAt, assigned: 0 };
      else entry = { ...accepted, receivedAt: now - Math.max(0, Math.min(staleAfterMs, read.ageMs ?? 0)), assigned: 0 };
    } else if (read.value !== null && read.value !== undefined) {
      malformed++;
    }
    entry ??= before ?? placeholder(read.id, now - staleAfterMs - 1);
    table.set(read.id, { ...entry, assigned: placed });
  }
  return { table, malformed };
}

/** A relay known only by its id (it died before this node read a report of it): stale, full, never chosen. */
function placeholder(id: string, receivedAt: number): FleetRelay {
  return {
    id,
    epoch: 0,
    endpoint: { address: '0.0.0.0', port: 0 },
    region: '',
    state: 'normal',
    level: MAX_LOAD_LEVEL,
    bindingsPct: 0,
    bindings: 0,
    sessions: 0,
    reportedAtMs: 0,
    receivedAt,
    assigned: 0,
  };
}
