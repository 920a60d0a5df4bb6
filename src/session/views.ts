// How a session looks from outside: to its members (SessionInfo), in the lobby, and to a
// SessionQuery (the store's search, as data so any store can run it).
import type { LobbySession, Properties, SessionInfo } from '../protocol/index.js';
import { peerInfo, type Session } from './model.js';

/**
 * Which sessions of one app a store returns, oldest first. Plain data, never a closure, so a
 * store in another process (Redis) can run it; {@link matchesQuery} is its meaning.
 */
export interface SessionQuery {
  /** The app partition (app id and version): sessions of other apps never match. */
  appKey: string;
  /** Only sessions that are open and visible (the lobby, random joins). */
  listed?: boolean;
  /** Only sessions with a free slot (join-random candidates). */
  notFull?: boolean;
  /** Every entry must equal a lobby-visible property of the session. */
  filter?: Properties;
  /** Skip this many matching sessions. Default 0. */
  offset?: number;
  /** Return at most this many. */
  limit: number;
}

/** Whether `session` is one `query` asks for (paging aside). */
export function matchesQuery(session: Session, query: SessionQuery): boolean {
  if (session.appKey !== query.appKey) return false;
  if (query.listed && !isListed(session)) return false;
  if (query.notFull && session.members.length >= session.maxPlayers) return false;
  return matchesFilter(session, query.filter);
}

/** Whether every entry of `filter` equals the session's lobby-visible property. */
export function matchesFilter(session: Session, filter: Properties | undefined): boolean {
  if (!filter) return true;
  for (const [key, value] of Object.entries(filter)) {
    if (!session.lobbyKeys.includes(key) || !Object.hasOwn(session.properties, key)) return false;
    if (session.properties[key] !== value) return false;
  }
  return true;
}

/** Listed in the lobby and eligible for random joins. */
export function isListed(session: Session): boolean {
  return session.open && session.visible;
}

export function canJoinRandomly(session: Session, filter: Properties | undefined): boolean {
  return isListed(session) && session.members.length < session.maxPlayers && matchesFilter(session, filter);
}

export function sessionInfo(session: Session): SessionInfo {
  return {
    sessionId: session.sessionId,
    name: session.name,
    maxPlayers: session.maxPlayers,
    open: session.open,
    visible: session.visible,
    properties: { ...session.properties },
    lobbyKeys: [...session.lobbyKeys],
    playerTtlMs: session.playerTtlMs,
    emptySessionTtlMs: session.emptySessionTtlMs,
    peers: session.members.map(peerInfo),
  };
}

export function lobbyEntry(session: Session): LobbySession {
  const properties: Properties = {};
  for (const key of session.lobbyKeys) {
    const value = session.properties[key];
    if (value !== undefined) properties[key] = value;
  }
  return { name: session.name, players: session.members.length, maxPlayers: session.maxPlayers, properties };
}
