/**
 * The relay table of a cluster node (src/fleet's RelayDirectory on Redis): every node reads the
 * relays' reports (`pt:relays`, `pt:relay:<id>`) and every node's placements of the last 10 s
 * (`pt:relay:<id>:placed`) into a cached table every second, and keeps the sessions on each relay
 * in `pt:relay:<id>:sessions`, so whichever node holds the reaper lease can move them.
 */
import { ASSIGNED_WINDOW_MS, MAX_ASSIGNED_REMEMBERED, REDIS_REFRESH_MS, RELAY_FORGET_MS, RELAY_STALE_MS, type FleetRelay, type RelayDirectory, type SessionIndex } from '../fleet/index.js';
import { RELAY_REGISTRY_KEY, relayAssignedKey, relayDefaults, relayReportKey } from '../../relay/index.js';
import type { Env, TimerHandle } from '../../core/index.js';
import { REDIS_COMMAND_TIMEOUT_MS, RELAY_PLACED_WINDOW_MS, RELAY_TABLE_BATCH, RELAY_TABLE_MAX } from './constants.js';
import { createCaller, type RedisCommander } from './redis-calls.js';
import { isRelayId, mergeRelayReads, type RelayRead } from './relay-table-rules.js';

/** Every node's placements on a relay within the window (scored by the cluster's wall clock). */
export const relayPlacedKey = (relayId: string): string => `pt:relay:${relayId}:placed`;
/** The sessions on a relay (their ids), for failover and drain. */
export const relaySessionsKey = (relayId: string): string => `pt:relay:${relayId}:sessions`;

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

// KEYS[1] placed, KEYS[2] assigned; ARGV: now, member, window start, window ms, most remembered.
// One step per placement: the window (trimmed and bounded), and the since-report counter the relay takes.
const PLACE = `redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2]) redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3]) redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[5]) - 1) redis.call('PEXPIRE', KEYS[1], ARGV[4]) redis.call('INCR', KEYS[2]) redis.call('PEXPIRE', KEYS[2], ARGV[4]) return 1`;
// KEYS[1] pt:relays, KEYS[2] the relay's sessions; ARGV: id, cutoff. Forgets a relay silent since before
// the cutoff only if no session is left on it (a dead relay's sessions must still be found).
const FORGET = `local s = redis.call('ZSCORE', KEYS[1], ARGV[1]) if s and tonumber(s) < tonumber(ARGV[2]) and redis.call('SCARD', KEYS[2]) == 0 then redis.call('ZREM', KEYS[1], ARGV[1]) return 1 end return 0`;

export interface RedisRelayTableOptions {
  commands: RedisCommander;
  nodeId: string;
  /** This node's embedded relay (id `local`), computed when listed; never read from or written to Redis. */
  local?: () => FleetRelay;
  /** Default {@link REDIS_REFRESH_MS}. */
  refreshMs?: number;
  /** Default {@link RELAY_STALE_MS}. */
  staleAfterMs?: number;
  /** A relay silent this long with no session left is removed from `pt:relays` (by the reaper holder). Default {@link RELAY_FORGET_MS}. */
  forgetAfterMs?: number;
  /** Whether this node prunes forgotten relays (the reaper holder). Default: never. */
  prunes?: () => boolean;
}

export interface RelayTableStats {
  refreshes: number;
  refreshFailures: number;
  /** Values that were not a valid report (dropped). */
  malformed: number;
  /** Placement or index writes Redis did not take (the placement stands; only the shared count missed it). */
  writeFailures: number;
  forgotten: number;
}

export interface RedisRelayTable extends RelayDirectory {
  /** Sessions by relay, in Redis. */
  readonly index: SessionIndex;
  /** One read now. Rejects when Redis did not answer (the cached table stays). */
  refresh(): Promise<void>;
  /**
   * Whether the table may drive failover at `now`: refreshed within two periods, and without a
   * failed refresh for a staleness period plus one. After a Redis blip every relay looks silent
   * until it has written again, so nothing moves until the table has caught up.
   */
  settled(now: number): boolean;
  /** First refresh, then one every period. */
  start(): Promise<void>;
  stats(): RelayTableStats;
  close(): void;
}

export function createRedisRelayTable(env: Env, options: RedisRelayTableOptions): RedisRelayTable {
  const { clock, logger } = env;
  const { call } = createCaller(options.commands, REDIS_COMMAND_TIMEOUT_MS);
  const refreshMs = options.refreshMs ?? REDIS_REFRESH_MS;
  const staleAfterMs = options.staleAfterMs ?? RELAY_STALE_MS;
  const forgetAfterMs = options.forgetAfterMs ?? RELAY_FORGET_MS;
  const stats: RelayTableStats = { refreshes: 0, refreshFailures: 0, malformed: 0, writeFailures: 0, forgotten: 0 };
  let table = new Map<string, FleetRelay>();
  // This node's placements per relay (time, and the read generation they were made in) not yet in a read's count.
  let own = new Map<string, Array<{ at: number; generation: number }>>();
  let generation = 0;
  let readAt = Number.NEGATIVE_INFINITY;
  let okSince: number | undefined;
  let seq = 0;
  let timer: TimerHandle | undefined;
  let refreshing: Promise<void> | undefined;
  let failing = false;

  const wrote = (what: Promise<unknown>): void =>
    void what.catch((error: unknown) => {
      stats.writeFailures++;
      logger.debug({ err: error }, 'relay table write failed');
    });

  const read = async (): Promise<void> => {
    const now = clock.now();
    // Placements made before this read's commands are sent are in its counts (one connection: Redis runs them in order).
    const counted = generation++;
    const ids = await call(['ZREVRANGE', RELAY_REGISTRY_KEY, '0', String(RELAY_TABLE_MAX - 1)]);
    const list = Array.isArray(ids) ? (ids as unknown[]).filter(isRelayId) : [];
    stats.malformed += Array.isArray(ids) ? ids.length - list.length : 0;
    const values: unknown[] = [];
    for (let i = 0; i < list.length; i += RELAY_TABLE_BATCH) {
      const batch = list.slice(i, i + RELAY_TABLE_BATCH);
      const reply = await call(['MGET', ...batch.map(relayReportKey)]);
      values.push(...(Array.isArray(reply) ? reply : batch.map(() => undefined)));
    }
    const from = String(now - RELAY_PLACED_WINDOW_MS);
    const [placed, ttls] = await Promise.all([
      Promise.all(list.map((id) => call(['ZCOUNT', relayPlacedKey(id), `(${from}`, '+inf']))),
      Promise.all(list.map((id) => call(['PTTL', relayReportKey(id)]))),
    ]);
    const ageOf = (ttl: unknown): number => (typeof ttl === 'number' && ttl >= 0 ? Math.max(0, relayDefaults.FLEET_REPORT_TTL_MS - ttl) : 0);
    const reads: RelayRead[] = list.map((id, i) => ({ id, value: values[i] ?? null, ageMs: ageOf(ttls[i]), placed: typeof placed[i] === 'number' ? placed[i] : 0 }));
    const merged = mergeRelayReads(table, reads, now, staleAfterMs);
    stats.malformed += merged.malformed;
    table = merged.table;
    readAt = now;
    const kept = new Map<string, Array<{ at: number; generation: number }>>();
    for (const [id, placements] of own) {
      const later = placements.filter((placement) => placement.generation > counted);
      if (later.length > 0) kept.set(id, later);
    }
    own = kept;
    if (options.prunes?.()) await prune(now);
  };

  const prune = async (now: number): Promise<void> => {
    const old = await call(['ZRANGEBYSCORE', RELAY_REGISTRY_KEY, '-inf', `(${now - forgetAfterMs}`, 'LIMIT', '0', '100']);
    if (!Array.isArray(old)) return;
    for (const id of old) {
      if (!isRelayId(id)) continue;
      if ((await call(['EVAL', FORGET, '2', RELAY_REGISTRY_KEY, relaySessionsKey(id), id, String(now - forgetAfterMs)])) === 1) {
        stats.forgotten++;
        logger.info({ relayId: id }, 'relay forgotten: silent for a minute, no session left on it');
      }
    }
  };

  const refresh = (): Promise<void> =>
    (refreshing ??= read()
      .then(
        () => {
          stats.refreshes++;
          okSince ??= clock.now();
          if (failing) logger.info('relay table: redis answers again');
          failing = false;
        },
        (error: unknown) => {
          stats.refreshFailures++;
          okSince = undefined;
          if (!failing) logger.warn({ err: error }, 'relay table refresh failed; placing on the cached table');
          failing = true;
          throw error;
        },
      )
      .finally(() => (refreshing = undefined)));

  const withOwn = (relay: FleetRelay): FleetRelay => {
    const mine = own.get(relay.id)?.length ?? 0;
    return mine === 0 ? relay : { ...relay, assigned: relay.assigned + mine };
  };

  const index: SessionIndex = {
    async add(relayId, sessionId) {
      if (relayId === 'local' || !SESSION_ID.test(sessionId)) return;
      await call(['SADD', relaySessionsKey(relayId), sessionId]);
    },
    async remove(relayId, sessionId) {
      if (relayId === 'local') return;
      await call(['SREM', relaySessionsKey(relayId), sessionId]);
    },
    async list(relayId, limit) {
      if (relayId === 'local' || limit <= 0) return [];
      const reply = await call(['SRANDMEMBER', relaySessionsKey(relayId), String(Math.floor(limit))]);
      return Array.isArray(reply) ? (reply as unknown[]).filter((id): id is string => typeof id === 'string' && SESSION_ID.test(id)) : [];
    },
  };

  return {
    index,
    list(now) {
      const local = options.local?.();
      const cutoff = now - ASSIGNED_WINDOW_MS;
      for (const placements of own.values()) while (placements.length > 0 && placements[0]!.at <= cutoff) placements.shift();
      const reported = [...table.values()].map(withOwn);
      return local ? [{ ...local, local: true }, ...reported] : reported;
    },
    get(id) {
      const local = options.local?.();
      if (local && local.id === id) return { ...local, local: true };
      return table.get(id);
    },
    countAssignment(id, now) {
      if (!table.has(id)) return;
      let placements = own.get(id);
      if (!placements) own.set(id, (placements = []));
      placements.push({ at: now, generation });
      if (placements.length > MAX_ASSIGNED_REMEMBERED) placements.shift();
      const member = `${options.nodeId}:${now}:${seq++}`;
      wrote(
        call([
          'EVAL', PLACE, '2', relayPlacedKey(id), relayAssignedKey(id),
          String(now), member, `(${now - RELAY_PLACED_WINDOW_MS}`, String(RELAY_PLACED_WINDOW_MS), String(MAX_ASSIGNED_REMEMBERED),
        ]),
      );
    },
    refresh,
    settled(now) {
      return okSince !== undefined && now - readAt <= 2 * refreshMs && now - okSince >= staleAfterMs + refreshMs;
    },
    async start() {
      await refresh().catch(() => undefined);
      timer = clock.setInterval(() => void refresh().catch(() => undefined), refreshMs);
    },
    stats: () => ({ ...stats }),
    close() {
      clock.clearInterval(timer);
    },
  };
}
