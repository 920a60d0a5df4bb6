/** A node's copies of the session records it read or wrote lately: a commit starts from one instead of reading Redis. */
import type { Versioned } from './group-commit.js';

/**
 * Why a stale copy is safe. Every write is a compare-and-set on the version: a commit built on an
 * old copy is refused with the current record in the reply (no extra read), and the batch
 * re-applies to that. So a copy costs at worst what the read it replaces cost, and with one node
 * (or a session whose writers are all on this node) nearly every read disappears.
 *
 * Reads that do not end in a write (a join's look-up by name, a report's "same addresses?"
 * check) use a copy only while it is younger than `freshMs`: their answers feed hooks and
 * checks that the commit then re-validates, as a read that raced a write would.
 *
 * A copy goes when this node learns the session moved past it: an inbox entry of a newer
 * version (another node's commit told a member here), a conflict (the reply carries the new
 * record, which replaces it), the session closing or missing.
 */
export interface RecordCache {
  /** The copy of `sessionId`, whatever its age (a commit's starting point). */
  get(sessionId: string): Versioned | undefined;
  /** The copy if it is younger than freshMs. */
  recent(sessionId: string): Versioned | undefined;
  /** The session named `name` in `appKey`, from a copy younger than freshMs. */
  recentByName(appKey: string, name: string): Versioned | undefined;
  /** A record read or written at `record.version`: kept unless a newer copy is held. */
  put(sessionId: string, record: Versioned): void;
  drop(sessionId: string): void;
  /** An inbox entry of `version`: a copy older than it is stale. */
  seen(sessionId: string, version: number): void;
  readonly size: number;
}

interface Copy {
  readonly record: Versioned;
  readonly at: number;
}

const nameKey = (appKey: string, name: string): string => `${appKey}\u0000${name}`;

export function createRecordCache(now: () => number, options: { maxEntries: number; freshMs: number }): RecordCache {
  // Insertion order is recency order: a put moves the entry to the end, the oldest is evicted.
  const copies = new Map<string, Copy>();
  const names = new Map<string, string>();

  const drop = (sessionId: string): void => {
    const copy = copies.get(sessionId);
    if (!copy) return;
    copies.delete(sessionId);
    const key = nameKey(copy.record.session.appKey, copy.record.session.name);
    if (names.get(key) === sessionId) names.delete(key);
  };

  const young = (copy: Copy | undefined): Versioned | undefined => (copy && now() - copy.at < options.freshMs ? copy.record : undefined);

  return {
    get: (sessionId) => copies.get(sessionId)?.record,
    recent: (sessionId) => young(copies.get(sessionId)),
    recentByName(appKey, name) {
      const sessionId = names.get(nameKey(appKey, name));
      return sessionId === undefined ? undefined : young(copies.get(sessionId));
    },
    put(sessionId, record) {
      const held = copies.get(sessionId);
      if (held && held.record.version > record.version) return;
      drop(sessionId);
      copies.set(sessionId, { record, at: now() });
      names.set(nameKey(record.session.appKey, record.session.name), sessionId);
      if (copies.size > options.maxEntries) {
        const oldest = copies.keys().next().value;
        if (oldest !== undefined) drop(oldest);
      }
    },
    drop,
    seen(sessionId, version) {
      const held = copies.get(sessionId);
      if (held && held.record.version < version) drop(sessionId);
    },
    get size() {
      return copies.size;
    },
  };
}
