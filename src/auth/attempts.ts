// Auth attempts per client address: a token bucket each, bounded in how many addresses it holds.
import { fullBucket, takeTokens, type BucketRate, type TokenBucket } from '../../core/index.js';
import { MAX_TRACKED_AUTH_ADDRESSES } from './constants.js';

export interface AttemptLimiter {
  /** Takes one attempt for `address` at `now`; false: over its rate. */
  take(address: string, rate: BucketRate, now: number): boolean;
}

export function createAttemptLimiter(maxAddresses = MAX_TRACKED_AUTH_ADDRESSES): AttemptLimiter {
  const buckets = new Map<string, TokenBucket>();
  return {
    take(address, rate, now) {
      let bucket = buckets.get(address);
      if (!bucket) {
        // Full: forget the oldest address (insertion order). It regains a full bucket, which only
        // an attacker with more than maxAddresses addresses gains from, and they have them anyway.
        if (buckets.size >= maxAddresses) buckets.delete(buckets.keys().next().value!);
        bucket = fullBucket(rate, now);
        buckets.set(address, bucket);
      }
      return takeTokens(bucket, rate, now);
    },
  };
}
