// The seam where the service hands clients' connect and path reports on (the cloud's operator statistics, src/stats).
import type { ConnectPath, PathChangeReason } from '../protocol/index.js';
import type { Change, Session } from './model.js';

/** Whoever keeps statistics of how pairs connect. The service calls it; it never answers back. */
export interface ConnectReportSink {
  /** A client connected to its server (CONNECTED). */
  connected(sessionId: string, clientActor: number, report: { path: ConnectPath; ms: number; rttMs?: number }): void;
  /** A connected client's pair moved to another path (PATH_REPORT); false when it was dropped. */
  pathChanged(sessionId: string, clientActor: number, report: { path: ConnectPath; reason: PathChangeReason; rttMs?: number }): boolean;
  /** A change was stored: members that left and closed sessions end their pairs. */
  committed(before: Session, change: Pick<Change<unknown>, 'next' | 'events'>): void;
}
