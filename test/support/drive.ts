import type { ManualClock } from '../../core/index.js';

export interface DriveOptions {
  /** Clock time per step, ms. Default 10. */
  stepMs?: number;
  /** Give up after this much clock time, ms. Default 120 000. */
  maxMs?: number;
  /**
   * While this returns true the clock stands still and real I/O (a loopback WebSocket) gets
   * the event loop instead. Default: never.
   */
  hold?: () => boolean;
  /** Give up after holding this long in real time, ms. Default 30 000. */
  maxHoldRealMs?: number;
}

/**
 * Advances a manual clock step by step (promise continuations run between timers) until
 * `done()` holds; throws, naming `what`, if it does not within `maxMs` of clock time.
 */
export async function advanceUntil(
  clock: ManualClock,
  done: () => boolean,
  what: string,
  options: DriveOptions = {},
): Promise<void> {
  const { stepMs = 10, maxMs = 120_000, hold = () => false, maxHoldRealMs = 30_000 } = options;
  const start = clock.now();
  let heldSince: number | undefined;
  await clock.advanceAsync(0);
  while (!done()) {
    if (clock.now() - start >= maxMs) throw new Error(`${what}: not done after ${maxMs} ms of clock time`);
    if (hold()) {
      heldSince ??= Date.now();
      if (Date.now() - heldSince >= maxHoldRealMs) {
        throw new Error(`${what}: held for real I/O longer than ${maxHoldRealMs} ms`);
      }
      // Waiting on a real socket: let the event loop poll I/O, without moving the clock.
      await new Promise((resolve) => setTimeout(resolve, 1));
      await clock.advanceAsync(0);
      continue;
    }
    heldSince = undefined;
    await clock.advanceAsync(stepMs);
  }
}

/** Advances the clock until `promise` settles, and returns (or throws) its outcome. */
export async function advanceUntilSettled<T>(
  clock: ManualClock,
  promise: Promise<T>,
  what: string,
  options: DriveOptions = {},
): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => (settled = true));
  tracked.catch(() => undefined);
  await advanceUntil(clock, () => settled, what, options);
  return tracked;
}
