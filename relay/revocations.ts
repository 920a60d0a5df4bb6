// Revoked relay tickets: whole sessions (closed) and single actors (left), remembered until the tickets they cover expire.

/**
 * A revocation covers every ticket issued up to it: with the issuer's TTL, those expire by
 * `revokedAtMs + ticketTtlMs`, so a ticket of the same session or actor that expires later was
 * issued afterwards and is not covered (an actor number never repeats in a session, but a
 * revoked session id in a fresh ticket would be the cloud's word, not a replay). Once the wall
 * clock passes that moment every covered ticket has expired by itself, and the entry goes.
 *
 * Pure: every method takes the wall time (epoch ms, the clock tickets are dated by).
 */
export class RevocationList {
  /** key → last covered expiry; insertion order is revocation order (oldest first). */
  readonly #entries = new Map<string, number>();
  /** Session → its actor keys in `#entries`: a session's revocation replaces them with one entry. */
  readonly #actorKeys = new Map<string, Set<string>>();
  #evicted = 0;

  constructor(
    private readonly ticketTtlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Revokes `actor` of `sessionId`, or the whole session when `actor` is undefined. */
  revoke(sessionId: string, actor: number | undefined, wallNow: number): void {
    let key: string;
    if (actor === undefined) {
      key = sessionKey(sessionId);
      // The session's entry covers every actor's ticket issued until now, and lives as long as
      // the newest of them: theirs go, so members leaving one by one cost one entry in the end.
      for (const actorEntry of this.#actorKeys.get(sessionId) ?? []) this.#entries.delete(actorEntry);
      this.#actorKeys.delete(sessionId);
    } else {
      key = actorKey(sessionId, actor);
      let keys = this.#actorKeys.get(sessionId);
      if (!keys) {
        keys = new Set();
        this.#actorKeys.set(sessionId, keys);
      }
      keys.add(key);
    }
    // Re-inserted at the end: the newest revocation of a key is the one that lives longest.
    this.#entries.delete(key);
    this.#entries.set(key, wallNow + this.ticketTtlMs);
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#forget(oldest);
      this.#evicted++;
    }
  }

  /** True when a ticket of (sessionId, actor) expiring at `expiresAtMs` is revoked. */
  isRevoked(sessionId: string, actor: number, expiresAtMs: number): boolean {
    const session = this.#entries.get(sessionKey(sessionId));
    if (session !== undefined && expiresAtMs <= session) return true;
    const single = this.#entries.get(actorKey(sessionId, actor));
    return single !== undefined && expiresAtMs <= single;
  }

  /** Forgets revocations whose tickets have all expired; returns how many. */
  prune(wallNow: number): number {
    let pruned = 0;
    for (const [key, until] of this.#entries) {
      // Oldest first: the first one still needed ends the walk (a wall clock stepped back only
      // delays the rest to a later sweep; the size bound holds regardless).
      if (until >= wallNow) break;
      this.#forget(key);
      pruned++;
    }
    return pruned;
  }

  get size(): number {
    return this.#entries.size;
  }

  #forget(key: string): void {
    this.#entries.delete(key);
    const parsed = /^a:\d+:(.*)$/s.exec(key);
    if (!parsed) return;
    const keys = this.#actorKeys.get(parsed[1]!);
    keys?.delete(key);
    if (keys?.size === 0) this.#actorKeys.delete(parsed[1]!);
  }

  /** Revocations forgotten early because the list was full. */
  get evicted(): number {
    return this.#evicted;
  }
}

// The prefixes keep the two key spaces apart; an actor key's number ends at the first ':'.
const sessionKey = (sessionId: string): string => `s:${sessionId}`;
const actorKey = (sessionId: string, actor: number): string => `a:${actor}:${sessionId}`;
