// How a create/join reply and its start reach a peer: folded into one frame for a peer that
// announced `lean-join`, or the reply then a START event (what every earlier SDK waits for).
import { EventType, Feature, type JoinResult, type JoinStart, type SessionInfo } from '../protocol/index.js';
import type { JoinReply } from './sessions.js';
import type { Peer } from './peer.js';

/** Everything of the reply but the session (which is built once and shared by both forms). */
export type JoinFields = Omit<JoinResult, 'session' | 'start'>;

/** Sends the entry's reply and its start in the form `peer` understands. */
export function replyJoined(peer: Peer, reply: JoinReply, session: SessionInfo, fields: JoinFields, start: JoinStart): void {
  if (peer.features?.has(Feature.LEAN_JOIN)) {
    reply({ session, ...fields, start });
    return;
  }
  reply({ session, ...fields });
  peer.send({ type: EventType.START, session, actor: fields.actor, peerId: fields.peerId, mode: fields.mode, ...start });
}
