// One relay as the cloud sees it: its last report (already checked) and what happened since.
import type { WireEndpoint } from '../protocol/index.js';

export type RelayState = 'normal' | 'draining';

export interface FleetRelay {
  readonly id: string;
  /** The relay process's start number: a report of an older epoch (a process being replaced) is ignored. */
  readonly epoch: number;
  /** Where peers send UDP relay traffic. */
  readonly endpoint: WireEndpoint;
  /** The same relay over WebSocket, when it serves one. */
  readonly wsUrl?: string;
  /** Operator-named region ('' when the relay declared none). */
  readonly region: string;
  readonly state: RelayState;
  /** The relay's own load level, 0–9 (Photon's feedback level over its inputs). */
  readonly level: number;
  /** Bindings in use, percent of the relay's capacity (its report's input). */
  readonly bindingsPct: number;
  readonly bindings: number;
  readonly sessions: number;
  /** The relay's wall clock at the report, ms since the epoch (shown, never compared with ours). */
  readonly reportedAtMs: number;
  /** Our clock (ms) when the report arrived: staleness is judged here, so clock skew does not matter. */
  readonly receivedAt: number;
  /** Sessions placed on it within ASSIGNED_WINDOW_MS (what its averaged report does not show yet). */
  readonly assigned: number;
  /** The embedded relay of a one-process cloud: never stale. */
  readonly local?: boolean;
}
