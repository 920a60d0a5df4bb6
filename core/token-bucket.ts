// The one token bucket every rate limit uses (signaling, HTTP, STUN sources, relay peers).

/** How fast a bucket refills and how much it holds. */
export interface BucketRate {
  /** Tokens added per second, on average. */
  readonly perSecond: number;
  /** Most tokens the bucket holds: what may be spent at once after a quiet spell. */
  readonly burst: number;
}

/** A bucket's state: `tokens` as of `refilledAtMs` (clock ms). Mutable: hot paths keep one per peer. */
export interface TokenBucket {
  tokens: number;
  refilledAtMs: number;
}

/** Float drift from many fractional refills (0.1 + 0.1 + … < 1) must not deny a due token. */
const TOKEN_EPSILON = 1e-6;

/** A full bucket: a new source may burst at once. */
export function fullBucket(rate: BucketRate, nowMs: number): TokenBucket {
  return { tokens: rate.burst, refilledAtMs: nowMs };
}

/** Tokens in `bucket` at `nowMs`, refilled for the time since its last refill and capped at the burst. */
export function tokensAt(bucket: TokenBucket, rate: BucketRate, nowMs: number): number {
  const elapsedMs = Math.max(0, nowMs - bucket.refilledAtMs);
  return Math.min(rate.burst, bucket.tokens + (elapsedMs * rate.perSecond) / 1000);
}

/** Refills `bucket` to `nowMs` (in place). */
export function refill(bucket: TokenBucket, rate: BucketRate, nowMs: number): void {
  bucket.tokens = tokensAt(bucket, rate, nowMs);
  bucket.refilledAtMs = Math.max(bucket.refilledAtMs, nowMs);
}

/** True when `bucket`, refilled to `nowMs`, holds `cost` tokens. */
export function canTake(bucket: TokenBucket, rate: BucketRate, nowMs: number, cost = 1): boolean {
  refill(bucket, rate, nowMs);
  return bucket.tokens >= cost - TOKEN_EPSILON;
}

/** Refills, then spends `cost` tokens if the bucket holds them. False (and nothing spent) when it does not. */
export function takeTokens(bucket: TokenBucket, rate: BucketRate, nowMs: number, cost = 1): boolean {
  if (!canTake(bucket, rate, nowMs, cost)) return false;
  bucket.tokens -= cost;
  return true;
}
