/**
 * Kick: the session's server removes a member (Fusion's Disconnect(PlayerRef)), or refuses its
 * connect request (reason `connectRefused`). The pure change, like the rest of the model, and
 * the request's handler the sessions service delegates to.
 */
import { EventType, type KickRequest } from '../protocol/index.js';
import { memberOf, remove, type Member, type Outcome, type Session } from './model.js';
import type { Peer } from './peer.js';
import { refuse } from './request-error.js';

/** Who to remove and why, as the KICK request names them. */
export type KickOrder = Pick<KickRequest, 'actor' | 'peerId' | 'reason' | 'message'>;

/**
 * `by` removes the member `order` names: it gets KICKED, the other active members PEER_LEFT
 * with the kick's reason, and the domain event `memberLeft` revokes its relay tickets. Removed,
 * not made inactive, so its rejoin token is void.
 */
export function kick(session: Session, by: number, order: KickOrder, now: number): Outcome<Member> {
  const kicker = memberOf(session, by);
  if (kicker?.mode !== 'server') return { ok: false, code: 'NOT_ALLOWED', message: "only the session's server may kick a player" };
  if (order.actor === undefined && order.peerId === undefined) return { ok: false, code: 'INVALID_REQUEST', message: 'a kick names an actor or a peer id' };
  const target = session.members.find(
    (m) => (order.actor === undefined || m.actor === order.actor) && (order.peerId === undefined || m.peerId === order.peerId),
  );
  if (!target) return { ok: false, code: 'PLAYER_NOT_FOUND', message: 'no member of this session has that actor number or peer id' };
  if (target.actor === by) return { ok: false, code: 'NOT_ALLOWED', message: 'the server cannot kick itself; it leaves instead' };
  const reason = order.reason ?? 'kicked';
  const removed = remove(session, target.actor, reason, now);
  const told = { type: EventType.KICKED, sessionId: session.sessionId, reason, message: order.message ?? '' } as const;
  return { ok: true, change: { ...removed, deliveries: [{ actor: target.actor, event: told }, ...removed.deliveries], result: target } };
}

/** Applies a pure change to the stored session (the sessions service's compare-and-set loop). */
export type SessionUpdate = <R>(sessionId: string, attempt: (s: Session) => Outcome<R>) => Promise<Outcome<R> | undefined>;

/** The KICK request: only the session's server may send it (docs/protocols.md, KICK). */
export async function kickRequest(peer: Peer, request: KickOrder, update: SessionUpdate, now: () => number): Promise<void> {
  const membership = peer.membership ?? refuse('NOT_IN_SESSION', 'not in a session');
  if (membership.mode !== 'server') refuse('NOT_ALLOWED', "only the session's server may kick a player");
  const outcome = await update(membership.sessionId, (s) => kick(s, membership.actor, request, now()));
  if (!outcome) refuse('SESSION_NOT_FOUND', 'the session closed');
  if (!outcome.ok) refuse(outcome.code, outcome.message);
}
