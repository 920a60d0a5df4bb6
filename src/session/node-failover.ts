/**
 * Node failover, pure like the rest of the model: when the node holding some members' sockets
 * dies or drains, those members are detached for a grace (still active to the others, nobody
 * told) so their SDKs can rejoin through another node; past the grace the usual drop applies.
 */
import { drop } from './expiry.js';
import { replaceMember, settle, unchanged, type Change, type Member, type Session } from './model.js';

/**
 * Detaches every active member whose socket was on `node` until `now + graceMs` (a grace of 0
 * drops them at once). A member already detached keeps its earlier deadline; every detached
 * member forgets the node, so its routing entry goes and a second pass changes nothing.
 */
export function detachNode(session: Session, node: string, now: number, graceMs: number): Change {
  let next: Session = session;
  const dropNow: number[] = [];
  for (const member of session.members) {
    if (member.node !== node) continue;
    if (!member.active) {
      next = replaceMember(next, withoutNode(member));
    } else if (graceMs <= 0) {
      dropNow.push(member.actor);
    } else {
      const detachedUntil = member.detachedUntil ?? now + graceMs;
      next = replaceMember(next, { ...withoutNode(member), detachedUntil });
    }
  }
  let change: Change = next === session ? unchanged(session) : { next: settle(next, now), deliveries: [], events: [], result: undefined };
  for (const actor of dropNow) {
    const before = change;
    if (!before.next) break;
    const dropped = drop(before.next, actor, now);
    change = {
      next: dropped.next && dropped.next !== before.next ? clearNode(dropped.next, actor) : dropped.next,
      deliveries: [...before.deliveries, ...dropped.deliveries],
      events: [...before.events, ...dropped.events],
      result: undefined,
    };
  }
  return change;
}

/** The actors of `session` whose socket is on `node` (the drain's and the reaper's work list). */
export function membersOnNode(session: Session, node: string): number[] {
  return session.members.filter((member) => member.node === node).map((member) => member.actor);
}

function withoutNode(member: Member): Member {
  const { node: _node, ...rest } = member;
  return rest;
}

function clearNode(session: Session, actor: number): Session {
  const member = session.members.find((m) => m.actor === actor);
  return member?.node === undefined ? session : replaceMember(session, withoutNode(member));
}
