// What a plugin sees of its session and of the peer a call is about: frozen copies without
// secrets (rejoin tokens, pair secrets, connection tokens, addresses).
import type { JsonValue } from '../../core/index.js';
import type { Member, Session } from '../session/model.js';
import type { PeerContext, PeerView, SessionView } from './types.js';

export function peerView(member: Member): PeerView {
  return Object.freeze({
    actor: member.actor,
    peerId: member.peerId,
    mode: member.mode,
    active: member.active,
    ...(member.userId === undefined ? {} : { userId: member.userId }),
    ...(member.addresses?.natType ? { natType: member.addresses.natType } : {}),
  });
}

export function sessionView(session: Session): SessionView {
  const [appId = '', appVersion = ''] = session.appKey.split('\u0000');
  return Object.freeze({
    sessionId: session.sessionId,
    name: session.name,
    appId,
    appVersion,
    createdAt: session.createdAt,
    maxPlayers: session.maxPlayers,
    open: session.open,
    visible: session.visible,
    properties: Object.freeze({ ...session.properties }),
    lobbyKeys: Object.freeze([...session.lobbyKeys]),
    playerTtlMs: session.playerTtlMs,
    emptySessionTtlMs: session.emptySessionTtlMs,
    ...(session.pluginState === undefined ? {} : { state: session.pluginState }),
    peers: Object.freeze(session.members.map(peerView)),
  });
}

export function memberContext(member: Member, remoteAddress?: string): PeerContext {
  return Object.freeze({
    actor: member.actor,
    peerId: member.peerId,
    mode: member.mode,
    userId: member.userId ?? '',
    ...(member.nickname === undefined ? {} : { nickname: member.nickname }),
    ...(member.authCookie === undefined ? {} : { authCookie: cookieOf(member.authCookie) }),
    ...(remoteAddress === undefined ? {} : { remoteAddress }),
  });
}

/** The AuthCookie as the provider sent it: kept as the JSON text its answer held (src/auth), so it parses. */
export function cookieOf(text: string): JsonValue {
  return JSON.parse(text) as JsonValue;
}

/** Who a peer not yet a member is (onCreate's creator, beforeJoin's joiner), as authentication said. */
export function identityOf(peer: { userId?: string; nickname?: string; authCookie?: string }): Pick<PeerContext, 'userId' | 'nickname' | 'authCookie'> {
  return {
    userId: peer.userId ?? '',
    ...(peer.nickname === undefined ? {} : { nickname: peer.nickname }),
    ...(peer.authCookie === undefined ? {} : { authCookie: cookieOf(peer.authCookie) }),
  };
}
