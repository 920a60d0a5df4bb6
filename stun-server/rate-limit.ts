/**
 * Per-source token bucket. The decision is a pure function of the bucket and `now`; the table
 * around it only stores buckets and bounds their number.
 */
export interface RateLimitOptions {
  /** Average requests per second per source IP address. */
  ratePerSecond: number;
  /** Requests a source may send at once above the average. */
  burst: number;
  /** Sources remembered at most; the least recently seen is forgotten first. */
  maxSources: number;
}

export interface TokenBucket {
  tokens: number;
  /** `now` of the last update, in clock milliseconds. */
  updatedAtMs: number;
}

/**
 * Tokens in `bucket` at `nowMs` (refilled for the time since its last update, capped at the
 * burst). A request is allowed when this is at least 1; allowing it spends one.
 */
export function tokensAt(
  bucket: TokenBucket | undefined,
  nowMs: number,
  options: Pick<RateLimitOptions, 'ratePerSecond' | 'burst'>,
): number {
  if (!bucket) return options.burst;
  const elapsedMs = Math.max(0, nowMs - bucket.updatedAtMs);
  return Math.min(options.burst, bucket.tokens + (elapsedMs * options.ratePerSecond) / 1000);
}

/** How stale a source's position in the recency order may get before it is refreshed. */
const RECENCY_REFRESH_MS = 1_000;

/**
 * The buckets of recently seen sources, in least-recently-seen order (a Map keeps insertion
 * order; an entry is moved to the end at most once a second, which keeps the per-packet cost
 * to one lookup while still evicting idle sources first).
 */
export class SourceRateLimiter {
  readonly #buckets = new Map<string, TokenBucket & { seenAtMs: number }>();

  constructor(private readonly options: RateLimitOptions) {}

  /** True when `source` may be answered now (and counts the request against it). */
  allow(source: string, nowMs: number): boolean {
    let bucket = this.#buckets.get(source);
    const tokens = tokensAt(bucket, nowMs, this.options);
    const allowed = tokens >= 1;
    if (!bucket) {
      if (this.#buckets.size >= this.options.maxSources) this.#buckets.delete(this.#buckets.keys().next().value!);
      bucket = { tokens: 0, updatedAtMs: nowMs, seenAtMs: nowMs };
      this.#buckets.set(source, bucket);
    } else if (nowMs - bucket.seenAtMs > RECENCY_REFRESH_MS) {
      this.#buckets.delete(source);
      this.#buckets.set(source, bucket);
      bucket.seenAtMs = nowMs;
    }
    bucket.tokens = allowed ? tokens - 1 : tokens;
    bucket.updatedAtMs = nowMs;
    return allowed;
  }

  get size(): number {
    return this.#buckets.size;
  }
}
