// The webhook outbox: notifications waiting for their backend, one in flight per session so each
// session's events arrive in order, dead letters kept for replay. A data structure driven by the
// caller's clock: it decides what is due; the dispatcher sends (docs/webhooks.md, "Delivery").
import { verdict, type AttemptOutcome } from './delivery.js';

/** One notification as the outbox holds it: rendered when first sent, then sent as-is on every attempt. */
export interface OutboxEntry {
  /** The `webhook-id`: the same on every attempt and replay, so receivers de-duplicate by it. */
  readonly id: string;
  readonly sessionId: string;
  readonly seq: number;
  readonly type: string;
  /** The app it is for (a '*' configuration serves several): for the operator's listings. */
  readonly appId?: string;
  readonly url: string;
  /**
   * The request body, made on the first call and kept: a notification waiting behind a backend
   * that does not answer costs its commit nothing but a queue slot (docs/webhooks.md, "Delivery").
   */
  readonly body: () => Uint8Array;
  /** Clock ms of the commit that produced it. */
  readonly createdAt: number;
  attempts: number;
  /** Clock ms before which it is not sent (a retry's backoff). */
  notBefore: number;
}

export interface DeadLetter {
  readonly entry: OutboxEntry;
  readonly reason: string;
  readonly at: number;
}

export interface OutboxOptions {
  /** Notifications held (queued and in flight) before the oldest queued one is dead-lettered. */
  capacity: number;
  /** Notifications in flight at once, over all sessions. */
  maxInFlight: number;
  /** Dead letters kept for inspection and replay; older ones are forgotten. */
  maxDeadLetters: number;
  /** 'session': one in flight per session, in order. 'none': any number, any order. */
  ordering: 'session' | 'none';
  scheduleMs?: readonly number[];
  maxAgeMs?: number;
}

export interface Outbox {
  /** Queues a notification; at capacity the oldest queued one is dead-lettered (`overflow`). */
  add(entry: Omit<OutboxEntry, 'attempts' | 'notBefore'>): DeadLetter | undefined;
  /** Marks and returns what may be sent now. */
  due(now: number): OutboxEntry[];
  /** The attempt on `entry` ended: delivered, to be retried, or dead. `random` ∈ [0, 1) spreads the retry. */
  settle(entry: OutboxEntry, outcome: AttemptOutcome, now: number, random: number): { kind: 'delivered' | 'retry' | 'dead'; reason?: string };
  /** When the next queued entry becomes due (undefined: nothing waits on time, or nothing may go before a settle). */
  nextDueAt(): number | undefined;
  /** Puts a dead letter back at the end of its session's queue, with its id. False: no such letter. */
  replay(id: string, now: number): boolean;
  readonly deadLetters: readonly DeadLetter[];
  readonly size: number;
  readonly inFlight: number;
  /** Clock ms of the oldest held notification's commit. */
  oldestCreatedAt(): number | undefined;
}

export function createOutbox(options: OutboxOptions): Outbox {
  // Sessions' queues in insertion order: a Map iterates oldest session first, which is fair enough
  // for due() and lets overflow find the oldest queue head quickly.
  const queues = new Map<string, OutboxEntry[]>();
  const sending = new Set<OutboxEntry>();
  const busySessions = new Set<string>();
  const dead: DeadLetter[] = [];
  let size = 0;

  const bury = (entry: OutboxEntry, reason: string, at: number): DeadLetter => {
    const letter = { entry, reason, at };
    dead.push(letter);
    if (dead.length > options.maxDeadLetters) dead.shift();
    return letter;
  };

  const removeHead = (entry: OutboxEntry): void => {
    const queue = queues.get(entry.sessionId);
    if (!queue) return;
    const index = queue.indexOf(entry);
    if (index !== -1) queue.splice(index, 1);
    if (queue.length === 0) queues.delete(entry.sessionId);
    size -= 1;
  };

  return {
    add(fields) {
      let overflow: DeadLetter | undefined;
      if (size >= options.capacity) {
        for (const queue of queues.values()) {
          const victim = queue.find((entry) => !sending.has(entry));
          if (victim) {
            removeHead(victim);
            overflow = bury(victim, 'overflow', victim.createdAt);
            break;
          }
        }
        if (!overflow) return bury({ ...fields, attempts: 0, notBefore: 0 }, 'overflow', fields.createdAt);
      }
      const entry: OutboxEntry = { ...fields, attempts: 0, notBefore: fields.createdAt };
      const queue = queues.get(entry.sessionId);
      if (queue) queue.push(entry);
      else queues.set(entry.sessionId, [entry]);
      size += 1;
      return overflow;
    },

    due(now) {
      const ready: OutboxEntry[] = [];
      for (const [sessionId, queue] of queues) {
        if (sending.size >= options.maxInFlight) break;
        if (options.ordering === 'session') {
          const head = queue[0];
          if (!head || busySessions.has(sessionId) || head.notBefore > now) continue;
          busySessions.add(sessionId);
          sending.add(head);
          ready.push(head);
          continue;
        }
        for (const entry of queue) {
          if (sending.size >= options.maxInFlight) break;
          if (sending.has(entry) || entry.notBefore > now) continue;
          sending.add(entry);
          ready.push(entry);
        }
      }
      for (const entry of ready) entry.attempts += 1;
      return ready;
    },

    settle(entry, outcome, now, random) {
      sending.delete(entry);
      busySessions.delete(entry.sessionId);
      const decided = verdict(outcome, entry.attempts, entry.createdAt, now, random, options.scheduleMs, options.maxAgeMs);
      if (decided.kind === 'retry') {
        entry.notBefore = decided.atMs;
        return { kind: 'retry' };
      }
      removeHead(entry);
      if (decided.kind === 'dead') {
        bury(entry, decided.reason, now);
        return { kind: 'dead', reason: decided.reason };
      }
      return { kind: 'delivered' };
    },

    nextDueAt() {
      // At capacity nothing goes before an attempt settles, and a settle pumps again: no timer, no scan
      // (with a hung backend every commit would otherwise walk every queued session).
      if (sending.size >= options.maxInFlight) return undefined;
      let next: number | undefined;
      for (const [sessionId, queue] of queues) {
        const candidates = options.ordering === 'session' ? (busySessions.has(sessionId) ? [] : queue.slice(0, 1)) : queue.filter((entry) => !sending.has(entry));
        for (const entry of candidates) if (next === undefined || entry.notBefore < next) next = entry.notBefore;
      }
      return next;
    },

    replay(id, now) {
      const index = dead.findIndex((letter) => letter.entry.id === id);
      if (index === -1) return false;
      const [letter] = dead.splice(index, 1);
      const entry: OutboxEntry = { ...letter!.entry, attempts: 0, notBefore: now };
      const queue = queues.get(entry.sessionId);
      if (queue) queue.push(entry);
      else queues.set(entry.sessionId, [entry]);
      size += 1;
      return true;
    },

    get deadLetters() {
      return dead;
    },
    get size() {
      return size;
    },
    get inFlight() {
      return sending.size;
    },
    oldestCreatedAt() {
      let oldest: number | undefined;
      for (const queue of queues.values()) for (const entry of queue) if (oldest === undefined || entry.createdAt < oldest) oldest = entry.createdAt;
      return oldest;
    },
  };
}
