/** Per-session queue and group commit of a shared store, with the write lock after repeated lost races (spec §7.2, §12). */
import { isPunchthroughError } from '../../core/index.js';
import type { AppliedChange } from '../session/store.js';
import type { Delivery, Outcome, Session } from '../session/model.js';
import { BATCH_MAX_ATTEMPTS, LOCK_AFTER_CONFLICTS, LOCK_RETRY_MAX_MS, LOCK_RETRY_MIN_MS, MAX_BATCH } from './constants.js';

/**
 * Why this exists. The service's changes are read → pure change → compare-and-set. Under
 * contention plain CAS livelocks: with 64 joiners on one session every writer re-reads, loses
 * again, and runs out of attempts (measured in the prototype, even with 16 or 64 attempts). Two
 * mechanisms fix it:
 *
 * 1. Within a node, changes to one session never race each other: they wait in the session's
 *    queue, and whatever queued while a commit was in flight goes in the next commit as one
 *    batch. The batch's changes are applied in order, each to the state the previous one left
 *    (so a join that overflows maxPlayers is refused by the model, exactly as in one process),
 *    and written with one CAS. A node therefore has at most one write in flight per session.
 * 2. Across nodes, a batch that loses the race re-applies to the current record (the conflict
 *    reply carries it: no extra read). After LOCK_AFTER_CONFLICTS lost races the node takes the
 *    session's write lock (`SET lk NX PX`): every other node's commit is refused with LOCKED
 *    until the holder's commit (which deletes it) or the lock's expiry, and they back off. With
 *    N nodes a batch thus waits for at most N-1 other commits: progress is guaranteed.
 *
 * The service's own retry limit (STORE_MAX_ATTEMPTS) never applies: a change resolves only when
 * its batch is written or refused by the model; BATCH_MAX_ATTEMPTS only bounds a broken store.
 */

/** A record as read: its version and state. */
export interface Versioned {
  version: number;
  session: Session;
}

/** What a write answered. */
export type WriteReply = { kind: 'ok'; version: number } | { kind: 'conflict'; current: Versioned } | { kind: 'missing' } | { kind: 'locked' };

/** The store's side: reads, conditional writes (fenced inside), the lock. */
export interface SessionWriter {
  read(sessionId: string): Promise<Versioned | undefined>;
  /** A copy this node holds (record-cache.ts), possibly stale: a batch starts from it instead of a read. */
  cached?(sessionId: string): Versioned | undefined;
  /**
   * `appKey`: the session's partition (the record being replaced says it, even when `next` is
   * null). `before`: the record at `version` the batch applied to (what the write replaces, if the
   * version check passes).
   */
  write(sessionId: string, appKey: string, version: number, next: Session | null, deliveries: readonly Delivery[], lockToken: string, before?: Session): Promise<WriteReply>;
  /** SET lk token NX PX: true when taken. */
  lock(sessionId: string, appKey: string, token: string): Promise<boolean>;
  /** Deletes the lock if it still holds `token` (a batch that took it and then wrote nothing). */
  unlock(sessionId: string, appKey: string, token: string): Promise<void>;
}

type Attempt = (session: Session) => Outcome<unknown>;

interface Step {
  attempt: Attempt;
  resolve(applied: AppliedChange<unknown> | undefined): void;
  reject(error: unknown): void;
}

/** One step's result within a batch. */
export interface StepResult {
  before: Session;
  outcome: Outcome<unknown> | undefined;
  /** The step changed the state (its deliveries are in the batch's write). */
  changed: boolean;
  /** The attempt threw: only this step fails. */
  error?: unknown;
}

/** Applies the batch's attempts in order to `session`: the state to write, the deliveries in order, each step's result. Pure. */
export function applyBatch(session: Session, attempts: readonly Attempt[]): { next: Session | null; deliveries: Delivery[]; results: (StepResult | undefined)[] } {
  let state: Session | null = session;
  const deliveries: Delivery[] = [];
  const results: (StepResult | undefined)[] = [];
  for (const attempt of attempts) {
    if (!state) {
      results.push(undefined); // an earlier step of the batch closed the session
      continue;
    }
    const before: Session = state;
    let outcome: Outcome<unknown>;
    try {
      outcome = attempt(before);
    } catch (error) {
      results.push({ before, outcome: undefined, changed: false, error });
      continue;
    }
    const changed = outcome.ok && outcome.change.next !== before;
    if (changed && outcome.ok) {
      deliveries.push(...outcome.change.deliveries);
      state = outcome.change.next;
    }
    results.push({ before, outcome, changed });
  }
  return { next: state, deliveries, results };
}

/** What a batch does after a write that did not land. Pure. */
export function afterRefusal(reply: 'conflict' | 'locked', conflicts: number, holdingLock: boolean): { conflicts: number; takeLock: boolean; backoff: boolean } {
  const lost = reply === 'conflict' ? conflicts + 1 : conflicts;
  return { conflicts: lost, takeLock: !holdingLock && lost >= LOCK_AFTER_CONFLICTS, backoff: reply === 'locked' };
}

/** Backoff before the next try while another node holds the lock, ms: doubling, capped. */
export function lockBackoffMs(waits: number): number {
  return Math.min(LOCK_RETRY_MIN_MS * 2 ** waits, LOCK_RETRY_MAX_MS);
}

export interface GroupCommitter {
  change<R>(sessionId: string, attempt: (session: Session) => Outcome<R>): Promise<AppliedChange<R> | undefined>;
  /** Changes still queued or in flight (0 when idle). */
  pending(): number;
  /** Counters since start: commits written, lost races, locks taken, waits on another's lock. */
  stats(): CommitStats;
}

export interface CommitStats {
  commits: number;
  conflicts: number;
  /** Batches that started from a cached copy, and those whose copy turned out stale (one refused write, no lost race). */
  cacheHits: number;
  staleCopies: number;
  locks: number;
  lockWaits: number;
}

export function createGroupCommitter(writer: SessionWriter, lockToken: () => string, sleep: (ms: number) => Promise<void>): GroupCommitter {
  const queues = new Map<string, Step[]>();
  let inFlight = 0;
  const counts: CommitStats = { commits: 0, conflicts: 0, cacheHits: 0, staleCopies: 0, locks: 0, lockWaits: 0 };

  const settle = (batch: readonly Step[], results: readonly (StepResult | undefined)[], written: boolean, version?: number): void => {
    batch.forEach((step, i) => {
      const result = results[i];
      if (!result) return step.resolve(undefined);
      if (result.error !== undefined) return step.reject(result.error);
      step.resolve({ before: result.before, outcome: result.outcome!, routed: written && result.changed, ...(written && version !== undefined ? { version } : {}) });
    });
  };

  const commitBatch = async (sessionId: string, batch: readonly Step[]): Promise<void> => {
    let held: { token: string; appKey: string } | undefined;
    let landed = false;
    try {
      landed = await tryBatch(sessionId, batch, (taken) => (held = taken));
    } finally {
      // A commit deletes the lock it held; a batch that took it and wrote nothing gives it back.
      if (held && !landed) await writer.unlock(sessionId, held.appKey, held.token).catch(() => undefined);
    }
  };

  /** True when the batch's write landed. */
  const tryBatch = async (sessionId: string, batch: readonly Step[], tookLock: (held: { token: string; appKey: string }) => void): Promise<boolean> => {
    let current = writer.cached?.(sessionId);
    // A refusal of a write built on the copy says the copy was old, not that another writer won a race.
    let fromCopy = current !== undefined;
    if (fromCopy) counts.cacheHits += 1;
    else current = await writer.read(sessionId);
    let conflicts = 0;
    let waits = 0;
    let token = '';
    for (let attempt = 0; attempt < BATCH_MAX_ATTEMPTS; attempt++) {
      if (!current) return settle(batch, [], false), false;
      const { next, deliveries, results } = applyBatch(current.session, batch.map((step) => step.attempt));
      if (!results.some((result) => result?.changed)) {
        // Nothing to write proves nothing about a copy (a refusal or a no-op may not hold on the
        // current record): decide on a fresh read. A write that lands proves its copy current.
        if (fromCopy) {
          fromCopy = false;
          current = await writer.read(sessionId);
          continue;
        }
        return settle(batch, results, false), false;
      }
      const { appKey } = current.session;
      const reply = await writer.write(sessionId, appKey, current.version, next, deliveries, token, current.session);
      if (reply.kind === 'ok') {
        counts.commits += 1;
        return settle(batch, results, true, reply.version), true;
      }
      if (reply.kind === 'missing') return settle(batch, [], false), false;
      if (reply.kind === 'conflict' && fromCopy) {
        fromCopy = false;
        counts.staleCopies += 1;
        current = reply.current;
        continue;
      }
      fromCopy = false;
      if (reply.kind === 'conflict') {
        current = reply.current;
        counts.conflicts += 1;
      } else {
        counts.lockWaits += 1;
      }
      const move = afterRefusal(reply.kind, conflicts, token !== '');
      conflicts = move.conflicts;
      if (move.backoff) await sleep(lockBackoffMs(waits++));
      if (move.takeLock) {
        const mine = lockToken();
        if (await writer.lock(sessionId, appKey, mine)) {
          token = mine;
          counts.locks += 1;
          tookLock({ token, appKey });
          // The record may have moved between the conflict reply and the lock: read it once more.
          current = await writer.read(sessionId);
        }
      }
    }
    throw new Error(`session ${sessionId}: no commit landed in ${BATCH_MAX_ATTEMPTS} attempts (lock holder gone?)`);
  };

  const drain = async (sessionId: string): Promise<void> => {
    const queue = queues.get(sessionId)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        await commitBatch(sessionId, batch);
      } catch (error) {
        for (const step of batch) step.reject(error);
        // Redis did not answer: whatever queued behind this batch would wait for its own timeout
        // after this one's (each request must be answered within 1.2 s), so it fails now too.
        if (isPunchthroughError(error) && error.code === 'SERVICE_UNAVAILABLE') {
          const behind = queue.splice(0);
          for (const step of behind) step.reject(error);
          inFlight -= behind.length;
        }
      }
      inFlight -= batch.length;
    }
    queues.delete(sessionId);
  };

  return {
    change<R>(sessionId: string, attempt: (session: Session) => Outcome<R>) {
      return new Promise<AppliedChange<R> | undefined>((resolve, reject) => {
        const step: Step = { attempt, resolve: resolve as Step['resolve'], reject };
        inFlight += 1;
        const queue = queues.get(sessionId);
        if (queue) return void queue.push(step); // a commit is in flight: this goes in the next batch
        queues.set(sessionId, [step]);
        // Started after this turn's I/O callbacks: the changes that arrive together (two members'
        // requests read from two sockets in one turn) go in the first batch together.
        setImmediate(() => void drain(sessionId));
      });
    },
    pending: () => inFlight,
    stats: () => ({ ...counts }),
  };
}
