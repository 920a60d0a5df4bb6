// A relay's checked report (relay/fleet-report.ts) as an entry of the table, and the table's admin view.
import { parseEndpoint } from '../../core/index.js';
import type { RelayReport } from '../../relay/index.js';
import { effectiveLevel, isFresh } from './choose.js';
import type { AcceptedReport } from './directory.js';
import type { FleetRelay } from './relay-entry.js';

/** The table's entry for a report; undefined when its endpoint does not parse (parseRelayReport already checked it). */
export function entryOfReport(report: RelayReport): AcceptedReport | undefined {
  const endpoint = parseEndpoint(report.endpoint);
  if (!endpoint) return undefined;
  return {
    id: report.id,
    epoch: report.epoch,
    endpoint: { address: endpoint.address, port: endpoint.port },
    ...(report.wsUrl === undefined ? {} : { wsUrl: report.wsUrl }),
    region: report.region,
    state: report.state,
    level: report.level,
    bindingsPct: report.inputs.bindingsPct,
    bindings: report.bindings,
    sessions: report.sessions,
    reportedAtMs: report.reportedAtMs,
  };
}

/** One row of `GET /v1/admin/relays`. */
export interface RelayRow {
  id: string;
  endpoint: string;
  wsUrl?: string;
  region: string;
  state: 'normal' | 'draining';
  fresh: boolean;
  level: number;
  effectiveLevel: number;
  bindings: number;
  sessions: number;
  /** Sessions placed on it within the last 10 s (counted into effectiveLevel). */
  assignedRecently: number;
  /** Seconds since the report arrived (null for the embedded relay, which does not report). */
  reportAgeSeconds: number | null;
  local: boolean;
}

export function relayRow(relay: FleetRelay, now: number): RelayRow {
  return {
    id: relay.id,
    endpoint: `${relay.endpoint.address.includes(':') ? `[${relay.endpoint.address}]` : relay.endpoint.address}:${relay.endpoint.port}`,
    ...(relay.wsUrl ? { wsUrl: relay.wsUrl } : {}),
    region: relay.region,
    state: relay.state,
    fresh: isFresh(relay, now),
    level: relay.level,
    effectiveLevel: effectiveLevel(relay),
    bindings: relay.bindings,
    sessions: relay.sessions,
    assignedRecently: relay.assigned,
    reportAgeSeconds: relay.local ? null : Math.max(0, now - relay.receivedAt) / 1000,
    local: relay.local === true,
  };
}
