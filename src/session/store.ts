/**
 * Where sessions live. The service reaches session state only through this interface, so a
 * distributed store can replace the in-memory one. Every change goes through `update` with a
 * pure function, which a store with optimistic concurrency may call more than once.
 */
import type { Session } from './model.js';

/** What `update`'s change function returns: the next state (null deletes) and a result. */
export interface StoreChange<R> {
  next: Session | null;
  result: R;
}

export interface SessionStore {
  /** Inserts a session; resolves false (and stores nothing) when its name is taken in its app. */
  insert(session: Session): Promise<boolean>;
  get(sessionId: string): Promise<Session | undefined>;
  findByName(appKey: string, name: string): Promise<Session | undefined>;
  /** Sessions of one app partition, oldest first, that satisfy `predicate`; at most `limit`. */
  find(appKey: string, predicate: (session: Session) => boolean, limit: number): Promise<Session[]>;
  /**
   * Atomically replaces a session with `change(current).next` (null deletes it). Resolves
   * `{ found: false }` when no session has that id.
   */
  update<R>(
    sessionId: string,
    change: (current: Session) => StoreChange<R>,
  ): Promise<{ found: true; result: R } | { found: false }>;
  /** Number of sessions. */
  count(): Promise<number>;
  /** Releases the store's resources; idempotent. */
  close(): Promise<void>;
}

/** The embedded default: two maps in this process. */
export function createMemorySessionStore(): SessionStore {
  const byId = new Map<string, Session>();
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
      byId.set(session.sessionId, session);
      return true;
    },
    async get(sessionId) {
      return byId.get(sessionId);
    },
    async findByName(appKey, name) {
      const id = byName.get(appKey)?.get(name);
      return id === undefined ? undefined : byId.get(id);
    },
    async find(appKey, predicate, limit) {
      const out: Session[] = [];
      for (const id of byName.get(appKey)?.values() ?? []) {
        if (out.length >= limit) break;
        const session = byId.get(id);
        if (session && predicate(session)) out.push(session);
      }
      return out;
    },
    async update(sessionId, change) {
      const current = byId.get(sessionId);
      if (!current) return { found: false };
      const { next, result } = change(current);
      if (next) {
        byId.set(sessionId, next);
      } else {
        byId.delete(sessionId);
        unindex(current);
      }
      return { found: true, result };
    },
    async count() {
      return byId.size;
    },
    async close() {
      byId.clear();
      byName.clear();
    },
  };
}
