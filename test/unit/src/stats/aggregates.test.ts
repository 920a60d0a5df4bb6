// The statistics' pure parts: counting, upgrades, merging nodes, and refusing malformed snapshots.
import { describe, expect, it } from 'vitest';
import {
  CONNECT_MS_BOUNDS,
  SERIES_BUCKETS,
  SERIES_BUCKET_MS,
  countConnect,
  countOutcome,
  countUpgrade,
  emptyAggregates,
  mergeAggregates,
  natPairKey,
  parseAggregates,
} from '../../../../src/stats/index.js';

describe('statistics aggregates', () => {
  it('counts connects by path, connect-time bucket and minute', () => {
    const stats = emptyAggregates();
    countConnect(stats, 'direct', 7, 60_000);
    countConnect(stats, 'direct', 40, 61_000);
    countConnect(stats, 'relay', 3_100, 121_000);
    countConnect(stats, 'relay', 99_999, 121_500);
    expect(stats.connects).toEqual({ direct: 2, relay: 2 });
    expect(stats.connectMs.direct[0]).toBe(1); // ≤ 10 ms
    expect(stats.connectMs.direct[CONNECT_MS_BOUNDS.indexOf(50)]).toBe(1);
    expect(stats.connectMs.relay[CONNECT_MS_BOUNDS.indexOf(5_000)]).toBe(1);
    expect(stats.connectMs.relay[CONNECT_MS_BOUNDS.length]).toBe(1); // above every bound
    expect(stats.series).toEqual([
      { t: 60_000, direct: 2, relay: 0 },
      { t: 120_000, direct: 0, relay: 2 },
    ]);
  });

  it('keeps the last hour of minutes only', () => {
    const stats = emptyAggregates();
    for (let minute = 0; minute < SERIES_BUCKETS + 25; minute++) countConnect(stats, 'direct', 5, minute * SERIES_BUCKET_MS);
    expect(stats.series).toHaveLength(SERIES_BUCKETS);
    expect(stats.series[0]!.t).toBe(25 * SERIES_BUCKET_MS);
  });

  it('moves an upgraded relay pair of a NAT pair from relay to upgraded', () => {
    const stats = emptyAggregates();
    const key = natPairKey('symmetric', 'portRestrictedCone');
    countOutcome(stats, key, 'relay');
    countOutcome(stats, key, 'relay');
    countUpgrade(stats, key);
    expect(stats.natPairs[key]).toEqual({ direct: 0, relay: 1, upgraded: 1 });
    expect(stats.upgrades).toBe(1);
    // Not classified yet: only the total moves (the pair is classified as upgraded later).
    countUpgrade(stats, undefined);
    expect(stats.upgrades).toBe(2);
    expect(stats.natPairs[key]).toEqual({ direct: 0, relay: 1, upgraded: 1 });
  });

  it('merges nodes: sums, and lines up minutes by wall time', () => {
    const a = emptyAggregates();
    const b = emptyAggregates();
    countConnect(a, 'direct', 5, 0);
    countConnect(b, 'relay', 5, 30_000);
    countConnect(b, 'direct', 5, 90_000);
    countOutcome(a, natPairKey('open', 'open'), 'direct');
    countOutcome(b, natPairKey('open', 'open'), 'direct');
    const sum = mergeAggregates([a, b]);
    expect(sum.connects).toEqual({ direct: 2, relay: 1 });
    expect(sum.series).toEqual([
      { t: 0, direct: 1, relay: 1 },
      { t: 60_000, direct: 1, relay: 0 },
    ]);
    expect(sum.natPairs[natPairKey('open', 'open')]).toEqual({ direct: 2, relay: 0, upgraded: 0 });
  });

  it('reads back what it wrote, and refuses anything off', () => {
    const stats = emptyAggregates();
    countConnect(stats, 'direct', 5, 0);
    countOutcome(stats, natPairKey('open', 'symmetric'), 'direct');
    const text = JSON.stringify(stats);
    expect(parseAggregates(JSON.parse(text))).toEqual(stats);
    const bad = (change: (value: Record<string, unknown>) => void): unknown => {
      const value = JSON.parse(text) as Record<string, unknown>;
      change(value);
      return parseAggregates(value);
    };
    expect(parseAggregates(null)).toBeUndefined();
    expect(parseAggregates([])).toBeUndefined();
    expect(bad((v) => (v.upgrades = -1))).toBeUndefined();
    expect(bad((v) => (v.upgrades = 1.5))).toBeUndefined();
    expect(bad((v) => (v.natPairs = { 'evil|open': { direct: 1, relay: 0, upgraded: 0 } }))).toBeUndefined();
    expect(bad((v) => (v.natPairs = JSON.parse('{"__proto__":{"direct":1,"relay":0,"upgraded":0}}')))).toBeUndefined();
    expect(bad((v) => ((v.connectMs as Record<string, unknown>).direct = [1]))).toBeUndefined();
    expect(bad((v) => (v.series = Array.from({ length: SERIES_BUCKETS + 1 }, (_, i) => ({ t: i, direct: 0, relay: 0 }))))).toBeUndefined();
    expect(bad((v) => (v.series = [{ t: 'x', direct: 0, relay: 0 }]))).toBeUndefined();
  });
});
