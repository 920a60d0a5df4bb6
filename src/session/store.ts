/**
 * Where sessions live. The service reaches session state only through this interface, so a
 * distributed store (Redis) can replace the in-memory one: records carry a version, every write
 * is a compare-and-set on it (the service re-reads and re-applies its pure change on a conflict),
 * and searches are data ({@link SessionQuery}), never closures.
 */
import type { Delivery, Outcome, Session } from './model.js';
import { matchesQuery, type SessionQuery } from './views.js';

/** A session as stored, with the version a compare-and-set must name. */
export interface StoredSession {
  readonly session: Session;
  /** Changes with every write; only equality matters. */
  readonly version: number;
}

/** What a compare-and-set did: wrote, found a newer version (nothing written), or found no session. */
export type WriteOutcome = 'ok' | 'conflict' | 'missing';

/** A change applied to a stored session (see SessionStore.change and store-update.ts). */
export interface AppliedChange<R> {
  /** The state the change was applied to. */
  readonly before: Session;
  readonly outcome: Outcome<R>;
  /** The store delivered the change's events with its write (routesDeliveries); otherwise the service publishes them. */
  readonly routed: boolean;
  /** The version the write stored, when the store reports it (a shared store: the welcome's floor for its inbox events). */
  readonly version?: number;
}

export interface SessionStore {
  /** Inserts a session; resolves false (and stores nothing) when its id, or its name in its app, is taken. */
  insert(session: Session): Promise<boolean>;
  get(sessionId: string): Promise<StoredSession | undefined>;
  /**
   * Optional: the session as this process saw it a moment ago (a shared store's node-local copy,
   * up to about a second old), else as get(). For checks whose change is then written with a
   * compare-and-set, which re-validates it. Without it, get().
   */
  getRecent?(sessionId: string): Promise<StoredSession | undefined>;
  findByName(appKey: string, name: string): Promise<Session | undefined>;
  /** Sessions that match `query` (see matchesQuery), oldest first, paged by its offset and limit. */
  find(query: SessionQuery): Promise<Session[]>;
  /**
   * Replaces the session (null deletes it) if its stored version is still `version`. A store that
   * {@link routesDeliveries} also hands `deliveries` to the members' processes in the same atomic
   * step (so events of one session reach every node in commit order); others ignore them.
   */
  compareAndSet(sessionId: string, version: number, next: Session | null, deliveries?: readonly Delivery[]): Promise<WriteOutcome>;
  /**
   * True when compareAndSet delivers the change's events itself (a shared store: Redis); the
   * service then does not publish them on its event bus. Default false.
   */
  readonly routesDeliveries?: boolean;
  /**
   * Optional: applies the pure change `attempt` to the session and stores the result, however the
   * store serializes writers (a shared store queues them per session and commits them in batches:
   * re-running `attempt` is safe, it is pure). Undefined when there is no such session. Without
   * it the service reads, applies and compare-and-sets (store-update.ts).
   */
  change?<R>(sessionId: string, attempt: (session: Session) => Outcome<R>): Promise<AppliedChange<R> | undefined>;
  /** Number of sessions. */
  count(): Promise<number>;
  /**
   * Optional: up to `limit` sessions of any app, oldest first where the store keeps an order (the
   * operator's dashboard lists them). Without it the dashboard shows counts only.
   */
  sample?(limit: number): Promise<Session[]>;
  /** Releases the store's resources; idempotent. */
  close(): Promise<void>;
}

/** The embedded default: two maps in this process. */
export function createMemorySessionStore(): SessionStore {
  const byId = new Map<string, StoredSession>();
  // appKey → name → sessionId; insertion order per app gives "oldest first".
  const byName = new Map<string, Map<string, string>>();

  const unindex = (session: Session): void => {
    const names = byName.get(session.appKey);
    names?.delete(session.name);
    if (names?.size === 0) byName.delete(session.appKey);
  };

  return {
    async insert(session) {
      let names = byName.get(session.appKey);
      if (names?.has(session.name) || byId.has(session.sessionId)) return false;
      if (!names) byName.set(session.appKey, (names = new Map()));
      names.set(session.name, session.sessionId);
      byId.set(session.sessionId, { session, version: 1 });
      return true;
    },
    async get(sessionId) {
      return byId.get(sessionId);
    },
    async findByName(appKey, name) {
      const id = byName.get(appKey)?.get(name);
      return id === undefined ? undefined : byId.get(id)?.session;
    },
    async find(query) {
      const out: Session[] = [];
      let skip = query.offset ?? 0;
      for (const id of byName.get(query.appKey)?.values() ?? []) {
        if (out.length >= query.limit) break;
        const session = byId.get(id)?.session;
        if (!session || !matchesQuery(session, query)) continue;
        if (skip > 0) skip -= 1;
        else out.push(session);
      }
      return out;
    },
    async compareAndSet(sessionId, version, next) {
      const current = byId.get(sessionId);
      if (!current) return 'missing';
      if (current.version !== version) return 'conflict';
      if (next) {
        byId.set(sessionId, { session: next, version: version + 1 });
      } else {
        byId.delete(sessionId);
        unindex(current.session);
      }
      return 'ok';
    },
    async count() {
      return byId.size;
    },
    async sample(limit) {
      const out: Session[] = [];
      for (const { session } of byId.values()) {
        if (out.length >= limit) break;
        out.push(session);
      }
      return out;
    },
    async close() {
      byId.clear();
      byName.clear();
    },
  };
}
