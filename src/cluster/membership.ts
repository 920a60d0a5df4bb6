/**
 * Node membership: this node's lease (`pt:lease:<node>` = its incarnation, refreshed every
 * second; a refresh that finds it gone or not ours, or a lease period without answers, fences
 * the node, which closes its sockets and registers again under a new incarnation), and the
 * reaper: whichever node holds `pt:reaper` detaches the members of nodes whose lease is gone,
 * then deletes their member set, inbox and registry entry. The decisions are membership-rules.ts.
 */
import type { Env, TimerHandle } from '../../core/index.js';
import {
  LEASE_REFRESH_MS,
  LEASE_TTL_MS,
  REAPER_BATCH,
  REAPER_CONCURRENCY,
  REAPER_LEASE_MS,
  REAPER_PERIOD_MS,
  REDIS_COMMAND_TIMEOUT_MS,
} from './constants.js';
import { inboxKey, leaseKey, nodeMembersKey, REAPER_KEY, STATS_KEY } from './keys.js';
import { deadNodes, isNodeId, leaseVerdict, parseNodeMember, reaperMayAct, refreshReplyOf } from './membership-rules.js';
import { createCaller, type RedisCommander } from './redis-calls.js';

/** The registry of nodes (ops view, and the reaper's list). */
export const NODES_KEY = 'pt:nodes';

// KEYS[1] lease, KEYS[2] registry; ARGV: incarnation, ttl, node, info. Extends only our own lease.
const REFRESH = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) return 1 end return 0`;
// KEYS[1] lease, KEYS[2] registry; ARGV: new incarnation, ttl, node, info, old incarnation. Takes a free
// lease, or replaces our own old incarnation's (it never lapsed, so nobody reaped us meanwhile).
const REGISTER = `local v = redis.call('GET', KEYS[1]) if v == false or v == ARGV[5] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) return 1 end return 0`;
// KEYS[1] reaper lease; ARGV: holder, ttl.
const REAPER = `local v = redis.call('GET', KEYS[1]) if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end if v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end return 0`;
// KEYS[1] dead node's lease, KEYS[2] its member set, KEYS[3] its inbox, KEYS[4] registry, KEYS[5] statistics; ARGV: node.
// One step: a node that registers again between a check and the deletes keeps its keys.
const FORGET = `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end redis.call('DEL', KEYS[2], KEYS[3]) redis.call('HDEL', KEYS[4], ARGV[1]) redis.call('HDEL', KEYS[5], ARGV[1]) return 1`;
// KEYS[1] lease, KEYS[2] registry, KEYS[3] inbox, KEYS[4] reaper lease; ARGV: incarnation, node,
// reaper holder. Deletes only our own leases (the reaper's too, so another node reaps from its next round),
// and our inbox when no other incarnation holds the lease (ours, or lapsed during a long drain):
// once the lease and registry entry are gone no reaper would ever find it, and commits append
// nothing to the inbox of a node without a lease (lua-library.ts), so nothing recreates it.
const LEAVE = `local v = redis.call('GET', KEYS[1]) if v == ARGV[1] then redis.call('DEL', KEYS[1]) end if v == ARGV[1] or v == false then redis.call('DEL', KEYS[3]) end redis.call('HDEL', KEYS[2], ARGV[2]) if redis.call('GET', KEYS[4]) == ARGV[3] then redis.call('DEL', KEYS[4]) end return 1`;

export interface MembershipOptions {
  commands: RedisCommander;
  nodeId: string;
  /** A fresh incarnation id (random): at start and after every fence. */
  newIncarnation(): string;
  /**
   * The lease was lost and the node is registered again under `next`: the node's writes must
   * name `next` from now on (those naming `previous` are refused) and it closes every WebSocket
   * with 1012, so the SDKs rejoin (anywhere) and their drops commit under the new lease.
   */
  onFenced(previous: string, next: string): Promise<void> | void;
  /** Detaches the members `deadNode` held in one session (the service's update with detachNode). */
  detachNode(sessionId: string, deadNode: string): Promise<void>;
  /** What the registry shows for this node (JSON). */
  info?(): Record<string, unknown>;
  leaseMs?: number;
  refreshMs?: number;
  reaperPeriodMs?: number;
}

export interface Membership {
  readonly nodeId: string;
  /** The current incarnation: every fenced write names it. */
  readonly incarnation: string;
  /** Whether the lease is believed held (false while fenced and re-registering). */
  readonly registered: boolean;
  /** Takes the lease (waits out an earlier life's lease of the same node id), starts the loops. */
  start(): Promise<void>;
  /** One reaper round now (the timer runs it every reaperPeriodMs); resolves with the nodes reaped. */
  reap(): Promise<string[]>;
  /** Whether this node held the reaper lease at its last round, within the lease's lifetime (who runs the relay failover). */
  isReaper(): boolean;
  /** Drain or shutdown: stops the loops and deletes this node's lease and registry entry. */
  leave(): Promise<void>;
  /** Stops the loops without touching Redis (the lease lapses on its own). */
  close(): void;
  stats(): { fenced: number; reaped: number; detached: number; refreshFailures: number };
}

export function createMembership(env: Env, options: MembershipOptions): Membership {
  const { clock, logger } = env;
  const leaseMs = options.leaseMs ?? LEASE_TTL_MS;
  const refreshMs = options.refreshMs ?? LEASE_REFRESH_MS;
  const { call } = createCaller(options.commands, REDIS_COMMAND_TIMEOUT_MS);
  const node = options.nodeId;
  if (!isNodeId(node)) throw new Error(`invalid node id "${node}": 1-64 of letters, digits and . _ : -`);
  let incarnation = options.newIncarnation();
  let registered = false;
  let confirmedAt = 0;
  let refreshing = false;
  let fencing = false;
  let stopped = false;
  let reaping = false;
  // When Redis last answered after failing (or first answered): the reaper waits a lease period from it.
  let connectedAt: number | undefined;
  let refreshTimer: TimerHandle | undefined;
  let reaperTimer: TimerHandle | undefined;
  let scanCursor = '0';
  let reaperHeldAt: number | undefined;
  const stats = { fenced: 0, reaped: 0, detached: 0, refreshFailures: 0 };

  const info = (): string => JSON.stringify({ incarnation, startedAt: clock.now(), ...options.info?.() });
  const noteAnswer = (): void => {
    connectedAt ??= clock.now();
  };
  const noteFailure = (): void => {
    connectedAt = undefined;
  };
  const tracked = async (args: string[]): Promise<unknown> => {
    try {
      const reply = await call(args);
      noteAnswer();
      return reply;
    } catch (error) {
      noteFailure();
      throw error;
    }
  };

  /** Registers under `incarnation` (replacing `previous` if that is still ours), retrying until the lease is ours. */
  const register = async (previous: string): Promise<void> => {
    const giveUpAt = clock.now() + leaseMs + 2 * refreshMs + REDIS_COMMAND_TIMEOUT_MS;
    for (;;) {
      if (stopped) return;
      try {
        const reply = await tracked(['EVAL', REGISTER, '2', leaseKey(node), NODES_KEY, incarnation, String(leaseMs), node, info(), previous]);
        if (refreshReplyOf(reply) === 'held') {
          registered = true;
          confirmedAt = clock.now();
          return;
        }
      } catch (error) {
        logger.warn({ err: error, node }, 'node registration: redis did not answer');
      }
      // Another process holds this node id (or an earlier life's lease has not lapsed yet).
      if (clock.now() >= giveUpAt) throw new Error(`node id "${node}" is held by another live process`);
      await new Promise<void>((resolve) => clock.setTimeout(resolve, refreshMs / 4));
    }
  };

  const fence = async (why: string): Promise<void> => {
    if (fencing || stopped) return;
    fencing = true;
    registered = false;
    stats.fenced += 1;
    const previous = incarnation;
    incarnation = options.newIncarnation();
    logger.warn({ node, why, previous, next: incarnation }, 'fenced: this node lost its lease; closing its sockets and registering again');
    try {
      await register(previous);
      logger.info({ node, incarnation }, 'registered again after a fence');
      await options.onFenced(previous, incarnation);
    } catch (error) {
      logger.error({ err: error, node }, 'registering again after a fence failed; retrying');
      fencing = false;
      return void clock.setTimeout(() => void fence('registration failed'), refreshMs);
    }
    fencing = false;
  };

  const refresh = async (): Promise<void> => {
    if (stopped || fencing || !registered) return;
    if (refreshing) {
      // The previous refresh has not come back: judged by the time alone.
      if (leaseVerdict({ confirmedAt }, 'no-answer', clock.now(), leaseMs) === 'fenced') void fence('no answer from redis for a lease period');
      return;
    }
    refreshing = true;
    let reply: 'held' | 'lost' | 'no-answer';
    try {
      reply = refreshReplyOf(await tracked(['EVAL', REFRESH, '2', leaseKey(node), NODES_KEY, incarnation, String(leaseMs), node, info()]));
    } catch {
      reply = 'no-answer';
      stats.refreshFailures += 1;
    } finally {
      refreshing = false;
    }
    if (stopped || fencing) return;
    const verdict = leaseVerdict({ confirmedAt }, reply, clock.now(), leaseMs);
    if (reply === 'held') confirmedAt = clock.now();
    if (verdict === 'fenced') void fence(reply === 'lost' ? 'the lease is gone or not ours' : 'no answer from redis for a lease period');
  };

  /** Detaches every member of `dead`, then deletes its keys if its lease is still gone. False: not finished. */
  const reapNode = async (dead: string): Promise<boolean> => {
    let cursor = '0';
    let seen = 0;
    do {
      const reply = await tracked(['SSCAN', nodeMembersKey(dead), cursor, 'COUNT', String(REAPER_BATCH)]);
      if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !Array.isArray(reply[1])) return false;
      cursor = reply[0];
      const sids = (reply[1] as unknown[]).map((m) => (typeof m === 'string' ? parseNodeMember(m) : undefined)).filter((m) => m !== undefined);
      for (let i = 0; i < sids.length; i += REAPER_CONCURRENCY) {
        await Promise.all(sids.slice(i, i + REAPER_CONCURRENCY).map(({ sessionId }) => options.detachNode(sessionId, dead)));
        stats.detached += Math.min(REAPER_CONCURRENCY, sids.length - i);
      }
      seen += sids.length;
      if (stopped) return false;
    } while (cursor !== '0' && seen < 64 * REAPER_BATCH);
    if (cursor !== '0') return false;
    // Came back meanwhile (a restart under the same id): its keys are its own again (checked in the same step as the deletes).
    return refreshReplyOf(await tracked(['EVAL', FORGET, '5', leaseKey(dead), nodeMembersKey(dead), inboxKey(dead), NODES_KEY, STATS_KEY, dead])) === 'held';
  };

  /** What this start writes into the reaper lease (a restart under the same id is another holder). */
  const reaperHolder = (): string => `${node}:${incarnation}`;

  const reap = async (): Promise<string[]> => {
    if (reaping || stopped || !registered) return [];
    reaping = true;
    try {
      if (refreshReplyOf(await tracked(['EVAL', REAPER, '1', REAPER_KEY, reaperHolder(), String(REAPER_LEASE_MS)])) !== 'held') {
        reaperHeldAt = undefined;
        return [];
      }
      reaperHeldAt = clock.now();
      if (!reaperMayAct(connectedAt, clock.now(), leaseMs)) return [];
      const known = new Set<string>();
      const registry = await tracked(['HKEYS', NODES_KEY]);
      if (Array.isArray(registry)) for (const n of registry) if (typeof n === 'string') known.add(n);
      // Member sets of nodes missing from the registry (a registry entry lost with its lease).
      const scan = await tracked(['SCAN', scanCursor, 'MATCH', nodeMembersKey('*'), 'COUNT', '1000']);
      if (Array.isArray(scan) && typeof scan[0] === 'string' && Array.isArray(scan[1])) {
        scanCursor = scan[0];
        for (const key of scan[1] as unknown[]) if (typeof key === 'string') known.add(key.slice(nodeMembersKey('').length));
      }
      const list = [...known].filter(isNodeId).slice(0, 1_000);
      if (list.length === 0) return [];
      const leases = await tracked(['MGET', ...list.map(leaseKey)]);
      if (!Array.isArray(leases)) return [];
      const dead = deadNodes(list, leases.map((v) => (typeof v === 'string' ? v : null)), node);
      const reaped: string[] = [];
      for (const d of dead) {
        if (stopped) break;
        logger.warn({ node: d }, 'reaper: node lease gone; detaching its members');
        if (await reapNode(d)) {
          reaped.push(d);
          stats.reaped += 1;
          logger.info({ node: d }, 'reaper: node reaped');
        }
      }
      return reaped;
    } catch (error) {
      logger.warn({ err: error }, 'reaper round failed; the next one retries');
      return [];
    } finally {
      reaping = false;
    }
  };

  return {
    nodeId: node,
    get incarnation() {
      return incarnation;
    },
    get registered() {
      return registered;
    },
    async start() {
      await register('');
      refreshTimer = clock.setInterval(() => void refresh(), refreshMs);
      reaperTimer = clock.setInterval(() => void reap(), options.reaperPeriodMs ?? REAPER_PERIOD_MS);
    },
    reap,
    isReaper: () => registered && !stopped && reaperHeldAt !== undefined && clock.now() - reaperHeldAt < REAPER_LEASE_MS,
    async leave() {
      this.close();
      registered = false;
      await call(['EVAL', LEAVE, '4', leaseKey(node), NODES_KEY, inboxKey(node), REAPER_KEY, incarnation, node, reaperHolder()]);
    },
    close() {
      stopped = true;
      clock.clearInterval(refreshTimer);
      clock.clearInterval(reaperTimer);
    },
    stats: () => ({ ...stats }),
  };
}
