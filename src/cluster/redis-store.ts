/** The Redis SessionStore: versioned records, lobby indexes, fenced atomic commits that route their events to the members' nodes. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Env } from '../../core/index.js';
import { nextDeadline } from '../session/expiry.js';
import type { Delivery, Session } from '../session/model.js';
import type { SessionStore } from '../session/store.js';
import { matchesQuery, type SessionQuery } from '../session/views.js';
import { FIND_MAX_SCANNED, FIND_PAGE, LOCK_TTL_MS, MAX_RECORD_BYTES, OWN_REPLY_MAX_WAIT_MS, RECORD_CACHE_FRESH_MS, RECORD_CACHE_MAX, REDIS_COMMAND_TIMEOUT_MS, SAMPLE_MAX_APPS } from './constants.js';
import type { ClusterEventBus } from './event-bus.js';
import { createGroupCommitter, type CommitStats, type SessionWriter, type Versioned, type WriteReply } from './group-commit.js';
import { APPS_KEY, nodeMembersKey, partitionKeys, partitionTag } from './keys.js';
import { decodeSession, encodeSession, toJsonText } from './record-codec.js';
import { createRecordCache } from './record-cache.js';
import { FencedError, createCaller, loadLibrary, type CallObserver, type RedisCommander } from './redis-calls.js';

export interface RedisSessionStoreOptions {
  /** A connected @redis/client client (RESP3; `disableOfflineQueue` so an outage fails fast). The caller closes it. */
  client: RedisCommander;
  /** This node's id: the lease `pt:lease:<nodeId>` fences its writes. */
  nodeId: string;
  /** This start's incarnation: the lease must hold it, or every write is refused (FENCED). */
  incarnation: string;
  /** Largest record written or read back, bytes. Default MAX_RECORD_BYTES. */
  maxRecordBytes?: number;
  /** Longest wait on one Redis command before SERVICE_UNAVAILABLE, ms. Default 1 s. */
  commandTimeoutMs?: number;
  /** Load the Functions library (FUNCTION LOAD REPLACE). Default true. */
  loadLibrary?: boolean;
  /** Session records kept as node-local copies (record-cache.ts); 0 turns the cache off. Default RECORD_CACHE_MAX. */
  cacheEntries?: number;
  /**
   * Takes a commit's deliveries to this node's own members from its reply instead of a round trip
   * through this node's inbox (the event bus: event-bus.ts). Without it they go through the inbox.
   */
  own?: OwnDeliveries;
  /** How long a commit carrying own events may go unanswered before it counts as lost, ms. Default OWN_REPLY_MAX_WAIT_MS. */
  ownReplyMaxWaitMs?: number;
}

export interface RedisSessionStore extends SessionStore {
  readonly routesDeliveries: true;
  change: NonNullable<SessionStore['change']>;
  getRecent: NonNullable<SessionStore['getRecent']>;
  sample: NonNullable<SessionStore['sample']>;
  /** Deliveries outside a commit (known addresses on entry), routed by the session's member → node map, inbox version 0. */
  publish(sessionId: string, deliveries: readonly Delivery[]): Promise<void>;
  /** Group commit counters (commits, lost races, locks taken, waits on another node's lock). */
  stats(): CommitStats;
  /** Sessions with a member on `node` (`pt:nm:<node>`): the reaper's list. */
  sessionsOnNode(node: string): Promise<{ tag: string; sessionId: string }[]>;
  /**
   * An inbox entry told this node the session reached `version`: its record (untrusted text, when
   * the entry carries one) becomes this node's copy; without one an older copy is dropped.
   */
  seen(sessionId: string, version: number, record?: string): void;
}

/** The arguments a record write carries beside the record: what the indexes need without decoding it. */
function recordArgs(session: Session, maxBytes: number): string[] {
  const b = encodeSession(session);
  if (Buffer.byteLength(b) > maxBytes) throw new Error(`session ${session.sessionId} encodes to more than ${maxBytes} bytes; not stored`);
  const lobby: Record<string, unknown> = {};
  for (const key of session.lobbyKeys) if (Object.hasOwn(session.properties, key)) lobby[key] = session.properties[key];
  const deadline = nextDeadline(session);
  return [
    b,
    session.name,
    String(session.createdAt),
    session.open ? '1' : '0',
    session.visible ? '1' : '0',
    String(session.members.length),
    String(session.maxPlayers),
    JSON.stringify(lobby),
    deadline === undefined ? '' : String(deadline),
  ];
}

/** Counted list of actor → node of the members placed on a node. */
function nodeArgs(session: Session | null): string[] {
  const out = [''];
  for (const m of session?.members ?? []) if (m.node !== undefined) out.push(String(m.actor), m.node);
  out[0] = String(out.length - 1);
  return out;
}

/** Counted list of actor → `[actor, event]` JSON (the inbox entry's `d` is these, joined). */
function deliveryArgs(deliveries: readonly Delivery[]): string[] {
  const items = deliveries.flatMap(({ actor, event }) => [String(actor), toJsonText([actor, event])]);
  return [String(items.length), ...items];
}

/** Where a commit's deliveries to this node's own members go (the event bus implements it). */
export type OwnDeliveries = Pick<ClusterEventBus, 'ownSending' | 'deliverOwn' | 'ownSettled'>;

/** A commit's deliveries to members on `self` (by their node after the change, else before it: the Function's routing), and the rest. */
function splitOwn(deliveries: readonly Delivery[], next: Session | null, before: Session, self: string): { own: Delivery[]; others: Delivery[] } {
  const own: Delivery[] = [];
  const others: Delivery[] = [];
  for (const delivery of deliveries) {
    const node = next?.members.find((m) => m.actor === delivery.actor)?.node ?? before.members.find((m) => m.actor === delivery.actor)?.node;
    (node === self ? own : others).push(delivery);
  }
  return { own, others };
}

const asArray = (reply: unknown): unknown[] | undefined => (Array.isArray(reply) ? reply : undefined);

export async function createRedisSessionStore(env: Env, options: RedisSessionStoreOptions): Promise<RedisSessionStore> {
  const { nodeId, incarnation } = options;
  const maxBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  const redis = createCaller(options.client, options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS);
  if (options.loadLibrary ?? true) await loadLibrary(options.client);
  let closed = false;
  let lockSerial = 0;
  const maxEntries = options.cacheEntries ?? RECORD_CACHE_MAX;
  const cache = createRecordCache(() => env.clock.now(), { maxEntries: Math.max(1, maxEntries), freshMs: maxEntries > 0 ? RECORD_CACHE_FRESH_MS : 0 });
  const cached = (sessionId: string): Versioned | undefined => (maxEntries > 0 ? cache.get(sessionId) : undefined);
  // SHA-1 per write showed in the profile: an app's tag is computed once (bounded: apps are few, a flood of app keys resets it).
  const tags = new Map<string, string>();
  const tagOf = (appKey: string): string => {
    let tag = tags.get(appKey);
    if (tag === undefined) {
      if (tags.size >= 1_024) tags.clear();
      tags.set(appKey, (tag = partitionTag(appKey)));
    }
    return tag;
  };
  const keep = (sessionId: string, record: Versioned | undefined): Versioned | undefined => {
    if (maxEntries > 0 && record) cache.put(sessionId, record);
    else if (maxEntries > 0) cache.drop(sessionId);
    return record;
  };

  const open = (): void => {
    if (closed) throw new Error('the Redis session store is closed');
  };

  const versioned = (version: unknown, record: unknown): Versioned => {
    const v = Number(version);
    if (!Number.isSafeInteger(v) || v < 1 || typeof record !== 'string') throw new Error('redis returned a malformed session version or record');
    return { version: v, session: decodeSession(record, maxBytes) };
  };

  const read = async (sessionId: string): Promise<Versioned | undefined> => {
    const reply = asArray(await redis.fcallRo('pt_get', [sessionId]));
    return keep(sessionId, reply ? versioned(reply[0], reply[1]) : undefined);
  };

  const { own } = options;
  const ownReplyMaxWaitMs = options.ownReplyMaxWaitMs ?? OWN_REPLY_MAX_WAIT_MS;
  const write = async (sessionId: string, appKey: string, version: number, next: Session | null, deliveries: readonly Delivery[], token: string, before?: Session): Promise<WriteReply> => {
    const record = next ? ['1', ...recordArgs(next, maxBytes), ...nodeArgs(next)] : ['0', ...nodeArgs(null)];
    const split = own && before ? splitOwn(deliveries, next, before, nodeId) : undefined;
    const mine = split && split.own.length > 0 ? split : undefined;
    // The member → node pairs of the version replaced are at:<sid>'s content: sent, the Function skips reading it.
    const args = [nodeId, incarnation, sessionId, tagOf(appKey), String(version), token, ...record, ...deliveryArgs(mine ? mine.others : deliveries), ...(before ? nodeArgs(before) : [])];
    let observer: CallObserver | undefined;
    if (own && mine) {
      args.push('1');
      own.ownSending(sessionId);
      let answered = false;
      // Real time, as the caller's deadline: a half-open connection must not hold the session's inbox for ever.
      const giveUp = setTimeout(() => observer?.(undefined, true), ownReplyMaxWaitMs);
      giveUp.unref?.();
      observer = (answer, lost) => {
        if (answered) return;
        answered = true;
        clearTimeout(giveUp);
        const [code, after] = asArray(answer) ?? [];
        // No id: a library of an earlier release ran it (and routed none of these): unordered beats lost.
        if (Number(code) > 0) own.deliverOwn(sessionId, Number(code), typeof after === 'string' ? after : '0-0', mine.own);
        else own.ownSettled(sessionId, lost);
      };
    }
    const reply = asArray(await redis.fcall('pt_commit', args, observer)) ?? [];
    const code = Number(reply[0]);
    if (code > 0) return keep(sessionId, next ? { version: code, session: next } : undefined), { kind: 'ok', version: code };
    if (code === -1) return { kind: 'conflict', current: keep(sessionId, versioned(reply[1], reply[2]))! };
    if (code === -2) throw new FencedError(nodeId);
    if (code === -3) return keep(sessionId, undefined), { kind: 'missing' };
    if (code === -4) return { kind: 'locked' };
    throw new Error(`pt_commit answered ${JSON.stringify(reply)}`);
  };

  const writer: SessionWriter = {
    read,
    cached,
    write,
    async lock(sessionId, appKey, token) {
      const key = partitionKeys(tagOf(appKey)).lock(sessionId);
      return (await redis.call(['SET', key, token, 'NX', 'PX', String(LOCK_TTL_MS)])) === 'OK';
    },
    async unlock(sessionId, appKey, token) {
      await redis.fcall('pt_unlock', [tagOf(appKey), sessionId, token]);
    },
  };
  const committer = createGroupCommitter(writer, () => `${nodeId}/${incarnation}/${++lockSerial}`, (ms) => sleep(ms));

  const store: RedisSessionStore = {
    routesDeliveries: true,

    async insert(session) {
      open();
      const args = [nodeId, incarnation, session.sessionId, tagOf(session.appKey), ...recordArgs(session, maxBytes), ...nodeArgs(session)];
      const reply = await redis.fcall('pt_create', args);
      if (reply === 'FENCED') throw new FencedError(nodeId);
      const made = Number(reply) === 1;
      if (made) keep(session.sessionId, { version: 1, session });
      return made;
    },

    async get(sessionId) {
      open();
      return read(sessionId);
    },

    async getRecent(sessionId) {
      open();
      return (maxEntries > 0 ? cache.recent(sessionId) : undefined) ?? read(sessionId);
    },

    async findByName(appKey, name) {
      open();
      const copy = maxEntries > 0 ? cache.recentByName(appKey, name) : undefined;
      if (copy) return copy.session;
      const reply = asArray(await redis.fcallRo('pt_by_name', [tagOf(appKey), name]));
      if (!reply) return undefined;
      const found = versioned(reply[1], reply[2]);
      const { session } = found;
      if (reply[0] === session.sessionId) keep(session.sessionId, found);
      // Two apps whose tags collide (80 bits: not in practice) still never see each other's sessions.
      return session.appKey === appKey ? session : undefined;
    },

    /**
     * Walks the smallest index that holds every match (joinable ⊂ listed ⊂ all, oldest first) a
     * page at a time and applies the query to the decoded records, so the answer is exactly
     * matchesQuery's. Bounded: at most FIND_MAX_SCANNED entries are examined (a filter that
     * matches nothing costs that many record reads, then answers with what it found).
     */
    async find(query: SessionQuery) {
      open();
      const keys = partitionKeys(tagOf(query.appKey));
      const index = query.listed ? (query.notFull ? keys.joinable : keys.listed) : keys.all;
      const out: Session[] = [];
      let skip = query.offset ?? 0;
      for (let start = 0; out.length < query.limit && start < FIND_MAX_SCANNED; start += FIND_PAGE) {
        const ids = asArray(await redis.call(['ZRANGE', index, String(start), String(start + FIND_PAGE - 1)])) ?? [];
        if (ids.length === 0) break;
        const flat = asArray(await redis.fcallRo('pt_records', [tagOf(query.appKey), ...ids.map(String)])) ?? [];
        for (let i = 0; i < ids.length && out.length < query.limit; i++) {
          if (flat[2 * i] === null || flat[2 * i] === undefined) continue; // closed since the page was read
          const { session } = versioned(flat[2 * i], flat[2 * i + 1]);
          if (!matchesQuery(session, query)) continue;
          if (skip > 0) skip -= 1;
          else out.push(session);
        }
        if (ids.length < FIND_PAGE) break;
      }
      return out;
    },

    /** The dashboard's page: the oldest sessions of each partition in turn (SSCAN of pt:apps, bounded), until `limit`. */
    async sample(limit) {
      open();
      const out: Session[] = [];
      const tags = (asArray(await redis.call(['SSCAN', APPS_KEY, '0', 'COUNT', String(SAMPLE_MAX_APPS)])) ?? [])[1];
      for (const tag of (asArray(tags) ?? []).slice(0, SAMPLE_MAX_APPS).map(String)) {
        if (out.length >= limit) break;
        const ids = asArray(await redis.call(['ZRANGE', partitionKeys(tag).all, '0', String(limit - out.length - 1)])) ?? [];
        if (ids.length === 0) continue;
        const flat = asArray(await redis.fcallRo('pt_records', [tag, ...ids.map(String)])) ?? [];
        for (let i = 0; i < ids.length; i++) if (flat[2 * i] !== null && flat[2 * i] !== undefined) out.push(versioned(flat[2 * i], flat[2 * i + 1]).session);
      }
      return out;
    },

    async compareAndSet(sessionId, version, next, deliveries = []) {
      open();
      const appKey = next?.appKey ?? (await read(sessionId))?.session.appKey;
      if (appKey === undefined) return 'missing';
      const reply = await write(sessionId, appKey, version, next, deliveries, '');
      return reply.kind === 'ok' ? 'ok' : reply.kind === 'missing' ? 'missing' : 'conflict';
    },

    change(sessionId, attempt) {
      open();
      return committer.change(sessionId, attempt);
    },

    stats: () => committer.stats(),
    seen(sessionId, version, record) {
      if (maxEntries <= 0) return;
      const held = cache.get(sessionId);
      if (record === undefined || (held && held.version >= version)) return cache.seen(sessionId, version);
      try {
        const session = decodeSession(record, maxBytes);
        if (session.sessionId !== sessionId) throw new Error('the record is of another session');
        cache.put(sessionId, { version, session });
      } catch (error) {
        cache.drop(sessionId);
        env.logger.warn({ err: error, sessionId }, 'ignoring a malformed record in an inbox entry');
      }
    },

    async publish(sessionId, deliveries) {
      open();
      if (deliveries.length === 0) return;
      const reply = await redis.fcall('pt_publish', [nodeId, incarnation, sessionId, ...deliveryArgs(deliveries)]);
      if (Number(reply) === -2) throw new FencedError(nodeId);
    },

    async sessionsOnNode(node) {
      open();
      const members = asArray(await redis.call(['SMEMBERS', nodeMembersKey(node)])) ?? [];
      return members.flatMap((entry) => {
        const match = /^\{([a-z2-7]+)\}\|(.+)$/.exec(String(entry));
        if (match) return [{ tag: match[1]!, sessionId: match[2]! }];
        env.logger.warn({ entry, node }, 'ignoring a malformed node-members entry');
        return [];
      });
    },

    /**
     * One read over `pt:apps`: sums each partition's counter, so it costs a GET per app
     * partition (cheap for tens of apps; a single global counter would put every create of every
     * app on one key).
     */
    async count() {
      open();
      return Number(await redis.fcallRo('pt_count', []));
    },

    /** Stops taking requests. The sessions stay in Redis (they outlive this node) and the client is the caller's to close. */
    async close() {
      closed = true;
    },
  };
  return store;
}
