/**
 * The operator's dashboard: the statistics collector, GET /v1/stats (admin token) and the static
 * page at /dashboard (no data in it: the page asks /v1/stats with the token the operator gives).
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import type { Clock, Logger } from '../../core/index.js';
import { relayDefaults, type RelayServer } from '../../relay/index.js';
import { LOCAL_RELAY_ID, effectiveLevel, isFresh, levelOfPct, type RelayDirectory } from '../fleet/index.js';
import { hasBearerToken } from '../session/service.js';
import type { SessionStore } from '../session/store.js';
import {
  MAX_LISTED_SESSIONS,
  createStatsCollector,
  mergeAggregates,
  registerStatsMetrics,
  statsView,
  type LivePair,
  type StatsAggregates,
  type StatsCollector,
  type StatsNode,
  type StatsRelay,
  type StatsView,
} from '../stats/index.js';

/** What other nodes contribute (cluster mode: their snapshots in Redis). */
export interface PeerStats {
  aggregates: StatsAggregates[];
  pairs: LivePair[];
  nodes: StatsNode[];
}

export interface CloudStatsOptions {
  /** The session store (read for NAT types and the page of sessions); a getter: the service makes it after the collector. */
  store: () => SessionStore;
  relays?: () => StatsRelay[];
  /** Cluster mode: the other nodes' statistics. */
  peers?: () => Promise<PeerStats>;
}

export interface CloudStats {
  readonly collector: StatsCollector;
  /** The whole fleet's view (this node plus its peers). */
  view(): Promise<StatsView>;
  /** GET /v1/stats with the admin token; the page at /dashboard whenever there is one. */
  routes(app: FastifyInstance, adminToken: string | undefined): void;
  metrics(registry: Registry): void;
  close(): void;
}

/** The page's files: name → content type. Nothing else under /dashboard is served. */
const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** The page's folder, from the source or the dist layout. */
async function readAsset(name: string): Promise<Buffer> {
  let lastError: unknown;
  for (const relative of ['../../dashboard/', '../../../dashboard/']) {
    try {
      return await readFile(new URL(`${relative}${name}`, import.meta.url));
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** The fleet's relays as the dashboard shows them. */
export function statsRelays(directory: RelayDirectory, now: number): StatsRelay[] {
  return directory.list(now).map((relay) => ({
    id: relay.id,
    region: relay.region,
    state: relay.state,
    fresh: isFresh(relay, now),
    level: effectiveLevel(relay),
    bindings: relay.bindings,
    sessions: relay.sessions,
  }));
}

/** A cloud without a fleet: its embedded relay, if it runs one. */
export function embeddedRelayRow(relay: Pick<RelayServer, 'stats'> | undefined, region = ''): StatsRelay[] {
  if (!relay) return [];
  const { bindings, sessions } = relay.stats();
  const level = levelOfPct((bindings / relayDefaults.DEFAULT_MAX_BINDINGS) * 100);
  return [{ id: LOCAL_RELAY_ID, region, state: 'normal', fresh: true, level, bindings, sessions }];
}

export function createCloudStats(env: { clock: Clock; logger: Logger }, options: CloudStatsOptions): CloudStats {
  const { clock } = env;
  const collector = createStatsCollector(env, { store: { get: (sessionId) => options.store().get(sessionId) } });
  const assets = new Map<string, Buffer>();

  const view = async (): Promise<StatsView> => {
    const store = options.store();
    const [sessions, sessionCount, peers] = await Promise.all([
      store.sample ? store.sample(MAX_LISTED_SESSIONS) : Promise.resolve([]),
      store.count(),
      options.peers ? options.peers() : Promise.resolve({ aggregates: [], pairs: [], nodes: [] }),
    ]);
    return statsView({
      now: clock.wallTime(),
      clockNow: clock.now(),
      aggregates: mergeAggregates([collector.aggregates(), ...peers.aggregates]),
      pairs: [...collector.pairs(), ...peers.pairs],
      sessions,
      sessionCount,
      ...(options.relays ? { relays: options.relays() } : {}),
      nodes: peers.nodes,
    });
  };

  return {
    collector,
    view,
    routes(app, adminToken) {
      const serve = async (name: string, reply: FastifyReply): Promise<FastifyReply> => {
        const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
        if (!type) return reply.code(404).send({ code: 'INVALID_REQUEST', message: 'no such dashboard file' });
        let body = assets.get(name);
        if (!body) assets.set(name, (body = await readAsset(name)));
        return reply
          .header('content-type', type)
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
          .send(body);
      };
      app.get('/dashboard', (_request, reply) => serve('index.html', reply));
      app.get<{ Params: { file: string } }>('/dashboard/:file', (request, reply) => serve(request.params.file, reply));
      app.get('/v1/stats', async (request, reply) => {
        if (adminToken === undefined) return reply.code(404).send({ code: 'NOT_ALLOWED', message: 'statistics need an admin token (--admin-token)' });
        if (!hasBearerToken(request.headers.authorization, adminToken)) {
          return reply.code(401).send({ code: 'NOT_ALLOWED', message: 'admin endpoints need Authorization: Bearer <admin token>' });
        }
        return reply.header('cache-control', 'no-store').send(await view());
      });
    },
    metrics(registry) {
      registerStatsMetrics(registry, collector);
    },
    close() {
      collector.close();
    },
  };
}
