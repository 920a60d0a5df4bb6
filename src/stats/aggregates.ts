// The fleet's connect statistics as bounded, mergeable plain data: pure functions of the counts and `now`.
import { NAT_TYPES, type ConnectPath, type NatType } from '../protocol/index.js';
import { CONNECT_MS_BOUNDS, SERIES_BUCKET_MS, SERIES_BUCKETS } from './constants.js';

/** How a pair ended up: direct at once, on the relay, or on the relay first and then direct. */
export type PairOutcome = 'direct' | 'relay' | 'upgraded';
export const PAIR_OUTCOMES: readonly PairOutcome[] = ['direct', 'relay', 'upgraded'];

export type OutcomeCounts = Record<PairOutcome, number>;

/** One bucket of the direct-rate series: connects that started in [t, t + bucketMs). */
export interface SeriesBucket {
  t: number;
  direct: number;
  relay: number;
}

/**
 * Everything counted, JSON-safe so a node can hand it to another (Redis) and any two can be
 * summed. Its size is fixed by the protocol's enums and the constants, never by traffic.
 */
export interface StatsAggregates {
  connects: Record<ConnectPath, number>;
  /** Relay pairs that moved to a direct path later. */
  upgrades: number;
  /** Direct pairs that fell back to the relay. */
  fallbacks: number;
  /** Connect time by path: counts per bucket of CONNECT_MS_BOUNDS, the last one above them all. */
  connectMs: Record<ConnectPath, number[]>;
  /** Outcome by `client NAT|server NAT` (both protocol NAT types, so at most 36 keys). */
  natPairs: Record<string, OutcomeCounts>;
  /** The last SERIES_BUCKETS buckets with a connect, oldest first. */
  series: SeriesBucket[];
}

export function emptyAggregates(): StatsAggregates {
  const buckets = (): number[] => new Array<number>(CONNECT_MS_BOUNDS.length + 1).fill(0);
  return { connects: { direct: 0, relay: 0 }, upgrades: 0, fallbacks: 0, connectMs: { direct: buckets(), relay: buckets() }, natPairs: {}, series: [] };
}

/** The key of a NAT pair in {@link StatsAggregates.natPairs}. */
export const natPairKey = (client: NatType, server: NatType): string => `${client}|${server}`;

function bucketIndex(ms: number): number {
  const index = CONNECT_MS_BOUNDS.findIndex((bound) => ms <= bound);
  return index < 0 ? CONNECT_MS_BOUNDS.length : index;
}

function seriesBucket(series: SeriesBucket[], now: number): SeriesBucket {
  const t = Math.floor(now / SERIES_BUCKET_MS) * SERIES_BUCKET_MS;
  const last = series[series.length - 1];
  if (last && last.t === t) return last;
  const bucket = { t, direct: 0, relay: 0 };
  series.push(bucket);
  if (series.length > SERIES_BUCKETS) series.splice(0, series.length - SERIES_BUCKETS);
  return bucket;
}

/** A pair connected by `path` after `ms` (its NAT pair is counted later: {@link countOutcome}). */
export function countConnect(stats: StatsAggregates, path: ConnectPath, ms: number, now: number): void {
  stats.connects[path]++;
  stats.connectMs[path][bucketIndex(ms)]!++;
  seriesBucket(stats.series, now)[path]++;
}

/** A connected pair's outcome by its NAT pair. */
export function countOutcome(stats: StatsAggregates, key: string, outcome: PairOutcome): void {
  const counts = (stats.natPairs[key] ??= { direct: 0, relay: 0, upgraded: 0 });
  counts[outcome]++;
}

/** A pair counted as `relay` for `key` upgraded to direct: it moves to `upgraded`. */
export function countUpgrade(stats: StatsAggregates, key: string | undefined): void {
  stats.upgrades++;
  const counts = key === undefined ? undefined : stats.natPairs[key];
  if (!counts || counts.relay <= 0) return;
  counts.relay--;
  counts.upgraded++;
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const NAT_PAIR_KEYS: ReadonlySet<string> = new Set(NAT_TYPES.flatMap((client) => NAT_TYPES.map((server) => natPairKey(client, server))));

function countsOf(value: unknown, length: number): number[] | undefined {
  return Array.isArray(value) && value.length === length && value.every(isCount) ? (value as number[]) : undefined;
}

/**
 * Checks aggregates another node wrote (read back from Redis: untrusted) and answers them, or
 * undefined when anything is off: wrong shapes, unknown NAT pairs, over-long series.
 */
export function parseAggregates(value: unknown): StatsAggregates | undefined {
  if (!isRecord(value) || !isRecord(value.connects) || !isRecord(value.connectMs) || !isRecord(value.natPairs) || !Array.isArray(value.series)) return undefined;
  const { connects, connectMs, natPairs, series } = value;
  if (!isCount(connects.direct) || !isCount(connects.relay) || !isCount(value.upgrades) || !isCount(value.fallbacks)) return undefined;
  const direct = countsOf(connectMs.direct, CONNECT_MS_BOUNDS.length + 1);
  const relay = countsOf(connectMs.relay, CONNECT_MS_BOUNDS.length + 1);
  if (!direct || !relay || series.length > SERIES_BUCKETS) return undefined;
  const pairs: Record<string, OutcomeCounts> = {};
  for (const [key, counts] of Object.entries(natPairs)) {
    if (!NAT_PAIR_KEYS.has(key) || !isRecord(counts) || !PAIR_OUTCOMES.every((outcome) => isCount(counts[outcome]))) return undefined;
    pairs[key] = { direct: counts.direct as number, relay: counts.relay as number, upgraded: counts.upgraded as number };
  }
  const buckets: SeriesBucket[] = [];
  for (const bucket of series as unknown[]) {
    if (!isRecord(bucket) || !isCount(bucket.t) || !isCount(bucket.direct) || !isCount(bucket.relay)) return undefined;
    buckets.push({ t: bucket.t, direct: bucket.direct, relay: bucket.relay });
  }
  return { connects: { direct: connects.direct, relay: connects.relay }, upgrades: value.upgrades, fallbacks: value.fallbacks, connectMs: { direct, relay }, natPairs: pairs, series: buckets };
}

/** The sum of several nodes' aggregates; the series keeps the newest SERIES_BUCKETS bucket times. */
export function mergeAggregates(all: readonly StatsAggregates[]): StatsAggregates {
  const sum = emptyAggregates();
  const byTime = new Map<number, SeriesBucket>();
  for (const stats of all) {
    sum.connects.direct += stats.connects.direct;
    sum.connects.relay += stats.connects.relay;
    sum.upgrades += stats.upgrades;
    sum.fallbacks += stats.fallbacks;
    for (const path of ['direct', 'relay'] as const) stats.connectMs[path].forEach((count, i) => (sum.connectMs[path][i]! += count));
    for (const [key, counts] of Object.entries(stats.natPairs)) {
      const into = (sum.natPairs[key] ??= { direct: 0, relay: 0, upgraded: 0 });
      for (const outcome of PAIR_OUTCOMES) into[outcome] += counts[outcome];
    }
    for (const bucket of stats.series) {
      const into = byTime.get(bucket.t) ?? { t: bucket.t, direct: 0, relay: 0 };
      into.direct += bucket.direct;
      into.relay += bucket.relay;
      byTime.set(bucket.t, into);
    }
  }
  sum.series = [...byTime.values()].sort((a, b) => a.t - b.t).slice(-SERIES_BUCKETS);
  return sum;
}
