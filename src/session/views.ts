// How a session looks from outside: to its members (SessionInfo), in the lobby, and to a
// SessionQuery (the store's search, as data so any store can run it).
import type { LobbySession, Properties, PropertyValue, SessionInfo } from '../protocol/index.js';
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
  /** Every entry must equal a lobby-visible property of the session (typed: 5 is not "5"). */
  filter?: Properties;
  /**
   * Every entry must spell a lobby-visible property of the session (a query string's values are
   * text): see {@link spells}.
   */
  textFilter?: Readonly<Record<string, string>>;
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
  return matchesFilter(session, query.filter) && matchesTextFilter(session, query.textFilter);
}

/** Whether every entry of `filter` spells the session's lobby-visible property. */
export function matchesTextFilter(session: Session, filter: Readonly<Record<string, string>> | undefined): boolean {
  if (!filter) return true;
  for (const [key, text] of Object.entries(filter)) {
    if (!session.lobbyKeys.includes(key) || !Object.hasOwn(session.properties, key)) return false;
    if (!spells(text, session.properties[key]!)) return false;
  }
  return true;
}

const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * Whether `text` (from a URL or a command line) names `value`: a string equal to it, a decimal
 * number equal to a number (`5`, `5.0` and `5e0` name 5), `true` or `false` for a boolean.
 */
export function spells(text: string, value: PropertyValue): boolean {
  if (typeof value === 'string') return text === value;
  if (typeof value === 'number') return DECIMAL.test(text) && Number(text) === value;
  if (typeof value === 'boolean') return text === String(value);
  return false;
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
    peers: session.members.map((member) => peerInfo(member, session)),
    ...(session.plugin === undefined ? {} : { plugin: session.plugin }),
    ...(session.publishUserId === undefined ? {} : { publishUserId: session.publishUserId }),
    ...(session.checkUserOnJoin === undefined ? {} : { checkUserOnJoin: session.checkUserOnJoin }),
  };
}

export function lobbyEntry(session: Session): LobbySession {
  const properties: Properties = {};
  for (const key of session.lobbyKeys) {
    const value = session.properties[key];
    if (value !== undefined) properties[key] = value;
  }
  return { name: session.name, sessionId: session.sessionId, players: session.members.length, maxPlayers: session.maxPlayers, properties };
}
