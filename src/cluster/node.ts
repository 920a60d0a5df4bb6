/**
 * A cluster node put together: Redis clients (commands, the blocking inbox reader, the lobby
 * subscriber), this node's lease, the Redis session store, event bus and deadline poller the
 * session service runs on. The store follows the node's incarnation: after a fence it is made
 * again under the new one, so every later write names the lease the node holds.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createClient } from '@redis/client';
import { createRealClock, type Clock, type Env } from '../../core/index.js';
import type { DeadlineScheduler } from '../session/presence.js';
import type { SessionStore } from '../session/store.js';
import { detachNode } from '../session/node-failover.js';
import { FAILOVER_GRACE_MS, REAPER_BATCH, REAPER_CONCURRENCY, REDIS_COMMAND_TIMEOUT_MS } from './constants.js';
import { createRedisDeadlines, type ClusterDeadlines } from './deadlines.js';
import { createRedisEventBus, type ClusterEventBus } from './event-bus.js';
import { createMembership, type Membership } from './membership.js';
import { createRedisSessionStore, type OwnDeliveries, type RedisSessionStore } from './redis-store.js';
import { createCaller, isFenced, type RedisCommander } from './redis-calls.js';
import { createStatsShare, type StatsShare, type StatsShareOptions } from './stats-share.js';
import { nodeMembersKey } from './keys.js';
import { createRedisRelayTable, type RedisRelayTable, type RedisRelayTableOptions } from './relay-table.js';
import { isNodeId, parseNodeMember } from './membership-rules.js';

export interface RedisClusterOptions {
  /** `redis://[user:pass@]host:port[/db]`, `rediss://…` (TLS) or `unix:///path/to/redis.sock`. */
  url: string;
  /** This node's id (default: hostname-pid): 1–64 of letters, digits and `._:-`. */
  nodeId?: string;
  /** How long the members of a dead or draining node stay detached for their SDKs to rejoin, ms. Default 10 s. */
  failoverGraceMs?: number;
}

/** What the node asks of the session service once it is built. */
export interface ClusterService {
  /** Detaches the members `node` holds in the session for `graceMs`. */
  detachNode(sessionId: string, node: string, graceMs: number): Promise<void>;
  /** Closes every WebSocket with 1012 (the node was fenced). */
  restartConnections(reason: string): void;
}

export interface RedisCluster {
  readonly nodeId: string;
  readonly incarnation: string;
  readonly failoverGraceMs: number;
  /** The session service's store, bus and deadline scheduler (SessionServiceOptions). */
  readonly store: SessionStore;
  readonly eventBus: ClusterEventBus;
  readonly deadlines: (onDue: (sessionId: string) => void) => DeadlineScheduler;
  /** Hands the built service to the node (the reaper detaches through it; a fence restarts its sockets). */
  serve(service: ClusterService): void;
  /** Counters for metrics. */
  stats(): Record<string, number>;
  /** Whether this node holds the reaper lease (it alone runs the relay failover pass). */
  isReaper(): boolean;
  /** The relay fleet's table on this node's Redis connection (started; closed with the node). */
  relayTable(options: Pick<RedisRelayTableOptions, 'local'>): Promise<RedisRelayTable>;
  /** Shares this node's operator statistics (`own`) with the others and reads theirs (stats-share.ts). */
  shareStats(own: StatsShareOptions['own']): StatsShare;
  /** After a drain: deletes this node's lease and registry entry, then closes. */
  leave(): Promise<void>;
  /** Stops the loops and closes the Redis clients (the lease lapses on its own). Idempotent. */
  close(): Promise<void>;
}

/** The cluster's clock: epoch ms, so deadlines stored in records mean the same on every node (nodes need NTP). */
export function createWallClock(): Clock {
  const real = createRealClock();
  return { ...real, now: () => Date.now() };
}

export function defaultNodeId(): string {
  return `${hostname().replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 40)}-${process.pid}`;
}

/** What the node uses of a node-redis client. */
interface Client extends RedisCommander {
  readonly isOpen: boolean;
  close(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
}

/** node-redis options for `url` (a unix: URL becomes a socket path). */
function clientOptions(url: string) {
  const reconnectStrategy = (retries: number): number => Math.min(50 * 2 ** retries, 1_000);
  // No client-side command timeout: every call races its own deadline (redis-calls.ts), and
  // node-redis's would cost an AbortSignal.timeout per command (≈ 2–3 % of a node's CPU in
  // bench:cluster's profile). node-redis 6 defaults it to 5 s, so it is turned off (0) here.
  const base = { RESP: 3 as const, disableOfflineQueue: true, commandOptions: { timeout: 0 } };
  if (url.startsWith('unix:')) {
    const path = url.replace(/^unix:(\/\/)?/, '');
    return { ...base, socket: { path, reconnectStrategy } };
  }
  return { ...base, url, socket: { reconnectStrategy } };
}

export async function createRedisCluster(env: Env, options: RedisClusterOptions): Promise<RedisCluster> {
  const { logger } = env;
  const nodeId = options.nodeId ?? defaultNodeId();
  if (!isNodeId(nodeId)) throw new Error(`invalid node id "${nodeId}": 1-64 of letters, digits and . _ : -`);
  const failoverGraceMs = options.failoverGraceMs ?? FAILOVER_GRACE_MS;
  const clients: Client[] = [];
  const connect = async (role: string): Promise<Client> => {
    const made = createClient(clientOptions(options.url));
    const client = made as unknown as Client;
    let reported = false;
    made.on('error', (error: unknown) => {
      // node-redis reconnects by itself; one line per outage, not one per retry.
      if (!reported) logger.warn({ err: error, role }, 'redis connection error; reconnecting');
      reported = true;
    });
    made.on('ready', () => {
      if (reported) logger.info({ role }, 'redis connection back');
      reported = false;
    });
    clients.push(client);
    await made.connect();
    return client;
  };
  const closeClients = async (): Promise<void> => {
    await Promise.allSettled(clients.map((c) => (c.isOpen ? c.close() : undefined)));
  };

  try {
    const commands = await connect('commands');
    const reader = await connect('inbox');
    const subscriber = await connect('lobby');
    let service: ClusterService | undefined;
    let store: RedisSessionStore;
    // Commits hand this node's own members' events to the bus from their replies (no inbox round
    // trip), once the bus is up; the commits before it (an earlier life's detaches) tell nobody here.
    const ownBus: { current?: ClusterEventBus } = {};
    const own: OwnDeliveries = {
      ownSending: (sessionId) => ownBus.current?.ownSending(sessionId),
      deliverOwn: (sessionId, version, after, deliveries) => ownBus.current?.deliverOwn(sessionId, version, after, deliveries),
      ownSettled: (sessionId, lost) => ownBus.current?.ownSettled(sessionId, lost),
    };
    const membership: Membership = createMembership(env, {
      commands,
      nodeId,
      newIncarnation: () => randomBytes(12).toString('base64url'),
      info: () => ({ pid: process.pid, host: hostname() }),
      detachNode: async (sessionId, dead) => {
        if (!service) throw new Error('the session service is not up yet');
        await service.detachNode(sessionId, dead, failoverGraceMs);
      },
      onFenced: async (_previous, next) => {
        store = await createRedisSessionStore(env, { client: commands, nodeId, incarnation: next, loadLibrary: false, own });
        service?.restartConnections('this node lost its lease: reconnect and rejoin');
      },
    });
    store = await createRedisSessionStore(env, { client: commands, nodeId, incarnation: membership.incarnation, own });
    await membership.start();
    await detachEarlierLife(env, commands, nodeId, store, failoverGraceMs);
    const eventBus = createRedisEventBus(env, {
      reader,
      commands,
      subscriber: { subscribe: (channel, listener) => subscriber.subscribe(channel, (message: string) => listener(message)) },
      nodeId,
      publish: (sessionId, deliveries) => store.publish(sessionId, deliveries),
      // Another node's commit reached a member here: its record replaces this node's older copy.
      onEntry: (sessionId, version, record) => store.seen(sessionId, version, record),
      // Events for the members here may be lost: their SDKs rejoin (1012) and get a fresh START snapshot.
      onInboxReset: (why) => service?.restartConnections(`this node's inbox lost events (${why}): reconnect and rejoin`),
    });
    await eventBus.start();
    ownBus.current = eventBus;
    let deadlines: ClusterDeadlines | undefined;
    let relays: RedisRelayTable | undefined;

    // A write refused by the fence reaches the client as SERVICE_UNAVAILABLE (FencedError is one); counted here.
    let fencedWrites = 0;
    const counted = <T>(write: Promise<T>): Promise<T> =>
      write.catch((error: unknown) => {
        if (isFenced(error)) fencedWrites += 1;
        throw error;
      });
    // Every call reaches the store of the current incarnation.
    const current: SessionStore = {
      routesDeliveries: true,
      insert: (session) => counted(store.insert(session)),
      get: (id) => store.get(id),
      getRecent: (id) => store.getRecent(id),
      findByName: (appKey, name) => store.findByName(appKey, name),
      find: (query) => store.find(query),
      compareAndSet: (id, version, next, deliveries) => counted(store.compareAndSet(id, version, next, deliveries)),
      change: (id, attempt) => counted(store.change(id, attempt)),
      count: () => store.count(),
      sample: (limit) => store.sample(limit),
      close: async () => undefined,
    };
    let statsShare: StatsShare | undefined;

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        membership.close();
        statsShare?.close();
        deadlines?.close();
        relays?.close();
        await eventBus.close();
        await store.close();
        await closeClients();
      })());
    logger.info({ node: nodeId, incarnation: membership.incarnation }, 'cluster node registered');
    return {
      nodeId,
      get incarnation() {
        return membership.incarnation;
      },
      failoverGraceMs,
      store: current,
      eventBus,
      deadlines: (onDue) => (deadlines = createRedisDeadlines(env, { commands, onDue })),
      serve(built) {
        service = built;
      },
      shareStats(own) {
        statsShare?.close();
        return (statsShare = createStatsShare(env, { redis: createCaller(commands), nodeId, own }));
      },
      stats: () => {
        const bus = eventBus.stats();
        const { lastId: _lastId, ...busCounts } = bus;
        const table = relays?.stats();
        const relayCounts: Record<string, number> = table ? { relayTableRefreshFailures: table.refreshFailures, relayTableMalformed: table.malformed, relayTableWriteFailures: table.writeFailures } : {};
        return { ...busCounts, ...membership.stats(), ...(deadlines?.stats() ?? {}), ...relayCounts, fencedWrites };
      },
      isReaper: () => membership.isReaper(),
      async relayTable(tableOptions) {
        relays?.close();
        relays = createRedisRelayTable(env, { ...tableOptions, commands, nodeId, prunes: () => membership.isReaper() });
        await relays.start();
        return relays;
      },
      async leave() {
        membership.close();
        await statsShare?.leave().catch((error: unknown) => logger.warn({ err: error }, 'statistics not deleted; the reaper removes them'));
        await membership.leave().catch((error: unknown) => logger.warn({ err: error }, 'lease not deleted; it lapses on its own'));
        await close();
      },
      close,
    };
  } catch (error) {
    await closeClients();
    throw error;
  }
}

/**
 * A node that starts under an id whose earlier life died (kill -9, then restarted at once, as a
 * supervisor does with a fixed --node-id) takes the lease back before any reaper sees it gone,
 * so nobody detaches that life's members: they would stay active, with no socket anywhere, for
 * ever. Nobody is bound to this process yet, so every member `pt:nm:<self>` lists is the earlier
 * life's: detach them for the failover grace, as the reaper would have.
 */
async function detachEarlierLife(env: Env, client: RedisCommander, nodeId: string, store: RedisSessionStore, graceMs: number): Promise<void> {
  const { call } = createCaller(client, REDIS_COMMAND_TIMEOUT_MS);
  const sessions = new Set<string>();
  try {
    let cursor = '0';
    do {
      const reply = await call(['SSCAN', nodeMembersKey(nodeId), cursor, 'COUNT', String(REAPER_BATCH)]);
      if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !Array.isArray(reply[1])) break;
      cursor = reply[0];
      for (const m of reply[1] as unknown[]) {
        const parsed = typeof m === 'string' ? parseNodeMember(m) : undefined;
        if (parsed) sessions.add(parsed.sessionId);
      }
    } while (cursor !== '0' && sessions.size < 64 * REAPER_BATCH);
    const list = [...sessions];
    for (let i = 0; i < list.length; i += REAPER_CONCURRENCY) {
      await Promise.all(
        list.slice(i, i + REAPER_CONCURRENCY).map((sid) => store.change(sid, (s) => ({ ok: true, change: detachNode(s, nodeId, env.clock.now(), graceMs) }))),
      );
    }
    if (list.length > 0) env.logger.warn({ node: nodeId, sessions: list.length }, 'detached the members of an earlier life of this node id');
  } catch (error) {
    env.logger.warn({ err: error, node: nodeId }, 'detaching the members of an earlier life of this node id failed');
  }
}
