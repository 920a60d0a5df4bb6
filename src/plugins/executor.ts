/**
 * A session's serial executor (Photon's room fiber): its plugin's callbacks and timers run one
 * at a time, in the order they were queued, each within a deadline. A call past its deadline
 * releases the queue (its signal aborts; what it settles to later is ignored and reported as
 * late), so one stuck call cannot wedge the session; other sessions have executors of their own.
 */
import type { Clock, TimerHandle } from '../../core/index.js';

/** How a queued call ended. `full`: the queue was at its cap; `closed`: the session ended first; `aborted`: its peer left. */
export type Settled<T> =
  | { kind: 'value'; value: T }
  | { kind: 'thrown'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'aborted' }
  | { kind: 'closed' }
  | { kind: 'full' };

export interface CallTiming {
  /** An absolute deadline (clock ms): a gate's starts when the request arrives, queueing included. */
  deadline?: number;
  /** Else the deadline is this long after the call starts. */
  budgetMs: number;
  /** Aborts the call (and answers `aborted`) when this signal aborts: the requesting peer's socket closed. */
  abortWith?: AbortSignal;
}

export type Task<T> = (signal: AbortSignal, deadline: number) => T | Promise<T>;

export interface Executor {
  run<T>(task: Task<T>, timing: CallTiming, onLate: () => void): Promise<Settled<T>>;
  /** Calls still queued ones answer `closed`; later ones too. */
  close(): void;
  readonly queued: number;
  /** A call queued now would answer `full`. */
  readonly full: boolean;
}

/** Waits for the next turn of the event loop: a call never starts in the tick that queued it (the change's replies go out first). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function createExecutor(clock: Clock, maxQueued: number): Executor {
  let tail: Promise<unknown> = Promise.resolve();
  let queued = 0;
  let closed = false;

  const runOne = <T>(task: Task<T>, timing: CallTiming, onLate: () => void): Promise<Settled<T>> => {
    if (closed) return Promise.resolve({ kind: 'closed' });
    const now = clock.now();
    const deadline = timing.deadline ?? now + timing.budgetMs;
    if (timing.abortWith?.aborted) return Promise.resolve({ kind: 'aborted' });
    if (deadline <= now) return Promise.resolve({ kind: 'timeout' });
    const controller = new AbortController();
    return new Promise<Settled<T>>((resolve) => {
      let done = false;
      const finish = (settled: Settled<T>): boolean => {
        if (done) return false;
        done = true;
        clock.clearTimeout(timer);
        timing.abortWith?.removeEventListener('abort', onAbort);
        resolve(settled);
        return true;
      };
      const onAbort = (): void => {
        controller.abort(new Error('the peer disconnected'));
        finish({ kind: 'aborted' });
      };
      const timer = clock.setTimeout(() => {
        controller.abort(new Error('the plugin call passed its deadline'));
        finish({ kind: 'timeout' });
      }, deadline - now);
      timing.abortWith?.addEventListener('abort', onAbort, { once: true });
      let returned: T | Promise<T>;
      try {
        returned = task(controller.signal, deadline);
      } catch (error) {
        finish({ kind: 'thrown', error });
        return;
      }
      Promise.resolve(returned).then(
        (value) => finish({ kind: 'value', value }) || onLate(),
        (error: unknown) => finish({ kind: 'thrown', error }) || onLate(),
      );
    });
  };

  return {
    run(task, timing, onLate) {
      if (closed) return Promise.resolve({ kind: 'closed' });
      if (queued >= maxQueued) return Promise.resolve({ kind: 'full' });
      queued += 1;
      // A call with a fixed deadline (a gate) is answered at its deadline even while it still
      // waits its turn; it is then skipped when the turn comes.
      let expired = false;
      let expiry: TimerHandle | undefined;
      const result = tail.then(nextTurn).then(() => {
        clock.clearTimeout(expiry);
        return expired ? ({ kind: 'timeout' } as const) : runOne(task, timing, onLate);
      });
      const settled = result.finally(() => {
        queued -= 1;
      });
      tail = settled.catch(() => undefined);
      if (timing.deadline === undefined) return settled;
      const waited = new Promise<Settled<never>>((resolve) => {
        expiry = clock.setTimeout(() => {
          expired = true;
          resolve({ kind: 'timeout' });
        }, Math.max(0, timing.deadline! - clock.now()));
      });
      return Promise.race([settled, waited]);
    },
    close() {
      closed = true;
    },
    get queued() {
      return queued;
    },
    get full() {
      return queued >= maxQueued;
    },
  };
}
