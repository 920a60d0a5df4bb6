import type { ManualClock } from '../../src/runtime/index.js';

export interface DriveOptions {
  /** Clock time per step, ms. Default 10. */
  stepMs?: number;
  /** Give up after this much clock time, ms. Default 60 000. */
  maxMs?: number;
}

/**
 * Advances a manual clock step by step (promise continuations run between timers) until
 * `condition()` holds; throws, naming `what`, if it does not within `maxMs` of clock time.
 */
export async function advanceUntil(
  clock: ManualClock,
  condition: () => boolean,
  what: string,
  options: DriveOptions = {},
): Promise<void> {
  const { stepMs = 10, maxMs = 60_000 } = options;
  const start = clock.now();
  await clock.advanceAsync(0);
  while (!condition()) {
    if (clock.now() - start >= maxMs) throw new Error(`${what}: not done after ${maxMs} ms of clock time`);
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
