// What a webhook notification's answer means, and when to try again (docs/webhooks.md,
// "Delivery"). Pure: the outbox and its tests decide with these on a manual clock.

/** Retry delays after the 1st, 2nd, … failed attempt, ms: a restart of seconds, a deploy of minutes, an outage of half an hour. */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [1_000, 5_000, 30_000, 120_000, 600_000, 1_800_000];
/** An event older than this is dead-lettered instead of retried, ms (1 hour: Photon does not retry at all; Fusion's webhooks give up after ~8 s). */
export const WEBHOOK_MAX_AGE_MS = 3_600_000;
/** Each delay is spread ±20 % so a backend that comes back is not hit by every queue at once. */
export const WEBHOOK_RETRY_JITTER = 0.2;
/** Longest Retry-After honoured, ms: a longer one is the schedule's business. */
export const WEBHOOK_MAX_RETRY_AFTER_MS = 60_000;

/** How one attempt ended, from the egress result. */
export type AttemptOutcome =
  | { kind: 'answered'; status: number; retryAfterMs?: number }
  | { kind: 'failed'; failure: string };

export type Verdict = { kind: 'delivered' } | { kind: 'retry'; atMs: number } | { kind: 'dead'; reason: string };

/** Retry-After in seconds (or an HTTP date, relative to `nowWallMs`), as ms within the cap. */
export function retryAfterMs(header: string | undefined, nowWallMs: number): number | undefined {
  if (header === undefined) return undefined;
  const seconds = /^\d{1,6}$/.test(header.trim()) ? Number(header.trim()) * 1_000 : Date.parse(header) - nowWallMs;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, WEBHOOK_MAX_RETRY_AFTER_MS) : undefined;
}

/** Transport failures no retry can mend: the policy refused the address, a redirect, a body over its cap. */
const PERMANENT_FAILURES: ReadonlySet<string> = new Set(['blocked', 'redirect', 'bodyTooLarge']);

const transient = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

/**
 * The verdict on attempt number `attempt` (1 = first) of an event created at `createdAt`: 2xx is
 * delivered; 408/425/429/5xx and transport failures retry on the schedule (Retry-After when the
 * backend gave one) while the event is younger than `maxAgeMs`; 3xx and other 4xx are permanent.
 * `random` is in [0, 1) and spreads the delay.
 */
export function verdict(
  outcome: AttemptOutcome,
  attempt: number,
  createdAt: number,
  now: number,
  random: number,
  schedule: readonly number[] = WEBHOOK_RETRY_SCHEDULE_MS,
  maxAgeMs: number = WEBHOOK_MAX_AGE_MS,
): Verdict {
  if (outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300) return { kind: 'delivered' };
  if (outcome.kind === 'answered' && !transient(outcome.status)) return { kind: 'dead', reason: `HTTP ${outcome.status}` };
  if (outcome.kind === 'failed' && PERMANENT_FAILURES.has(outcome.failure)) return { kind: 'dead', reason: outcome.failure };
  const base = schedule[Math.min(attempt, schedule.length) - 1] ?? 0;
  const spread = base * WEBHOOK_RETRY_JITTER * (2 * random - 1);
  const delay = outcome.kind === 'answered' && outcome.retryAfterMs !== undefined ? outcome.retryAfterMs : Math.round(base + spread);
  const atMs = now + delay;
  if (attempt >= schedule.length + 1 || atMs - createdAt > maxAgeMs) {
    return { kind: 'dead', reason: outcome.kind === 'answered' ? `HTTP ${outcome.status}, gave up` : `${outcome.failure}, gave up` };
  }
  return { kind: 'retry', atMs };
}
