/**
 * The order of a node's own commits' events (taken from the commits' replies) among its inbox
 * entries (read from its stream on another connection): one session's events in commit order
 * across both paths. No Redis, no clock: the event bus feeds it what it reads and what replies.
 */
import type { InboxEntry } from './inbox-router.js';
import { streamIdBefore, type StreamId } from './stream-ids.js';

const countUp = (counts: Map<string, number>, key: string): void => void counts.set(key, (counts.get(key) ?? 0) + 1);

const countDown = (counts: Map<string, number>, key: string): void => {
  const n = counts.get(key) ?? 0;
  if (n > 1) counts.set(key, n - 1);
  else counts.delete(key);
};

export interface OwnOrder {
  /** A commit of the session whose own events will come in its reply is being sent. */
  sending(sessionId: string): void;
  /** It landed, after inbox entry `after` (the last one when it ran): its own events. */
  landed(after: StreamId, entry: InboxEntry): void;
  /** It was refused, or its connection failed unanswered. */
  settled(sessionId: string): void;
  /** The reader read inbox entry `id`: what goes before it is handed on, then it (or it waits for a commit in flight). */
  read(id: StreamId, entry: InboxEntry): void;
  /** The reader passed entry `id` without an entry to hand on (a malformed one). */
  passed(id: StreamId): void;
  /** Hands on everything waiting and sets the reader's position (a reset inbox, a start). */
  restart(at: StreamId): void;
  /** Own commits' events and inbox entries waiting. */
  readonly waiting: number;
}

/**
 * `deliver` hands an entry to the inbox router. Past `maxWaiting` entries (the reader stuck while
 * commits go on) everything waiting is handed on, order given up, and `overflowed` is told: the
 * members may have seen events out of order and need a fresh snapshot.
 */
export function createOwnOrder(deliver: (entry: InboxEntry) => void, maxWaiting: number, overflowed: () => void): OwnOrder {
  let position: StreamId = [0, 0];
  // Own commits' events waiting for the reader to pass their `after`: in reply order, so in commit order.
  const landed: Array<{ after: StreamId; entry: InboxEntry }> = [];
  const landedPer = new Map<string, number>();
  // Own commits in flight per session, and that session's inbox entries read meanwhile (in id order).
  const inFlight = new Map<string, number>();
  const held = new Map<string, Array<{ id: StreamId; entry: InboxEntry }>>();
  let heldCount = 0;

  /** Hands on the session's held entries up to `upTo` (all without it). */
  const releaseHeld = (sessionId: string, upTo?: StreamId): void => {
    const list = held.get(sessionId);
    if (!list) return;
    let n = 0;
    while (n < list.length && (!upTo || !streamIdBefore(upTo, list[n]!.id))) deliver(list[n++]!.entry);
    heldCount -= n;
    if (n === list.length) held.delete(sessionId);
    else list.splice(0, n);
  };

  /** The session's held entries go once none of its own commits is in flight or landed and waiting. */
  const settle = (sessionId: string): void => {
    if (!inFlight.has(sessionId) && !landedPer.has(sessionId)) releaseHeld(sessionId);
  };

  /** Hands on the landed commits whose `after` is before `bound` (or is it, with `inclusive`), each after its session's entries up to it. */
  const releaseLanded = (bound: StreamId | undefined, inclusive: boolean): void => {
    while (landed.length > 0) {
      const { after, entry } = landed[0]!;
      if (bound && !(streamIdBefore(after, bound) || (inclusive && !streamIdBefore(bound, after)))) return;
      landed.shift();
      countDown(landedPer, entry.sessionId);
      releaseHeld(entry.sessionId, after);
      deliver(entry);
      settle(entry.sessionId);
    }
  };

  const releaseAll = (): void => {
    releaseLanded(undefined, true);
    for (const sessionId of [...held.keys()]) releaseHeld(sessionId);
  };

  const roomFor = (): void => {
    if (landed.length + heldCount < maxWaiting) return;
    releaseAll();
    overflowed();
  };

  return {
    sending(sessionId) {
      countUp(inFlight, sessionId);
    },
    landed(after, entry) {
      countDown(inFlight, entry.sessionId);
      roomFor();
      landed.push({ after, entry });
      countUp(landedPer, entry.sessionId);
      releaseLanded(position, true);
    },
    settled(sessionId) {
      countDown(inFlight, sessionId);
      settle(sessionId);
    },
    read(id, entry) {
      releaseLanded(id, false);
      position = id;
      const { sessionId } = entry;
      if (!inFlight.has(sessionId) && !held.has(sessionId)) deliver(entry);
      else {
        roomFor();
        const list = held.get(sessionId) ?? [];
        list.push({ id, entry });
        held.set(sessionId, list);
        heldCount += 1;
        settle(sessionId);
      }
      releaseLanded(position, true);
    },
    passed(id) {
      position = id;
      releaseLanded(position, true);
    },
    restart(at) {
      releaseAll();
      position = at;
    },
    get waiting() {
      return landed.length + heldCount;
    },
  };
}
