/**
 * A cloud node that cannot reach its shared store answers SERVICE_UNAVAILABLE: the request did
 * nothing and may be sent again. The start's create/join is retried with the reconnect backoff
 * on the same connection, within a bounded time, instead of failing the start.
 */
import { isPunchthroughError, type Clock } from '../core/index.js';

export interface UnavailableRetry {
  clock: Clock;
  /** Uniform in [0, 1): the jitter. */
  random(): number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Give up (rethrow) once this much time has passed since the first try, ms. */
  budgetMs: number;
}

export function isRetryableUnavailable(error: unknown): boolean {
  return isPunchthroughError(error) && error.code === 'SERVICE_UNAVAILABLE';
}

/** Runs `send` until it succeeds, fails with anything but SERVICE_UNAVAILABLE, or the budget is spent. */
export async function retryUnavailable<T>(retry: UnavailableRetry, send: () => Promise<T>): Promise<T> {
  const { clock } = retry;
  const since = clock.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!isRetryableUnavailable(error)) throw error;
      const full = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** Math.min(attempt, 30));
      const wait = full / 2 + (full / 2) * retry.random();
      if (clock.now() - since + wait > retry.budgetMs) throw error;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, wait));
    }
  }
}
