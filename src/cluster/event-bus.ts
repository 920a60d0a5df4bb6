/**
 * The event bus of a cluster node: events reach this node through its inbox stream
 * (`pt:in:<node>`), which the store's commit appends to atomically with each write, so every
 * node sees one session's events in commit order. One blocking XREAD loop reads it from the last
 * id seen (a Redis blip only delays it); the inbox router drops duplicates and holds events for a
 * member whose entering request is still in flight. The events of this node's own commits for its
 * own members skip the stream: they come from the commits' replies, merged in order (own-order.ts).
 * Lobby changes go over pub/sub: losing one is harmless, the lobby feed is periodic.
 */
import type { Env } from '../../core/index.js';
import type { Delivery } from '../session/model.js';
import type { EventBus } from '../session/presence.js';
import {
  INBOX_HOLD_MS,
  INBOX_MAX_DELIVERIES_PER_ENTRY,
  INBOX_MAX_ENTRY_BYTES,
  INBOX_MAX_HELD,
  INBOX_MAX_HELD_PER_MEMBER,
  INBOX_MAX_VERSIONS,
  INBOX_READ_BLOCK_MS,
  INBOX_READ_COUNT,
  INBOX_RETRY_MS,
  LOBBY_CHANNEL,
  LOBBY_PUBLISH_INTERVAL_MS,
  REDIS_COMMAND_TIMEOUT_MS,
} from './constants.js';
import { createLobbyCoalescer } from './lobby-coalescer.js';
import { createInboxRouter, parseInboxEntry, type InboxCounters, type InboxLimits } from './inbox-router.js';
import { inboxKey } from './keys.js';
import { fromJsonText } from './record-codec.js';
import { createCaller, type RedisCommander } from './redis-calls.js';
import { createOwnOrder } from './own-order.js';
import { parseStreamId, streamIdBefore, type StreamId } from './stream-ids.js';

/** The pub/sub side of a client (node-redis's subscribe on a connection of its own). */
export interface RedisSubscriber {
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
}

export interface RedisEventBusOptions {
  /** A connection of the bus's own for the blocking XREAD (a duplicate of the command client). */
  reader: RedisCommander;
  /** The shared command client (XINFO, PUBLISH). */
  commands: RedisCommander;
  /** A subscribed connection for lobby changes; without it the lobby signal is this node's only. */
  subscriber?: RedisSubscriber;
  nodeId: string;
  /** Appends deliveries outside a commit (version 0) to their members' inboxes: the store's fenced publish. */
  publish(sessionId: string, deliveries: readonly Delivery[]): Promise<void>;
  /**
   * The inbox lost entries this node had not read (Redis restarted empty, a failover, a trim
   * past the reader): members bound here may have missed events and need a fresh welcome.
   */
  onInboxReset?(why: string): void;
  /**
   * Every inbox entry of a commit read (session, version after it, the record written when the
   * entry carries it: untrusted text), before its events are handed on.
   */
  onEntry?(sessionId: string, version: number, record?: string): void;
  limits?: Partial<InboxLimits>;
}

export interface ClusterEventBus extends EventBus {
  lobbyChanged(appKey: string): void;
  onLobbyChanged(listener: (appKey: string) => void): () => void;
  /**
   * A commit whose events for this node's own members come back in its reply is being sent: the
   * session's inbox entries read meanwhile wait for it (another node's later commit may be read
   * before this reply arrives, on the other connection).
   */
  ownSending(sessionId: string): void;
  /**
   * It landed: its own deliveries, handed on once the reader has passed `after` (the last inbox
   * entry when it ran) and ordered with the session's held entries by that id.
   */
  deliverOwn(sessionId: string, version: number, after: string, deliveries: readonly Delivery[]): void;
  /** It was refused, or (`lost`) its connection failed unanswered: it may have landed, so its events may be lost (as onInboxReset). */
  ownSettled(sessionId: string, lost: boolean): void;
  /** Starts the reader (after the lease is taken) and the lobby subscription. */
  start(): Promise<void>;
  /** Stops the reader; resolves once its last read has returned. Idempotent. */
  close(): Promise<void>;
  /** Counters for metrics and tests. */
  stats(): InboxCounters & { resets: number; readErrors: number; publishErrors: number; held: number; lastId: string; ownWaiting: number; ownLost: number };
}

/** A stream id, or the stream's start where it is none (a stream that never had an entry: '0-0'). */
const idOrStart = (text: string): StreamId => parseStreamId(text) ?? [0, 0];

type ReadReply = Record<string, Array<[string, string[]]>> | null;

/** Flat [field, value, …] to an object, keeping the first of repeated fields. */
function fieldsOf(flat: unknown): Record<string, string> | undefined {
  if (!Array.isArray(flat) || flat.length % 2 !== 0 || flat.length > 64) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const [k, v] = [flat[i], flat[i + 1]];
    if (typeof k !== 'string' || typeof v !== 'string') return undefined;
    if (!(k in out)) out[k] = v;
  }
  return out;
}

export function createRedisEventBus(env: Env, options: RedisEventBusOptions): ClusterEventBus {
  const { clock, logger } = env;
  const limits: InboxLimits = {
    holdMs: INBOX_HOLD_MS,
    maxHeldPerMember: INBOX_MAX_HELD_PER_MEMBER,
    maxHeldTotal: INBOX_MAX_HELD,
    maxVersions: INBOX_MAX_VERSIONS,
    maxDeliveriesPerEntry: INBOX_MAX_DELIVERIES_PER_ENTRY,
    maxEntryBytes: INBOX_MAX_ENTRY_BYTES,
    ...options.limits,
  };
  const router = createInboxRouter(env, limits);
  const inbox = inboxKey(options.nodeId);
  const command = createCaller(options.commands, REDIS_COMMAND_TIMEOUT_MS).call;
  // The blocking read waits BLOCK ms on the server, so its deadline is that plus a command's.
  const read = createCaller(options.reader, INBOX_READ_BLOCK_MS + REDIS_COMMAND_TIMEOUT_MS).call;
  const decode = (text: string): unknown => fromJsonText(text, limits.maxEntryBytes);
  const lobbyListeners = new Set<(appKey: string) => void>();
  let lastId = '0-0';
  let ownLost = 0;
  // This node's own commits' events come from their replies: merged with the inbox here (own-order.ts).
  const own = createOwnOrder(
    (entry) => void router.deliver(entry),
    limits.maxHeldTotal,
    () => tellReset('own commits waited past the bound for an inbox reader that does not move'),
  );
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let resets = 0;
  let readErrors = 0;
  let publishErrors = 0;
  let malformed = 0;

  // Other nodes' lobby subscribers: at most one PUBLISH per app per interval (lobby-coalescer.ts).
  const lobbyOut = createLobbyCoalescer(clock, LOBBY_PUBLISH_INTERVAL_MS, (appKey) => {
    command(['PUBLISH', LOBBY_CHANNEL, `${options.nodeId}\n${appKey}`]).catch(() => undefined);
  });

  const tellLobby = (appKey: string): void => {
    for (const listener of [...lobbyListeners]) {
      try {
        listener(appKey);
      } catch (error) {
        logger.error({ err: error }, 'a lobby listener failed');
      }
    }
  };

  /**
   * Where reading resumes after an error or a full batch: unchanged unless the inbox lost
   * entries this node had not read, which is reported (the members bound here get a new welcome).
   */
  const checkInbox = async (): Promise<void> => {
    let info: unknown;
    try {
      info = await command(['XINFO', 'STREAM', inbox]);
    } catch (error) {
      // No such key: nothing was ever written since the last reset (or it was reaped).
      if (error instanceof Error && /no such key/i.test(error.message)) {
        if (lastId !== '0-0') reset('the inbox stream is gone', '0-0');
        return;
      }
      throw error;
    }
    if (typeof info !== 'object' || info === null) return;
    const last = parseStreamId(String((info as Record<string, unknown>)['last-generated-id'] ?? ''));
    const deleted = parseStreamId(String((info as Record<string, unknown>)['max-deleted-entry-id'] ?? '0-0'));
    const ours = parseStreamId(lastId);
    if (!last || !ours) return;
    // Re-read what the stream holds (bounded by its MAXLEN): versions drop the duplicates.
    if (streamIdBefore(last, ours)) reset('the inbox stream is behind this node (a failover or a restart lost entries)', '0-0');
    else if (deleted && streamIdBefore(ours, deleted)) reset('entries this node had not read were trimmed from its inbox', lastId);
  };

  /** Members bound here may have missed events (or seen them out of order): they get a fresh welcome. */
  function tellReset(why: string): void {
    logger.warn({ node: options.nodeId, why }, 'inbox reset: members bound here may have missed events');
    try {
      options.onInboxReset?.(why);
    } catch (error) {
      logger.error({ err: error }, 'inbox reset handler failed');
    }
  }

  const reset = (why: string, from: string): void => {
    resets += 1;
    lastId = from;
    own.restart(idOrStart(from));
    tellReset(why);
  };

  const handle = (reply: unknown): number => {
    const streams = reply as ReadReply;
    if (streams === null || typeof streams !== 'object') return 0;
    const entries = (streams as Record<string, unknown>)[inbox];
    if (!Array.isArray(entries)) return 0;
    for (const item of entries) {
      const raw: unknown = Array.isArray(item) ? item[0] : undefined;
      const id = typeof raw === 'string' ? parseStreamId(raw) : undefined;
      if (typeof raw !== 'string' || !id) {
        malformed += 1;
        continue;
      }
      lastId = raw;
      const fields = fieldsOf(item[1]);
      const parsed = parseInboxEntry(fields, limits, decode);
      if (!parsed) {
        malformed += 1;
        own.passed(id);
        continue;
      }
      if (parsed.version > 0) options.onEntry?.(parsed.sessionId, parsed.version, fields?.r);
      own.read(id, parsed);
    }
    return entries.length;
  };

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = clock.setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clock.clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  const run = async (): Promise<void> => {
    let check = false;
    while (running) {
      router.sweep();
      try {
        if (check) await checkInbox();
        check = false;
        const reply = await read(['XREAD', 'COUNT', String(INBOX_READ_COUNT), 'BLOCK', String(INBOX_READ_BLOCK_MS), 'STREAMS', inbox, lastId]);
        if (!running) return;
        // A full batch: this node is behind, and the stream may have been trimmed past it.
        check = handle(reply) >= INBOX_READ_COUNT;
      } catch (error) {
        if (!running) return;
        readErrors += 1;
        check = true;
        logger.warn({ err: error, node: options.nodeId }, 'inbox read failed; retrying from the last entry read');
        await pause(INBOX_RETRY_MS);
      }
    }
  };

  const bus: ClusterEventBus = {
    attach: (sessionId, actor, sink, since) => router.attach(sessionId, actor, sink, since),
    forget: (sessionId) => router.forget(sessionId),
    ownSending: (sessionId) => own.sending(sessionId),
    deliverOwn(sessionId, version, after, deliveries) {
      own.landed(idOrStart(after), { sessionId, version, deliveries: deliveries.map(({ actor, event }) => [actor, event] as const) });
    },
    ownSettled(sessionId, lost) {
      // The sockets close first: the held entries that follow must not reach a member who missed the commit's.
      if (lost) {
        ownLost += 1;
        tellReset(`a commit of session ${sessionId} went unanswered: it may have landed with its events`);
      }
      own.settled(sessionId);
    },
    publish(sessionId, deliveries) {
      if (deliveries.length === 0) return;
      options.publish(sessionId, deliveries).catch((error: unknown) => {
        publishErrors += 1;
        logger.warn({ err: error, sessionId }, 'publishing events failed');
      });
    },
    lobbyChanged(appKey) {
      tellLobby(appKey);
      // This node's subscribers heard it above (its own message is skipped when it comes back).
      lobbyOut.changed(appKey);
    },
    onLobbyChanged(listener) {
      lobbyListeners.add(listener);
      return () => lobbyListeners.delete(listener);
    },
    async start() {
      if (running) return;
      try {
        const info = (await command(['XINFO', 'STREAM', inbox])) as Record<string, unknown>;
        const last = String(info['last-generated-id'] ?? '0-0');
        // What is already there was for an earlier life of this node id: nobody here is bound to it.
        if (parseStreamId(last)) lastId = last;
      } catch {
        lastId = '0-0';
      }
      own.restart(idOrStart(lastId));
      await options.subscriber?.subscribe(LOBBY_CHANNEL, (message) => {
        const newline = message.indexOf('\n');
        if (newline <= 0 || message.length > 1_024) return;
        if (message.slice(0, newline) === options.nodeId) return;
        tellLobby(message.slice(newline + 1));
      });
      running = true;
      loop = run();
    },
    async close() {
      running = false;
      lobbyOut.close();
      wake?.();
      await loop;
      router.clear();
    },
    stats: () => ({ ...router.counters, malformed: router.counters.malformed + malformed, resets, readErrors, publishErrors, held: router.heldCount, lastId, ownWaiting: own.waiting, ownLost }),
  };
  return bus;
}
