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

/** Refills `bucket` for the time since its last update and takes one token if there is one. */
export function takeToken(
  bucket: TokenBucket | undefined,
  nowMs: number,
  options: Pick<RateLimitOptions, 'ratePerSecond' | 'burst'>,
): { allowed: boolean; bucket: TokenBucket } {
  const elapsedMs = bucket ? Math.max(0, nowMs - bucket.updatedAtMs) : 0;
  const available = bucket ? Math.min(options.burst, bucket.tokens + (elapsedMs * options.ratePerSecond) / 1000) : options.burst;
  const allowed = available >= 1;
  return { allowed, bucket: { tokens: allowed ? available - 1 : available, updatedAtMs: nowMs } };
}

/** The buckets of recently seen sources, in least-recently-seen order (a Map keeps insertion order). */
export class SourceRateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(private readonly options: RateLimitOptions) {}

  /** True when `source` may be answered now. */
  allow(source: string, nowMs: number): boolean {
    const previous = this.#buckets.get(source);
    const { allowed, bucket } = takeToken(previous, nowMs, this.options);
    if (previous) this.#buckets.delete(source);
    else if (this.#buckets.size >= this.options.maxSources) {
      this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    this.#buckets.set(source, bucket);
    return allowed;
  }

  get size(): number {
    return this.#buckets.size;
  }
}
