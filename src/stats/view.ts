// What GET /v1/stats answers and the dashboard draws: a pure function of the counts, the live pairs and a page of sessions.
import { NAT_TYPES, type NatType } from '../protocol/index.js';
import type { Session } from '../session/model.js';
import { PAIR_OUTCOMES, type OutcomeCounts, type StatsAggregates } from './aggregates.js';
import type { LivePair } from './collector.js';
import { CONNECT_MS_BOUNDS, SERIES_BUCKET_MS } from './constants.js';

/** A relay as the dashboard shows it (the fleet's admin row, trimmed). */
export interface StatsRelay {
  id: string;
  region: string;
  state: string;
  fresh: boolean;
  level: number;
  bindings: number;
  sessions: number;
}

/** A cluster node as the dashboard shows it. */
export interface StatsNode {
  id: string;
  /** Its statistics reached this node (it is alive and writing them). */
  reporting: boolean;
  /** Age of its last statistics, s. */
  ageSeconds: number;
}

export interface StatsInputs {
  /** Wall clock (ms since the epoch) the answer is stamped with. */
  now: number;
  /** The service clock's now: session ages are measured on it (createdAt is on that clock). */
  clockNow: number;
  aggregates: StatsAggregates;
  pairs: readonly LivePair[];
  /** A page of live sessions (oldest first) and how many exist in all. */
  sessions: readonly Session[];
  sessionCount: number;
  relays?: readonly StatsRelay[];
  nodes?: readonly StatsNode[];
}

/** The protocol's NAT types in their listed order (most open first): the NAT-pair table's order. */
const natOrder = (type: string): number => NAT_TYPES.indexOf(type as NatType);

const rate = (direct: number, total: number): number | null => (total > 0 ? Math.round((direct / total) * 10_000) / 10_000 : null);

/** `appKey` is app id NUL app version (model.ts). */
function appOf(appKey: string): { appId: string; appVersion: string } {
  const cut = appKey.indexOf('\u0000');
  return cut < 0 ? { appId: appKey, appVersion: '' } : { appId: appKey.slice(0, cut), appVersion: appKey.slice(cut + 1) };
}

export function statsView(input: StatsInputs) {
  const { aggregates: stats } = input;
  const connects = stats.connects.direct + stats.connects.relay;
  const pairsBySession = new Map<string, LivePair[]>();
  for (const pair of input.pairs) pairsBySession.set(pair.sessionId, [...(pairsBySession.get(pair.sessionId) ?? []), pair]);

  const apps = new Map<string, { appId: string; appVersion: string; sessions: number; players: number }>();
  const sessions = input.sessions.map((session) => {
    const { appId, appVersion } = appOf(session.appKey);
    const players = session.members.filter((member) => member.active).length;
    const app = apps.get(session.appKey) ?? { appId, appVersion, sessions: 0, players: 0 };
    app.sessions++;
    app.players += players;
    apps.set(session.appKey, app);
    const pairs = (pairsBySession.get(session.sessionId) ?? [])
      .filter((pair) => session.members.some((member) => member.actor === pair.clientActor))
      .sort((a, b) => a.clientActor - b.clientActor)
      .map((pair) => ({
        clientActor: pair.clientActor,
        peerId: session.members.find((member) => member.actor === pair.clientActor)!.peerId,
        path: pair.path,
        outcome: pair.outcome,
        connectMs: pair.connectMs,
        rttMs: pair.rttMs ?? null,
        natPair: pair.natPair ?? null,
      }));
    return { sessionId: session.sessionId, appId, appVersion, name: session.name, ageSeconds: Math.max(0, Math.round((input.clockNow - session.createdAt) / 1000)), players, maxPlayers: session.maxPlayers, relay: session.relay?.id ?? null, pairs };
  });

  const natPairs = Object.entries(stats.natPairs)
    .map(([key, counts]: [string, OutcomeCounts]) => {
      const [client, server] = key.split('|') as [string, string];
      const total = PAIR_OUTCOMES.reduce((sum, outcome) => sum + counts[outcome], 0);
      return { client, server, ...counts, total, directRate: rate(counts.direct + counts.upgraded, total) };
    })
    .sort((a, b) => natOrder(a.client) - natOrder(b.client) || natOrder(a.server) - natOrder(b.server));

  return {
    generatedAt: input.now,
    totals: {
      connects,
      direct: stats.connects.direct,
      relay: stats.connects.relay,
      directRate: rate(stats.connects.direct, connects),
      upgrades: stats.upgrades,
      fallbacks: stats.fallbacks,
      sessions: input.sessionCount,
      livePairs: input.pairs.length,
    },
    connectMs: { bounds: [...CONNECT_MS_BOUNDS], direct: stats.connectMs.direct, relay: stats.connectMs.relay },
    natPairs,
    series: { bucketMs: SERIES_BUCKET_MS, buckets: stats.series.map((bucket) => ({ ...bucket, directRate: rate(bucket.direct, bucket.direct + bucket.relay) })) },
    apps: [...apps.values()],
    sessions,
    relays: input.relays ?? [],
    nodes: input.nodes ?? [],
  };
}

/** The JSON of GET /v1/stats. */
export type StatsView = ReturnType<typeof statsView>;
