// The one token bucket: burst, average rate, cap, a clock that goes back, float drift, and endpoint keys.
import { describe, expect, it } from 'vitest';
import { canTake, endpointKey, fullBucket, takeTokens, tokensAt } from '../../../core/index.js';

const rate = { perSecond: 10, burst: 3 };

describe('token bucket', () => {
  it('allows the burst at once, then one token per 1/rate, never more than the burst', () => {
    const bucket = fullBucket(rate, 0);
    expect([1, 2, 3, 4].map(() => takeTokens(bucket, rate, 0))).toEqual([true, true, true, false]);
    expect(takeTokens(bucket, rate, 99)).toBe(false);
    expect(takeTokens(bucket, rate, 100)).toBe(true);
    expect(tokensAt(bucket, rate, 3_600_000)).toBe(3);
  });

  it('takes nothing when the cost is more than it holds, and can be asked without taking', () => {
    const bucket = fullBucket(rate, 0);
    expect(takeTokens(bucket, rate, 0, 4)).toBe(false);
    expect(bucket.tokens).toBe(3);
    expect(canTake(bucket, rate, 0, 3)).toBe(true);
    expect(bucket.tokens).toBe(3);
  });

  it('adds nothing for a clock that went back, and no drift denies a due token', () => {
    const bucket = { tokens: 1, refilledAtMs: 50 };
    expect(tokensAt(bucket, rate, 0)).toBe(1);
    const drifting = { tokens: 0, refilledAtMs: 0 };
    // Ten refills of 0.1 token sum to slightly less than 1 in floating point.
    for (let ms = 10; ms <= 100; ms += 10) canTake(drifting, rate, ms, 2);
    expect(takeTokens(drifting, rate, 100)).toBe(true);
  });
});

describe('endpointKey', () => {
  it('keys an endpoint by address and port, IPv6 included', () => {
    expect(endpointKey({ address: '192.0.2.1', port: 3478 })).toBe('192.0.2.1|3478');
    expect(endpointKey({ address: '2001:db8::1', port: 3478 })).not.toBe(endpointKey({ address: '2001:db8::1:3478', port: 0 }));
  });
});
