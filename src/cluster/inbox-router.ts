/**
 * The node side of inbox delivery, without Redis: parses inbox entries (untrusted), drops
 * duplicates by (session, version), hands each delivery to the sink attached here for its
 * (session, actor), and holds, for a short bounded time, deliveries for a member not attached
 * yet (its entering request is still in flight: the inbox entry and the commit's reply travel on
 * different connections in no fixed order).
 */
import type { Clock, Logger } from '../../core/index.js';
import type { Event } from '../protocol/index.js';
import type { EventSink } from '../session/presence.js';

/** One inbox entry: the deliveries of one commit (version > 0) or of one publish (version 0) to this node. */
export interface InboxEntry {
  readonly sessionId: string;
  readonly version: number;
  readonly deliveries: ReadonlyArray<readonly [number, Event]>;
}

export interface InboxLimits {
  /** How long deliveries for an unattached member are held (ms). */
  holdMs: number;
  /** Held deliveries per (session, actor), and in all. */
  maxHeldPerMember: number;
  maxHeldTotal: number;
  /** Sessions whose last delivered version is remembered. */
  maxVersions: number;
  /** Deliveries per entry, and bytes of an entry's `d` text. */
  maxDeliveriesPerEntry: number;
  maxEntryBytes: number;
}

/** What the router counts (the bus exports them as metrics). */
export interface InboxCounters {
  delivered: number;
  duplicates: number;
  malformed: number;
  /** Held deliveries that expired or overflowed with nobody attached. */
  unclaimed: number;
}

export type DecodeText = (text: string) => unknown;

/** Reads an entry's fields; undefined when any is missing, malformed or over a limit. */
export function parseInboxEntry(fields: unknown, limits: Pick<InboxLimits, 'maxDeliveriesPerEntry' | 'maxEntryBytes'>, decode: DecodeText): InboxEntry | undefined {
  if (typeof fields !== 'object' || fields === null) return undefined;
  const { s, v, d } = fields as Record<string, unknown>;
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(s)) return undefined;
  if (typeof v !== 'string' || !/^\d{1,15}$/.test(v)) return undefined;
  if (typeof d !== 'string' || d.length > limits.maxEntryBytes) return undefined;
  let list: unknown;
  try {
    list = decode(d);
  } catch {
    return undefined;
  }
  if (!Array.isArray(list) || list.length > limits.maxDeliveriesPerEntry) return undefined;
  const deliveries: Array<readonly [number, Event]> = [];
  for (const item of list) {
    if (!Array.isArray(item) || item.length !== 2) return undefined;
    const [actor, event] = item as [unknown, unknown];
    if (typeof actor !== 'number' || !Number.isInteger(actor) || actor < 1 || actor > 0xffff) return undefined;
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return undefined;
    const type = (event as { type?: unknown }).type;
    if (typeof type !== 'number' || !Number.isInteger(type) || type < 0 || type > 255) return undefined;
    deliveries.push([actor, event as Event]);
  }
  return { sessionId: s, version: Number(v), deliveries };
}

interface Held {
  readonly version: number;
  readonly event: Event;
  readonly until: number;
}

export interface InboxRouter {
  /** `since`: the version the member was welcomed at; entries of versions up to it are older than its START and never reach `sink`. */
  attach(sessionId: string, actor: number, sink: EventSink, since?: number): () => void;
  /**
   * The session closed. Its sinks stay for `holdMs` more: an entry of the closing commit (the
   * members' SESSION_CLOSED) that travels through the inbox may arrive after the commit's reply,
   * which is when this is called.
   */
  forget(sessionId: string): void;
  /** Delivers one parsed entry: false when it was a duplicate. */
  deliver(entry: InboxEntry): boolean;
  /** Drops held deliveries whose time is up (called by the reader's loop). */
  sweep(): void;
  readonly counters: Readonly<InboxCounters>;
  /** Held deliveries in all (a bound gauge for tests and metrics). */
  readonly heldCount: number;
  /** Drops everything (the node re-registered or closed). */
  clear(): void;
}

const key = (sessionId: string, actor: number): string => `${sessionId}\u0000${actor}`;

export function createInboxRouter(env: { clock: Clock; logger: Logger }, limits: InboxLimits): InboxRouter {
  const { clock, logger } = env;
  const sinks = new Map<string, Map<number, EventSink>>();
  // Insertion order is age order: the oldest session is evicted first past maxVersions.
  const lastVersion = new Map<string, number>();
  const held = new Map<string, Held[]>();
  // (session, actor) → the version its sink was welcomed at.
  const floors = new Map<string, number>();
  const fresh = (k: string, version: number): boolean => version === 0 || version > (floors.get(k) ?? 0);
  /** Closed sessions → when their sinks and version go (insertion order is due order). */
  const forgotten = new Map<string, number>();
  let heldTotal = 0;
  const counters: InboxCounters = { delivered: 0, duplicates: 0, malformed: 0, unclaimed: 0 };

  const hand = (sink: EventSink, sessionId: string, actor: number, event: Event): void => {
    // One member's broken socket must not cost the others their events.
    try {
      sink(event);
      counters.delivered += 1;
    } catch (error) {
      logger.error({ err: error, sessionId, actor }, 'delivering an event failed');
    }
  };

  const hold = (sessionId: string, actor: number, version: number, event: Event): void => {
    const k = key(sessionId, actor);
    const list = held.get(k) ?? [];
    if (list.length >= limits.maxHeldPerMember || heldTotal >= limits.maxHeldTotal) {
      counters.unclaimed += 1;
      return;
    }
    list.push({ version, event, until: clock.now() + limits.holdMs });
    held.set(k, list);
    heldTotal += 1;
  };

  const rememberVersion = (sessionId: string, version: number): void => {
    lastVersion.delete(sessionId);
    lastVersion.set(sessionId, version);
    if (lastVersion.size > limits.maxVersions) {
      const oldest = lastVersion.keys().next().value;
      if (oldest !== undefined) lastVersion.delete(oldest);
    }
  };

  const router: InboxRouter = {
    attach(sessionId, actor, sink, since) {
      let members = sinks.get(sessionId);
      if (!members) sinks.set(sessionId, (members = new Map()));
      members.set(actor, sink);
      const k = key(sessionId, actor);
      if (since === undefined) floors.delete(k);
      else floors.set(k, since);
      const waiting = held.get(k);
      if (waiting) {
        held.delete(k);
        heldTotal -= waiting.length;
        // After the entering request's reply and start, which the caller sends right after attaching.
        queueMicrotask(() => {
          for (const { version, event } of waiting) {
            if (sinks.get(sessionId)?.get(actor) !== sink) continue;
            // Held while the member was away (or before its welcome's commit): its START already says it.
            if (fresh(k, version)) hand(sink, sessionId, actor, event);
            else counters.duplicates += 1;
          }
        });
      }
      return () => {
        const current = sinks.get(sessionId);
        if (current?.get(actor) !== sink) return;
        current.delete(actor);
        floors.delete(k);
        if (current.size === 0) sinks.delete(sessionId);
      };
    },
    forget(sessionId) {
      forgotten.delete(sessionId);
      forgotten.set(sessionId, clock.now() + limits.holdMs);
    },
    deliver(entry) {
      const { sessionId, version } = entry;
      if (version > 0) {
        const last = lastVersion.get(sessionId);
        if (last !== undefined && version <= last) {
          counters.duplicates += 1;
          return false;
        }
        rememberVersion(sessionId, version);
      }
      const members = sinks.get(sessionId);
      for (const [actor, event] of entry.deliveries) {
        const sink = members?.get(actor);
        if (!sink) hold(sessionId, actor, version, event);
        else if (fresh(key(sessionId, actor), version)) hand(sink, sessionId, actor, event);
        else counters.duplicates += 1;
      }
      return true;
    },
    sweep() {
      const now = clock.now();
      for (const [sessionId, until] of forgotten) {
        if (until > now) break;
        forgotten.delete(sessionId);
        for (const actor of sinks.get(sessionId)?.keys() ?? []) floors.delete(key(sessionId, actor));
        sinks.delete(sessionId);
        lastVersion.delete(sessionId);
      }
      for (const [k, list] of held) {
        const keep = list.filter((h) => h.until > now);
        if (keep.length === list.length) continue;
        counters.unclaimed += list.length - keep.length;
        heldTotal -= list.length - keep.length;
        if (keep.length === 0) held.delete(k);
        else held.set(k, keep);
      }
    },
    counters,
    get heldCount() {
      return heldTotal;
    },
    clear() {
      sinks.clear();
      floors.clear();
      forgotten.clear();
      lastVersion.clear();
      held.clear();
      heldTotal = 0;
    },
  };
  return router;
}
