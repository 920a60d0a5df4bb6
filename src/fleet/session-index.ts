// Which sessions sit on which relay, so a dead or draining relay's sessions can be found and moved.

export interface SessionIndex {
  add(relayId: string, sessionId: string): void | Promise<void>;
  remove(relayId: string, sessionId: string): void | Promise<void>;
  /** Up to `limit` sessions recorded on `relayId` (some may have closed or moved: the mover checks). */
  list(relayId: string, limit: number): string[] | Promise<string[]>;
}

/** The one-process index: a set of session ids per relay id. */
export function createMemorySessionIndex(): SessionIndex {
  const byRelay = new Map<string, Set<string>>();
  return {
    add(relayId, sessionId) {
      let set = byRelay.get(relayId);
      if (!set) byRelay.set(relayId, (set = new Set()));
      set.add(sessionId);
    },
    remove(relayId, sessionId) {
      const set = byRelay.get(relayId);
      set?.delete(sessionId);
      if (set?.size === 0) byRelay.delete(relayId);
    },
    list(relayId, limit) {
      const out: string[] = [];
      for (const sessionId of byRelay.get(relayId) ?? []) {
        if (out.length >= limit) break;
        out.push(sessionId);
      }
      return out;
    },
  };
}
