/**
 * The operator's statistics across nodes: each node writes its own counts and live pairs into the
 * `pt:stats` hash (field = node id) every few seconds; the node answering /v1/stats reads the
 * others' and merges them. A node's field goes when it leaves, and the reaper removes a dead
 * node's with its registry entry (membership.ts), so an empty cluster leaves no key behind.
 */
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import { CONNECT_PATHS, type ConnectPath } from '../protocol/index.js';
import { PAIR_OUTCOMES, parseAggregates, type LivePair, type PairOutcome, type StatsAggregates, type StatsNode } from '../stats/index.js';
import type { Caller } from './redis-calls.js';
import { NODES_KEY } from './membership.js';
import { MAX_SHARED_PAIRS, MAX_STATS_BYTES, STATS_SHARE_MS, STATS_STALE_MS } from './constants.js';
import { STATS_KEY } from './keys.js';

/** What a node shares: its own counts, its live pairs (capped), and when. */
interface Shared {
  at: number;
  aggregates: StatsAggregates;
  pairs: LivePair[];
}

export interface StatsShare {
  /** The other nodes' statistics (each checked: a malformed or oversized field is skipped and counted). */
  peers(): Promise<{ aggregates: StatsAggregates[]; pairs: LivePair[]; nodes: StatsNode[] }>;
  /** Stops writing and deletes this node's field. */
  leave(): Promise<void>;
  readonly skipped: { malformed: number };
  close(): void;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** A pair another node wrote, checked field by field; undefined when anything is off. */
function parsePair(value: unknown): LivePair | undefined {
  if (!isRecord(value) || typeof value.sessionId !== 'string' || value.sessionId.length > 64 || !isCount(value.clientActor)) return undefined;
  if (!CONNECT_PATHS.includes(value.path as ConnectPath) || !PAIR_OUTCOMES.includes(value.outcome as PairOutcome) || !isCount(value.connectMs) || !isCount(value.at)) return undefined;
  if (value.rttMs !== undefined && !isCount(value.rttMs)) return undefined;
  if (value.natPair !== undefined && (typeof value.natPair !== 'string' || value.natPair.length > 64)) return undefined;
  return {
    sessionId: value.sessionId,
    clientActor: value.clientActor,
    path: value.path as ConnectPath,
    outcome: value.outcome as PairOutcome,
    connectMs: value.connectMs,
    at: value.at,
    ...(value.rttMs !== undefined ? { rttMs: value.rttMs } : {}),
    ...(value.natPair !== undefined ? { natPair: value.natPair as string } : {}),
  };
}

export interface StatsShareOptions {
  redis: Caller;
  nodeId: string;
  /** This node's statistics now. */
  own(): { aggregates: StatsAggregates; pairs: LivePair[] };
}

export function createStatsShare(env: { clock: Clock; logger: Logger }, options: StatsShareOptions): StatsShare {
  const { clock, logger } = env;
  const { redis, nodeId } = options;
  const skipped = { malformed: 0 };
  let stopped = false;

  const write = async (): Promise<void> => {
    const own = options.own();
    const shared: Shared = { at: clock.wallTime(), aggregates: own.aggregates, pairs: own.pairs.slice(-MAX_SHARED_PAIRS) };
    let text = JSON.stringify(shared);
    // Pairs are what can grow: drop them before going over the size the readers accept.
    if (text.length > MAX_STATS_BYTES) text = JSON.stringify({ ...shared, pairs: [] });
    await redis.call(['HSET', STATS_KEY, nodeId, text]);
  };
  let writing = false;
  const timer: TimerHandle = clock.setInterval(() => {
    if (writing || stopped) return;
    writing = true;
    write()
      .catch((error: unknown) => logger.debug({ err: error }, 'statistics not shared'))
      .finally(() => (writing = false));
  }, STATS_SHARE_MS);

  return {
    skipped,
    async peers() {
      const [fields, registered] = (await Promise.all([redis.call(['HGETALL', STATS_KEY]), redis.call(['HKEYS', NODES_KEY])])) as [unknown, unknown];
      const live = new Set(Array.isArray(registered) ? registered.filter((node): node is string => typeof node === 'string') : []);
      const entries: [unknown, unknown][] = isRecord(fields) ? Object.entries(fields) : fields instanceof Map ? [...fields.entries()] : [];
      const aggregates: StatsAggregates[] = [];
      const pairs: LivePair[] = [];
      const nodes: StatsNode[] = [];
      const now = clock.wallTime();
      for (const [node, text] of entries) {
        if (typeof node !== 'string' || node === nodeId) continue;
        let shared: unknown;
        try {
          shared = typeof text === 'string' && text.length <= MAX_STATS_BYTES ? JSON.parse(text) : undefined;
        } catch {
          shared = undefined;
        }
        const counts = isRecord(shared) ? parseAggregates(shared.aggregates) : undefined;
        if (!isRecord(shared) || !counts || !isCount(shared.at) || !Array.isArray(shared.pairs) || shared.pairs.length > MAX_SHARED_PAIRS) {
          skipped.malformed++;
          continue;
        }
        const ageMs = Math.max(0, now - shared.at);
        nodes.push({ id: node, reporting: live.has(node) && ageMs <= STATS_STALE_MS, ageSeconds: Math.round(ageMs / 1000) });
        aggregates.push(counts);
        // A node gone (not registered) still counts: its connects happened; its pairs are not live any more.
        if (!live.has(node)) continue;
        for (const pair of shared.pairs as unknown[]) {
          const parsed = parsePair(pair);
          if (parsed) pairs.push(parsed);
        }
      }
      nodes.push({ id: nodeId, reporting: true, ageSeconds: 0 });
      nodes.sort((a, b) => (a.id < b.id ? -1 : 1));
      return { aggregates, pairs, nodes };
    },
    async leave() {
      stopped = true;
      clock.clearInterval(timer);
      await redis.call(['HDEL', STATS_KEY, nodeId]);
    },
    close() {
      stopped = true;
      clock.clearInterval(timer);
    },
  };
}
