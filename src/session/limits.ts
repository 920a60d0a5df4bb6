/** Per-connection limits as pure functions of state and `now`. */

/** A token bucket: `tokens` available as of `updatedAt` (clock ms). */
export interface TokenBucket {
  readonly tokens: number;
  readonly updatedAt: number;
}

export function fullBucket(burst: number, now: number): TokenBucket {
  return { tokens: burst, updatedAt: now };
}

/** Refills at `ratePerSecond` up to `burst`, then takes one token if there is one. */
export function takeToken(
  bucket: TokenBucket,
  now: number,
  ratePerSecond: number,
  burst: number,
): { bucket: TokenBucket; allowed: boolean } {
  const elapsedMs = Math.max(0, now - bucket.updatedAt);
  const tokens = Math.min(burst, bucket.tokens + (elapsedMs * ratePerSecond) / 1000);
  if (tokens < 1) return { bucket: { tokens, updatedAt: now }, allowed: false };
  return { bucket: { tokens: tokens - 1, updatedAt: now }, allowed: true };
}

/** Why a session name is unacceptable, or undefined when it is fine. */
export function checkName(name: string, maxChars: number, pattern: RegExp): string | undefined {
  if (name.length === 0) return 'session name is empty';
  if (name.length > maxChars) return `session name is longer than ${maxChars} characters`;
  if (!pattern.test(name)) return 'session name contains characters that are not allowed (e.g. control characters)';
  return undefined;
}
