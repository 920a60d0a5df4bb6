import { randomFillSync } from 'node:crypto';
import {
  DEFAULT_EMPTY_SESSION_TTL_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_MAX_EMPTY_SESSION_TTL_MS,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_LIST_SESSIONS,
  DEFAULT_MAX_NAME_CHARS,
  DEFAULT_MAX_PLAYERS,
  DEFAULT_MAX_PLAYERS_LIMIT,
  DEFAULT_MAX_PLAYER_TTL_MS,
  DEFAULT_MAX_PROPERTIES_BYTES,
  DEFAULT_MAX_SESSIONS_PER_CONNECTION,
  DEFAULT_MAX_VIOLATIONS,
  DEFAULT_NAME_PATTERN,
  DEFAULT_PLAYER_TTL_MS,
  DEFAULT_REQUEST_BURST,
  DEFAULT_REQUESTS_PER_SECOND,
  RANDOM_POOL_BYTES,
} from '../constants.js';
import type { WireEndpoint } from '../protocol/index.js';
import { createRealClock, createSilentLogger, type Clock, type Logger } from '../runtime/index.js';
import { createMemorySessionStore, type SessionStore } from './store.js';

/**
 * Issues relay tickets. The relay defines the ticket (an HMAC over session id, actor and
 * expiry); the one-process cloud wires the relay's issuer in here, so this folder never
 * imports relay/.
 */
export interface RelayTicketIssuer {
  /** Where peers send relay traffic. */
  readonly endpoint: WireEndpoint;
  /** A ticket for `actor` of `sessionId`, with its wall-clock expiry (ms since the epoch). */
  issueTicket(sessionId: string, actor: number): { ticket: Uint8Array; expiresAtMs: number };
}

export interface SessionServiceOptions {
  /** Time source for TTLs, rate limits and heartbeats. Default: the real clock. */
  clock?: Clock;
  /** Structured logger. Default: silent. */
  logger?: Logger;
  /** Session state. Default: a new in-memory store (closed with the service). */
  store?: SessionStore;
  /** STUN servers handed to peers in the start event (seed 002 step 6). Default: none. */
  stunServers?: WireEndpoint[];
  /** Relay ticket issuer; without one, start events carry no relay grant. */
  relay?: RelayTicketIssuer;
  /** Largest signaling frame, bytes; larger frames close the connection (1009). Default 16 KiB. */
  maxFrameBytes?: number;
  /** Sessions one connection may create over its lifetime. Default 32. */
  maxSessionsPerConnection?: number;
  /** Largest encoded custom-properties map of a session, bytes. Default 4 KiB. */
  maxPropertiesBytes?: number;
  /** Sustained requests per second per connection. Default 20. */
  requestsPerSecond?: number;
  /** Requests a connection may send in a burst above the sustained rate. Default 40. */
  requestBurst?: number;
  /** Rate-limited or invalid requests after which the connection is closed (4001). Default 50. */
  maxViolations?: number;
  /** Longest session name, characters. Default 64. */
  maxNameChars?: number;
  /** Allowed session names (in addition to the length limit). Default: no control characters. */
  namePattern?: RegExp;
  /** maxPlayers of a session whose creator gives none. Default 16. */
  defaultMaxPlayers?: number;
  /** Largest maxPlayers a creator may ask for. Default 256. */
  maxPlayersLimit?: number;
  /** Player TTL of a session whose creator gives none, ms. Default 0 (drop = leave). */
  defaultPlayerTtlMs?: number;
  /** Largest player TTL a creator may ask for, ms. Default 5 minutes. */
  maxPlayerTtlMs?: number;
  /** Empty-session TTL of a session whose creator gives none, ms. Default 0. */
  defaultEmptySessionTtlMs?: number;
  /** Largest empty-session TTL a creator may ask for, ms. Default 5 minutes. */
  maxEmptySessionTtlMs?: number;
  /** WebSocket ping interval, ms; a dead connection is detected within twice this. Default 10 s. */
  heartbeatIntervalMs?: number;
  /** Time a new connection has to complete hello, ms; then it is closed (4003). Default 10 s. */
  helloTimeoutMs?: number;
  /** Open connections; more are refused with close 1013 (try again later). Default 20,000. */
  maxConnections?: number;
  /** Open connections from one IP address; more are refused with close 1013. Default 256. */
  maxConnectionsPerAddress?: number;
  /** Most sessions one lobby listing returns. Default 100. */
  maxListSessions?: number;
  /** Random bytes for ids and tokens. Default: node:crypto randomBytes. */
  randomBytes?: (length: number) => Uint8Array;
}

export type ResolvedOptions = Required<Omit<SessionServiceOptions, 'relay'>> & Pick<SessionServiceOptions, 'relay'>;

export function resolveOptions(options: SessionServiceOptions): ResolvedOptions {
  return {
    clock: options.clock ?? createRealClock(),
    logger: options.logger ?? createSilentLogger(),
    store: options.store ?? createMemorySessionStore(),
    stunServers: options.stunServers ?? [],
    relay: options.relay,
    maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    maxSessionsPerConnection: options.maxSessionsPerConnection ?? DEFAULT_MAX_SESSIONS_PER_CONNECTION,
    maxPropertiesBytes: options.maxPropertiesBytes ?? DEFAULT_MAX_PROPERTIES_BYTES,
    requestsPerSecond: options.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND,
    requestBurst: options.requestBurst ?? DEFAULT_REQUEST_BURST,
    maxViolations: options.maxViolations ?? DEFAULT_MAX_VIOLATIONS,
    maxNameChars: options.maxNameChars ?? DEFAULT_MAX_NAME_CHARS,
    namePattern: options.namePattern ?? DEFAULT_NAME_PATTERN,
    defaultMaxPlayers: options.defaultMaxPlayers ?? DEFAULT_MAX_PLAYERS,
    maxPlayersLimit: options.maxPlayersLimit ?? DEFAULT_MAX_PLAYERS_LIMIT,
    defaultPlayerTtlMs: options.defaultPlayerTtlMs ?? DEFAULT_PLAYER_TTL_MS,
    maxPlayerTtlMs: options.maxPlayerTtlMs ?? DEFAULT_MAX_PLAYER_TTL_MS,
    defaultEmptySessionTtlMs: options.defaultEmptySessionTtlMs ?? DEFAULT_EMPTY_SESSION_TTL_MS,
    maxEmptySessionTtlMs: options.maxEmptySessionTtlMs ?? DEFAULT_MAX_EMPTY_SESSION_TTL_MS,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    helloTimeoutMs: options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    maxListSessions: options.maxListSessions ?? DEFAULT_MAX_LIST_SESSIONS,
    randomBytes: options.randomBytes ?? pooledRandomBytes(),
  };
}

/**
 * crypto-strength random bytes, drawn from a pool refilled 4 KiB at a time: one syscall per
 * ~100 joins instead of four per join (a join needs a session id, a peer id and two tokens).
 */
function pooledRandomBytes(): (length: number) => Uint8Array {
  const pool = new Uint8Array(RANDOM_POOL_BYTES);
  let offset = pool.length;
  return (length) => {
    if (length > pool.length) return randomFillSync(new Uint8Array(length));
    if (offset + length > pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const out = pool.slice(offset, offset + length);
    offset += length;
    return out;
  };
}
