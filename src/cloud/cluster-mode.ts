/**
 * Cluster mode of createCloud: when a Redis URL is configured, the cluster layer is loaded (a
 * dynamic import, so the default cloud never loads a Redis client) and the session service runs
 * on its store, bus and deadline poller, on a wall clock. Closing drains the node: its members
 * are detached, its sockets close with 1012 and its lease is deleted.
 */
import { Gauge, type Registry } from 'prom-client';
import { createEnv, type Clock, type Logger } from '../../core/index.js';
import type { SessionService } from '../session/service.js';
import type { SessionServiceOptions } from '../session/options.js';
import type { FleetRelay, RelayDirectory, SessionIndex } from '../fleet/index.js';
import type { LivePair, StatsAggregates, StatsNode } from '../stats/index.js';

export interface ClusterModeOptions {
  /** `redis://host:port`, `rediss://…` or `unix:///path/redis.sock`. */
  redisUrl: string;
  /** This node's id (default hostname-pid). */
  nodeId?: string;
  /** How long a dead or draining node's members stay detached for their rejoin, ms. Default 10 s. */
  failoverGraceMs?: number;
}

export interface ClusterMode {
  /** The session service's clock: epoch ms, the same on every node (NTP). */
  readonly clock: Clock;
  /** What the session service runs on. */
  readonly session: Pick<SessionServiceOptions, 'store' | 'eventBus' | 'deadlines' | 'nodeId'>;
  readonly nodeId: string;
  /** Whether this node holds the reaper lease: it alone runs the relay fleet's failover pass. */
  isReaper(): boolean;
  /**
   * The relay fleet's table in Redis (read every second; `local` is this node's embedded relay),
   * with the sessions by relay, and whether it is settled enough to drive failover.
   */
  relayTable(local: (() => FleetRelay) | undefined): Promise<{ directory: RelayDirectory; index: SessionIndex; settled(now: number): boolean }>;
  /** Hands the built service to the node and exposes the node's counters on its registry. */
  serve(service: SessionService, registry: Registry): void;
  /** Shares this node's operator statistics (`own`) through Redis; answers a reader of the other nodes'. */
  shareStats(own: () => { aggregates: StatsAggregates; pairs: LivePair[] }): () => Promise<{ aggregates: StatsAggregates[]; pairs: LivePair[]; nodes: StatsNode[] }>;
  /** Drain: detach the members bound here, close their sockets with 1012, delete the lease. */
  drain(service: SessionService): Promise<void>;
  close(): Promise<void>;
}

export async function startClusterMode(options: ClusterModeOptions, logger: Logger, clock?: Clock): Promise<ClusterMode> {
  const cluster = await import('../cluster/index.js');
  const wall = clock ?? cluster.createWallClock();
  const node = await cluster.createRedisCluster(createEnv({ clock: wall, logger: logger.child({ service: 'cluster' }) }), {
    url: options.redisUrl,
    ...(options.nodeId === undefined ? {} : { nodeId: options.nodeId }),
    ...(options.failoverGraceMs === undefined ? {} : { failoverGraceMs: options.failoverGraceMs }),
  });
  let draining: Promise<void> | undefined;
  return {
    clock: wall,
    nodeId: node.nodeId,
    session: { store: node.store, eventBus: node.eventBus, deadlines: node.deadlines, nodeId: node.nodeId },
    isReaper: () => node.isReaper(),
    async relayTable(local) {
      const table = await node.relayTable(local ? { local } : {});
      return { directory: table, index: table.index, settled: (now) => table.settled(now) };
    },
    serve(service, registry) {
      node.serve(service);
      new Gauge({
        name: 'punchthrough_cluster_node',
        help: 'Cluster node counters (inbox deliveries, duplicates, malformed entries, resets; fences; writes refused by the fence; reaped nodes; deadline polls)',
        labelNames: ['counter'],
        registers: [registry],
        collect() {
          for (const [counter, value] of Object.entries(node.stats())) this.set({ counter }, value);
        },
      });
    },
    shareStats(own) {
      const share = node.shareStats(own);
      return () => share.peers();
    },
    drain(service) {
      draining ??= (async () => {
        await service.drain(node.failoverGraceMs, cluster.DRAIN_TIMEOUT_MS);
        await node.leave();
      })();
      return draining;
    },
    // The cloud closes its parts together: a drain under way must reach its leave (lease and
    // inbox deleted) before the Redis clients close under it.
    close: async () => {
      await draining?.catch(() => undefined);
      await node.close();
    },
  };
}
