// What the webhook dispatcher sent and what came of it, as the admin API lists it: the last
// DELIVERY_LOG_SIZE attempts, numbered so a poller (`webhooks tail`) asks for what is newer.
import type { Clock } from '../../core/index.js';
import { DELIVERY_LOG_SIZE } from './constants.js';

/** Which notification: its webhook-id, type, app, session, place in the session and path. */
export interface NotificationRef {
  readonly id: string;
  readonly type: string;
  readonly appId: string;
  readonly sessionId: string;
  readonly seq: number;
  readonly path: string;
}

/** One attempt, as GET /v1/admin/deliveries lists it. */
export interface DeliveryRecord extends NotificationRef {
  /** Position in the service's log: a poller asks for records after the last one it saw. */
  readonly n: number;
  readonly attempt: number;
  /** HTTP status, absent on a transport failure. */
  readonly status?: number;
  /** Transport failure (connect, timeout, blocked, …), absent when the backend answered. */
  readonly failure?: string;
  /** What the outbox made of it: delivered, retry, dead. */
  readonly outcome: 'delivered' | 'retry' | 'dead' | 'test';
  readonly ms: number;
  /** Wall-clock time of the attempt's end, ISO. */
  readonly at: string;
  /** The first bytes of the backend's answer (UTF-8, lossy). */
  readonly answer: string;
}

export interface DeadLetterView extends NotificationRef {
  readonly attempts: number;
  readonly reason: string;
}

export interface DeliveryLog {
  record(fields: Omit<DeliveryRecord, 'n' | 'at'>): DeliveryRecord;
  list(filter?: { appId?: string; sessionId?: string; limit?: number; after?: number }): DeliveryRecord[];
}

export function createDeliveryLog(clock: Clock): DeliveryLog {
  const log: DeliveryRecord[] = [];
  let logged = 0;
  return {
    record(fields) {
      logged += 1;
      const entry = { n: logged, ...fields, at: new Date(clock.wallTime()).toISOString() };
      log.push(entry);
      if (log.length > DELIVERY_LOG_SIZE) log.shift();
      return entry;
    },
    list(filter = {}) {
      const after = filter.after ?? 0;
      const matching = log.filter(
        (entry) => entry.n > after && (filter.appId === undefined || entry.appId === filter.appId) && (filter.sessionId === undefined || entry.sessionId === filter.sessionId),
      );
      return matching.slice(-(filter.limit ?? DELIVERY_LOG_SIZE));
    },
  };
}
