// The session service's options, their defaults, and the relay ticket issuer it is given.
import { randomFillSync } from 'node:crypto';
import {
  DEFAULT_EMPTY_SESSION_TTL_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_RECONNECT_GRACE_MS,
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_MAX_EMPTY_SESSION_TTL_MS,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_CANDIDATES,
  DEFAULT_MAX_HELLO_FRAME_BYTES,
  DEFAULT_MAX_LIST_BYTES,
  DEFAULT_MAX_LIST_SESSIONS,
  DEFAULT_MAX_LOBBY_SUBSCRIBERS,
  DEFAULT_LOBBY_UPDATE_INTERVAL_MS,
  DEFAULT_MAX_LOBBY_KEYS,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_MAX_SESSIONS_PER_ADDRESS,
  DEFAULT_MIN_REPORT_INTERVAL_MS,
  DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_HTTP_REQUEST_BURST,
  DEFAULT_HTTP_REQUEST_TIMEOUT_MS,
  DEFAULT_HTTP_REQUESTS_PER_SECOND,
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
  DEFAULT_REGION,
} from '../constants.js';
import type { WireEndpoint } from '../protocol/index.js';
import { PunchthroughError, createRealClock, createSilentLogger, type Clock, type Logger } from '../../core/index.js';
import { validateEgressOptions, type EgressOptions } from '../egress/index.js';
import { validateApps, type AppsConfig } from './apps.js';
import { noHooks, type SessionHooks } from './hooks.js';
import type { DeadlineScheduler, EventBus } from './presence.js';
import { createMemorySessionStore, type SessionStore } from './store.js';
import type { ConnectReportSink } from './connect-reports.js';
import type { SessionRelays } from './relay-fleet.js';

/**
 * Issues relay tickets. The relay defines the ticket (an HMAC over session id, actor and
 * expiry); the one-process cloud wires the relay's issuer in here, so this folder never
 * imports relay/.
 */
export interface RelayTicketIssuer {
  /** Where peers send relay traffic. */
  readonly endpoint: WireEndpoint;
  /** The same relay over WebSocket, named in grants as `wsUrl` (docs/protocols.md). Default: none. */
  readonly wsUrl?: string;
  /** A ticket for `actor` of `sessionId`, with its wall-clock expiry (ms since the epoch). */
  issueTicket(sessionId: string, actor: number): { ticket: Uint8Array; expiresAtMs: number };
  /** Refuses the tickets of a member that left (`actor`) or of a whole closed session. */
  revoke?(sessionId: string, actor?: number): void;
}

export interface SessionServiceOptions {
  /** Time source for TTLs, rate limits and heartbeats. Default: the real clock. */
  clock?: Clock;
  /** Structured logger. Default: silent. */
  logger?: Logger;
  /** Session state. Default: a new in-memory store (closed with the service). */
  store?: SessionStore;
  /** STUN servers handed to peers in the start event (creation and joining step 6, docs/connection-process.md). Default: none. */
  stunServers?: WireEndpoint[];
  /** Relay ticket issuer; without one, start events carry no relay grant. */
  relay?: RelayTicketIssuer;
  /** A fleet of relays: each session gets one at create, and its grants name it (relay-fleet.ts). Default: none (`relay`). */
  relays?: SessionRelays;
  /** Where clients' connect and path reports go (the cloud's statistics, src/stats). Default: none. */
  connectReports?: ConnectReportSink;
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
  /**
   * How long a member whose signaling socket dropped is held, still active, for its rejoin, ms:
   * a rejoin within it resumes the member unseen; after it the player TTL applies (inactive, or
   * removed; a server's removal closes the session). Also how long a restored session holds
   * its clients. 0 drops at once (the behaviour before the grace). Default 10 s.
   */
  reconnectGraceMs?: number;
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
  /** Largest lobby listing, bytes of encoded entries; the rest is on the next page. Default 32 KiB. */
  maxListBytes?: number;
  /** Lobby subscriptions (LOBBY_SUBSCRIBE) in the whole service; more get LIMIT_EXCEEDED. Default 2,000. */
  maxLobbySubscribers?: number;
  /** Shortest time between two lobby lists pushed to one subscriber, ms. Default 500. */
  lobbyUpdateIntervalMs?: number;
  /** Largest frame a connection may send before hello, bytes (1009 above it). Default 2 KiB. */
  maxHelloFrameBytes?: number;
  /** Bytes queued for one connection before it is closed (4004). Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Lobby-visible keys per session. Default 32. */
  maxLobbyKeys?: number;
  /** Live sessions in the service; more creates get LIMIT_EXCEEDED. Default 20,000. */
  maxSessions?: number;
  /** Live sessions created from one client address. Default 512. */
  maxSessionsPerAddress?: number;
  /** Distinct address candidates kept per peer. Default 8. */
  maxCandidates?: number;
  /** Shortest time between two address reports that change a peer's candidates, ms. Default 1 s. */
  minReportIntervalMs?: number;
  /**
   * Addresses (or CIDR ranges) of reverse proxies whose `X-Forwarded-For` header names the real
   * client; the limits per address then count that client. Default: none (the TCP peer counts).
   */
  trustedProxies?: string[];
  /** HTTP lobby requests per second per client address. Default 5. */
  httpRequestsPerSecond?: number;
  /** HTTP lobby requests a client address may burst above the rate. Default 20. */
  httpRequestBurst?: number;
  /** Time a client has to send an HTTP request's headers and body, ms. Default 10 s. */
  httpRequestTimeoutMs?: number;
  /** Idle keep-alive HTTP connections close after this long, ms. Default 5 s. */
  httpKeepAliveTimeoutMs?: number;
  /** When set, `GET /metrics` needs `Authorization: Bearer <token>`. Default: open. */
  metricsToken?: string;
  /** When set, the admin endpoints (/v1/admin/…: webhook deliveries, dead letters, replay, test) serve requests with `Authorization: Bearer <token>`. Default: no admin endpoints. */
  adminToken?: string;
  /** Serve `/metrics` only on a separate listener (see the cloud's metricsPort). Default false. */
  metricsElsewhere?: boolean;
  /** Random bytes for ids and tokens. Default: node:crypto randomBytes. */
  randomBytes?: (length: number) => Uint8Array;
  /** Per-app custom authentication and plugins by app id, '*' for the rest (apps.ts). Default: none. */
  apps?: AppsConfig;
  /** The region this service names to a game's backend (Photon's Region: WebRPC bodies, URL tags). Default 'default'. */
  region?: string;
  /** The policy of every outbound call to a game's backend (src/egress). Default: HTTPS to public addresses only. */
  egress?: EgressOptions;
  /** Authentication, authorization and lifecycle callbacks (see SessionHooks). Default: none. */
  hooks?: SessionHooks;
  /** Delivers events to whichever process holds a member's socket. Default: this process only. */
  eventBus?: EventBus;
  /** Makes the scheduler of session deadlines (TTLs), given what to call when one comes. Default: clock timers here. */
  deadlines?: (onDue: (sessionId: string) => void) => DeadlineScheduler;
  /**
   * Cluster mode: this node's id, stamped on every member that enters or rejoins here
   * (Member.node), so a shared store routes its events to this node. Default: none (one process).
   */
  nodeId?: string;
}

type Optional = 'relay' | 'relays' | 'connectReports' | 'metricsToken' | 'adminToken' | 'eventBus' | 'deadlines' | 'nodeId';
export type ResolvedOptions = Required<Omit<SessionServiceOptions, Optional>> & Pick<SessionServiceOptions, Optional>;

export function resolveOptions(options: SessionServiceOptions): ResolvedOptions {
  return {
    clock: options.clock ?? createRealClock(),
    logger: options.logger ?? createSilentLogger(),
    store: options.store ?? createMemorySessionStore(),
    stunServers: options.stunServers ?? [],
    relay: options.relay,
    relays: options.relays,
    connectReports: options.connectReports,
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
    reconnectGraceMs: options.reconnectGraceMs ?? DEFAULT_RECONNECT_GRACE_MS,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    helloTimeoutMs: options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    maxListSessions: options.maxListSessions ?? DEFAULT_MAX_LIST_SESSIONS,
    maxListBytes: options.maxListBytes ?? DEFAULT_MAX_LIST_BYTES,
    maxLobbySubscribers: options.maxLobbySubscribers ?? DEFAULT_MAX_LOBBY_SUBSCRIBERS,
    lobbyUpdateIntervalMs: options.lobbyUpdateIntervalMs ?? DEFAULT_LOBBY_UPDATE_INTERVAL_MS,
    maxHelloFrameBytes: options.maxHelloFrameBytes ?? DEFAULT_MAX_HELLO_FRAME_BYTES,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
    maxLobbyKeys: options.maxLobbyKeys ?? DEFAULT_MAX_LOBBY_KEYS,
    maxSessions: options.maxSessions ?? DEFAULT_MAX_SESSIONS,
    maxSessionsPerAddress: options.maxSessionsPerAddress ?? DEFAULT_MAX_SESSIONS_PER_ADDRESS,
    maxCandidates: options.maxCandidates ?? DEFAULT_MAX_CANDIDATES,
    minReportIntervalMs: options.minReportIntervalMs ?? DEFAULT_MIN_REPORT_INTERVAL_MS,
    trustedProxies: options.trustedProxies ?? [],
    httpRequestsPerSecond: options.httpRequestsPerSecond ?? DEFAULT_HTTP_REQUESTS_PER_SECOND,
    httpRequestBurst: options.httpRequestBurst ?? DEFAULT_HTTP_REQUEST_BURST,
    httpRequestTimeoutMs: options.httpRequestTimeoutMs ?? DEFAULT_HTTP_REQUEST_TIMEOUT_MS,
    httpKeepAliveTimeoutMs: options.httpKeepAliveTimeoutMs ?? DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS,
    metricsToken: options.metricsToken,
    adminToken: adminTokenOf(options.adminToken),
    metricsElsewhere: options.metricsElsewhere ?? false,
    randomBytes: options.randomBytes ?? pooledRandomBytes(),
    apps: validateApps(options.apps ?? {}, { allowInsecureHttp: options.egress?.allowInsecureHttp ?? false }),
    region: options.region ?? DEFAULT_REGION,
    egress: validateEgressOptions(options.egress),
    hooks: options.hooks ?? noHooks,
    eventBus: options.eventBus,
    deadlines: options.deadlines,
    nodeId: options.nodeId,
  };
}

/** The admin token: long enough that guessing it is not an attack (an empty one would open the endpoints to `Bearer `). */
function adminTokenOf(token: string | undefined): string | undefined {
  if (token !== undefined && (typeof token !== 'string' || token.length < ADMIN_TOKEN_MIN_CHARS || token.length > 512)) {
    throw new PunchthroughError('INVALID_OPTIONS', `adminToken: expected ${ADMIN_TOKEN_MIN_CHARS} to 512 characters`);
  }
  return token;
}

/** Shortest admin token accepted, characters (16 random characters ≈ 96 bits). */
const ADMIN_TOKEN_MIN_CHARS = 16;

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
