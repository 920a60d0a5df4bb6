/** Which service node holds a member's socket: stamped on the member when it enters or rejoins (cluster mode). */
import { replaceMember, type Member, type Outcome } from './model.js';

/**
 * The entering member of `outcome` (create, admit, rejoin, resume), placed on `node`: the node
 * whose socket it just entered on, so its events are routed there. A rejoin on another node moves
 * it. Without a node (one process) the outcome is returned as it is.
 */
export function placeOn(outcome: Outcome<Member>, node: string | undefined): Outcome<Member> {
  if (node === undefined || !outcome.ok || !outcome.change.next) return outcome;
  const { change } = outcome;
  if (change.result.node === node) return outcome;
  const member: Member = { ...change.result, node };
  return { ok: true, change: { ...change, next: replaceMember(change.next!, member), result: member } };
}
