/**
 * The session's deadlines, pure like the rest of the model: a dropped member turns inactive for
 * its player TTL, and `expire` applies every reconnect grace, player TTL and empty-session TTL
 * that has run out; `nextDeadline` says when to call it again.
 */
import { EventType, type Event } from '../protocol/index.js';
import type { SessionEvent } from './domain-events.js';
import { close, fact, memberOf, remove, replaceMember, settle, toOthers, unchanged, type Change, type Member, type Session } from './model.js';


/** A member's connection dropped without a leave: inactive for the player TTL, or removed. */
export function drop(session: Session, actor: number, now: number): Change {
  const member = memberOf(session, actor);
  if (!member?.active) return unchanged(session);
  if (session.playerTtlMs <= 0) return andThen(remove(session, actor, 'timeout', now), (s) => expire(s, now));
  const inactive: Member = { ...member, active: false, inactiveUntil: now + session.playerTtlMs, detachedUntil: undefined };
  const next = settle(replaceMember(session, inactive), now);
  const event: Event = { type: EventType.PEER_INACTIVE, peerId: member.peerId, actor, expiresInMs: session.playerTtlMs };
  const fell: SessionEvent = { type: 'memberInactive', ...fact(session), actor, peerId: member.peerId, expiresInMs: session.playerTtlMs };
  return andThen({ next, deliveries: toOthers(next, actor, event), events: [fell], result: undefined }, (s) => expire(s, now));
}

/** Runs `after` on the state `change` leaves (if any), joining their deliveries and events. */
export function andThen(change: Change, after: (session: Session) => Change): Change {
  if (!change.next) return change;
  const more = after(change.next);
  return {
    next: more.next,
    deliveries: [...change.deliveries, ...more.deliveries],
    events: [...change.events, ...more.events],
    result: undefined,
  };
}

/**
 * Applies every deadline that has passed by `now`: inactive members whose player TTL ran out
 * are removed (the server's removal closes the session), and a session empty for its
 * empty-session TTL closes.
 */
export function expire(session: Session, now: number): Change {
  let change = unchanged(session);
  for (const member of session.members) {
    // The reconnect grace ran out: the drop that was held back happens now.
    if (member.active && member.detachedUntil !== undefined && member.detachedUntil <= now) {
      change = andThen(change, (s) => drop(s, member.actor, now));
    }
  }
  for (const member of session.members) {
    if (!member.active && member.inactiveUntil !== undefined && member.inactiveUntil <= now) {
      change = andThen(change, (s) => remove(s, member.actor, 'timeout', now));
    }
  }
  return andThen(change, (s) => (s.emptySince !== undefined && s.emptySince + s.emptySessionTtlMs <= now ? close(s, 'empty') : unchanged(s)));
}

/** When `expire` next has something to do (clock ms), or undefined if nothing is pending. */
export function nextDeadline(session: Session): number | undefined {
  let deadline = session.emptySince === undefined ? Infinity : session.emptySince + session.emptySessionTtlMs;
  for (const member of session.members) {
    if (member.inactiveUntil !== undefined) deadline = Math.min(deadline, member.inactiveUntil);
    if (member.detachedUntil !== undefined) deadline = Math.min(deadline, member.detachedUntil);
  }
  return Number.isFinite(deadline) ? deadline : undefined;
}
