/**
 * Per-source rate limit: core's token bucket per source IP. The decision is a pure function of
 * the bucket and `now`; the table around it only stores buckets and bounds their number.
 */
import { fullBucket, takeTokens, type BucketRate, type TokenBucket } from '../core/index.js';

export interface RateLimitOptions {
  /** Average requests per second per source IP address. */
  ratePerSecond: number;
  /** Requests a source may send at once above the average. */
  burst: number;
  /** Sources remembered at most; the least recently seen is forgotten first. */
  maxSources: number;
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
  readonly #rate: BucketRate;

  constructor(private readonly options: RateLimitOptions) {
    this.#rate = { perSecond: options.ratePerSecond, burst: options.burst };
  }

  /** True when `source` may be answered now (and counts the request against it). */
  allow(source: string, nowMs: number): boolean {
    let bucket = this.#buckets.get(source);
    if (!bucket) {
      if (this.#buckets.size >= this.options.maxSources) this.#buckets.delete(this.#buckets.keys().next().value!);
      bucket = { ...fullBucket(this.#rate, nowMs), seenAtMs: nowMs };
      this.#buckets.set(source, bucket);
    } else if (nowMs - bucket.seenAtMs > RECENCY_REFRESH_MS) {
      this.#buckets.delete(source);
      this.#buckets.set(source, bucket);
      bucket.seenAtMs = nowMs;
    }
    return takeTokens(bucket, this.#rate, nowMs);
  }

  get size(): number {
    return this.#buckets.size;
  }
}
