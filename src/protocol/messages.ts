/**
 * The signaling protocol between a peer (SDK in server or client mode) and the session service:
 * binary WebSocket frames, each one msgpack map with a numeric `type`.
 *
 * - A **request** (peer → service) carries an `id` (a positive integer the peer picks, unique
 *   among its outstanding requests) and gets exactly one {@link ResponseMessage} or one
 *   {@link ErrorMessage} with the same `id`.
 * - An **event** (service → peer) has no `id`; the service pushes it when something happens.
 *
 * The first request on a connection must be {@link HelloRequest}. Step numbers in comments refer
 * to seed 002: session creation/joining steps 1–11, then connection-process steps 1–2.
 */
import { REPORTED_NAT_TYPES, type ErrorCode, type ReportedNatType } from '../../core/index.js';

/** The protocol version this module speaks; {@link HelloRequest.protocolVersion} must equal it. */
export const PROTOCOL_VERSION = 1;

/** Path of the signaling WebSocket on the session service's HTTP port. */
export const SIGNALING_PATH = '/v1/signaling';

/** Request codes (peer → service). Each request carries an `id`. */
export const RequestType = {
  /** {@link HelloRequest}: the first request; names the app and its version. */
  HELLO: 1,
  /** {@link CreateRequest}: create a session and enter it as its server (seed 002 creation steps 2–5). */
  CREATE: 2,
  /** {@link JoinRequest}: join a session by name, optionally creating it (seed 002 joining steps 2–5). */
  JOIN: 3,
  /** {@link JoinRandomRequest}: join any open, visible session whose lobby properties match a filter. */
  JOIN_RANDOM: 4,
  /** {@link RejoinRequest}: come back as an inactive peer within its player TTL, keeping its actor number. */
  REJOIN: 5,
  /** {@link LeaveRequest}: leave the current session for good (no player TTL). */
  LEAVE: 6,
  /** {@link ListRequest}: list the lobby (open, visible sessions of this app id and version). */
  LIST: 7,
  /** {@link SetPropertiesRequest}: change session properties, optionally compare-and-set. */
  SET_PROPERTIES: 8,
  /** {@link ReportAddressesRequest}: the peer's local and reflexive addresses (seed 002 step 11). */
  REPORT_ADDRESSES: 9,
  /** {@link ConnectedRequest}: a client reports that it connected to the server, by which path, how fast. */
  CONNECTED: 10,
} as const;
export type RequestType = (typeof RequestType)[keyof typeof RequestType];

/** Reply codes (service → peer), each answering one request by its `id`. */
export const ReplyType = {
  /** {@link ResponseMessage}: the request succeeded. */
  RESPONSE: 20,
  /** {@link ErrorMessage}: the request failed. */
  ERROR: 21,
} as const;
export type ReplyType = (typeof ReplyType)[keyof typeof ReplyType];

/** Event codes (service → peer), pushed without an `id`. */
export const EventType = {
  /** {@link StartEvent}: start the runner, with STUN and relay settings (seed 002 step 6). */
  START: 30,
  /** {@link PeerJoinedEvent}: another peer entered (or re-entered) the session. */
  PEER_JOINED: 31,
  /** {@link PeerAddressesEvent}: the other side's addresses and connect token (connection steps 1–2). */
  PEER_ADDRESSES: 32,
  /** {@link PeerInactiveEvent}: a peer dropped without leaving; it may rejoin within the player TTL. */
  PEER_INACTIVE: 33,
  /** {@link PeerLeftEvent}: a peer left, or was removed when its player TTL ran out. */
  PEER_LEFT: 34,
  /** {@link PropertiesChangedEvent}: session properties (or open/visible) changed. */
  PROPERTIES_CHANGED: 35,
  /** {@link SessionClosedEvent}: the session is gone; the peer is no longer in it. */
  SESSION_CLOSED: 36,
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/**
 * WebSocket close codes the service uses (4000–4999 is the application range of RFC 6455).
 * A frame that cannot be parsed at all closes the connection, because the service cannot tell
 * which request (if any) it was; anything parseable gets an {@link ErrorMessage} instead.
 */
export const CloseCode = {
  /** Normal close (service shutdown, or the peer closed). */
  NORMAL: 1000,
  /** The service is shutting down. */
  GOING_AWAY: 1001,
  /** A frame exceeded the maximum frame size (sent by `ws` itself for oversized frames). */
  FRAME_TOO_LARGE: 1009,
  /** The service has no room for this connection (total or per-address limit); retry later. */
  TRY_AGAIN_LATER: 1013,
  /** A frame was not valid msgpack, not a msgpack map, or a text frame. */
  MALFORMED_FRAME: 4000,
  /** Too many malformed frames or rate-limit violations: the peer is not speaking the protocol. */
  PROTOCOL_VIOLATION: 4001,
  /** No pong arrived within the heartbeat timeout: the connection is considered dead. */
  HEARTBEAT_TIMEOUT: 4002,
  /** The connection did not complete hello within the hello timeout. */
  HELLO_TIMEOUT: 4003,
  /** The peer stopped reading: its queue of unsent frames passed the service's cap. */
  SEND_BUFFER_FULL: 4004,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** A UDP endpoint on the wire. `address` is an IPv4 or IPv6 literal. */
export interface WireEndpoint {
  address: string;
  /** 1–65535. */
  port: number;
}

/** A property value: msgpack scalars only, so filters compare by value. */
export type PropertyValue = string | number | boolean | null;

/** Custom session properties: string keys, scalar values. */
export type Properties = Record<string, PropertyValue>;

/** Whether a peer hosts the session (`server`, one per session) or plays in it (`client`). */
export type PeerMode = 'server' | 'client';
export const PEER_MODES: readonly PeerMode[] = ['server', 'client'];

/**
 * NAT behaviour a peer discovered (RFC 3489 names; `open` = no NAT). Informational: the service
 * forwards it to the other side and counts it; the connection process works without it.
 */
export type NatType = ReportedNatType;
export const NAT_TYPES: readonly NatType[] = REPORTED_NAT_TYPES;

/** The path a client connected by. */
export type ConnectPath = 'direct' | 'relay';
export const CONNECT_PATHS: readonly ConnectPath[] = ['direct', 'relay'];

/** Why a session closed. */
export type SessionCloseReason =
  /** The server peer sent a leave request. */
  | 'serverLeft'
  /** The server peer dropped and did not rejoin within the player TTL. */
  | 'serverDropped'
  /** No active peer for the empty-session TTL. */
  | 'empty'
  /** The service is shutting down. */
  | 'shutdown';
export const SESSION_CLOSE_REASONS: readonly SessionCloseReason[] = ['serverLeft', 'serverDropped', 'empty', 'shutdown'];

/** Why a peer left a session. */
export type PeerLeftReason =
  /** It sent a leave request. */
  | 'left'
  /** It dropped and its player TTL ran out (or the TTL was 0). */
  | 'timeout';
export const PEER_LEFT_REASONS: readonly PeerLeftReason[] = ['left', 'timeout'];

/** A member of a session as other members see it. */
export interface PeerInfo {
  /** Starts at 1 for the creator; never reused within a session. */
  actor: number;
  /** Opaque id of this member, stable across rejoin; names the peer in events. */
  peerId: string;
  mode: PeerMode;
  /** False while the peer is inactive (dropped, within its player TTL). */
  active: boolean;
}

/** What a member knows about its session. */
export interface SessionInfo {
  /** Unique, URL-safe; names the session to the relay and in rejoin. */
  sessionId: string;
  /** Unique within the app id and version. */
  name: string;
  /** Maximum number of peers (server included), active and inactive. */
  maxPlayers: number;
  /** Whether new peers may join. */
  open: boolean;
  /** Whether the session appears in the lobby and in random joins. */
  visible: boolean;
  /** All custom properties. */
  properties: Properties;
  /** Keys of `properties` shown in the lobby and matched by random-join filters. */
  lobbyKeys: string[];
  /** How long a dropped peer stays inactive (may rejoin) before it is removed, in ms. */
  playerTtlMs: number;
  /** How long the session lives with no active peer, in ms. */
  emptySessionTtlMs: number;
  /** Current members, active and inactive. */
  peers: PeerInfo[];
}

/** A session as the lobby lists it. */
export interface LobbySession {
  name: string;
  /** Members (active and inactive), server included. */
  players: number;
  maxPlayers: number;
  /** Only the lobby-visible properties. */
  properties: Properties;
}

// ---------------------------------------------------------------- requests (peer → service)

interface RequestBase {
  /** Positive integer (1 … 2^31−1) the peer picks; echoed in the reply. */
  id: number;
}

/** Must be the first request. Sessions are partitioned by `appId` and `appVersion`. */
export interface HelloRequest extends RequestBase {
  type: typeof RequestType.HELLO;
  /** The game's application id. */
  appId: string;
  /** The game's version: peers of different versions never meet. */
  appVersion: string;
  /** Must equal {@link PROTOCOL_VERSION}, or the reply is `UNSUPPORTED_VERSION`. */
  protocolVersion: number;
}

/** Options a session is created with (create, or join with `createIfNotExists`). */
export interface CreateOptions {
  /** Maximum peers, server included; default and cap are service options. */
  maxPlayers?: number;
  /** Default true. */
  open?: boolean;
  /** Default true. */
  visible?: boolean;
  /** Initial custom properties (seed 002 creation step 4: "the session's custom properties"). */
  properties?: Properties;
  /** Keys of `properties` visible in the lobby (and usable in random-join filters). */
  lobbyKeys?: string[];
  /** Player TTL in ms; default and cap are service options. */
  playerTtlMs?: number;
  /** Empty-session TTL in ms; default and cap are service options. */
  emptySessionTtlMs?: number;
}

/**
 * Create a session and enter it as its **server** (actor 1). Errors: `SESSION_EXISTS`,
 * `ALREADY_JOINED`, `INVALID_REQUEST`, `LIMIT_EXCEEDED`. Answered with a {@link JoinResult},
 * then a {@link StartEvent}.
 */
export interface CreateRequest extends RequestBase, CreateOptions {
  type: typeof RequestType.CREATE;
  /** Session name; when absent the service generates one. */
  name?: string;
}

/**
 * Join a session by name as a **client**. With `createIfNotExists`, a missing session is
 * created and the peer enters it as its server (Photon's JoinMode.CreateIfNotExists; Fusion's
 * AutoHostOrClient). Errors: `SESSION_NOT_FOUND`, `SESSION_FULL`, `SESSION_CLOSED`,
 * `ALREADY_JOINED`. Answered with a {@link JoinResult}, then a {@link StartEvent}.
 */
export interface JoinRequest extends RequestBase, CreateOptions {
  type: typeof RequestType.JOIN;
  name: string;
  /** Create the session (as its server) when no session has this name. */
  createIfNotExists?: boolean;
}

/**
 * Join, as a client, the oldest open, visible, non-full session whose lobby-visible properties
 * equal every key/value of `filter` (Photon's FillRoom matchmaking). Errors: `NO_MATCH`,
 * `ALREADY_JOINED`.
 */
export interface JoinRandomRequest extends RequestBase {
  type: typeof RequestType.JOIN_RANDOM;
  /** Every entry must match; absent or empty matches any session. */
  filter?: Properties;
}

/**
 * Re-enter a session as the inactive peer `actor`, within its player TTL, keeping the actor
 * number and peer id. Errors: `REJOIN_NOT_FOUND`, `SESSION_NOT_FOUND`, `ALREADY_JOINED`.
 */
export interface RejoinRequest extends RequestBase {
  type: typeof RequestType.REJOIN;
  sessionId: string;
  actor: number;
  /** The secret from the original {@link JoinResult}. */
  rejoinToken: string;
}

/** Leave the current session for good. A server leaving closes the session. Error: `NOT_IN_SESSION`. */
export interface LeaveRequest extends RequestBase {
  type: typeof RequestType.LEAVE;
}

/** List the lobby. Answered with a {@link ListResult}. */
export interface ListRequest extends RequestBase {
  type: typeof RequestType.LIST;
  /** Only sessions whose lobby-visible properties match every entry. */
  filter?: Properties;
  /** At most this many sessions (the service caps it too, in count and bytes). */
  limit?: number;
  /** Skip this many matching sessions (the next page starts at offset + sessions.length). */
  offset?: number;
}

/**
 * Change session properties. A `null` value deletes the key. With `expected`, the change
 * applies only if every expected key currently has exactly that value (`null` = absent);
 * otherwise the reply is `PROPERTIES_MISMATCH`. Members get a {@link PropertiesChangedEvent}.
 * Errors: `NOT_IN_SESSION`, `PROPERTIES_MISMATCH`, `LIMIT_EXCEEDED`.
 */
export interface SetPropertiesRequest extends RequestBase {
  type: typeof RequestType.SET_PROPERTIES;
  properties?: Properties;
  expected?: Properties;
  /** Keys to add to the lobby-visible list. */
  lobbyKeys?: string[];
  open?: boolean;
  visible?: boolean;
}

/**
 * The peer's addresses, after STUN (seed 002 creation/joining step 11). The service then sends
 * them to the other side (connection steps 1–2). May be repeated when addresses change.
 * Error: `NOT_IN_SESSION`.
 */
export interface ReportAddressesRequest extends RequestBase {
  type: typeof RequestType.REPORT_ADDRESSES;
  /** Addresses of the peer's own interfaces (same-LAN candidates). */
  local: WireEndpoint[];
  /** The address the STUN server saw; absent when STUN failed. */
  reflexive?: WireEndpoint;
  natType?: NatType;
}

/**
 * A client connected to the server (after its accept), by `path`, `ms` after it received the
 * server's addresses. The service records it in a histogram of connect time by path.
 */
export interface ConnectedRequest extends RequestBase {
  type: typeof RequestType.CONNECTED;
  /** The server's peer id. */
  peerId: string;
  path: ConnectPath;
  /** Milliseconds from receiving the server's addresses to the accept; ≥ 0. */
  ms: number;
}

export type Request =
  | HelloRequest
  | CreateRequest
  | JoinRequest
  | JoinRandomRequest
  | RejoinRequest
  | LeaveRequest
  | ListRequest
  | SetPropertiesRequest
  | ReportAddressesRequest
  | ConnectedRequest;

/** A request as the peer builds it: the `id` is added by whoever tracks replies. */
export type RequestBody<R extends Request = Request> = R extends Request ? Omit<R, 'id'> : never;

// ---------------------------------------------------------------- replies (service → peer)

/** Result of hello. */
export interface HelloResult {
  protocolVersion: number;
  /** The service's maximum frame size in bytes; larger frames close the connection. */
  maxFrameBytes: number;
}

/** Result of create, join, join-random and rejoin. A {@link StartEvent} follows. */
export interface JoinResult {
  session: SessionInfo;
  actor: number;
  peerId: string;
  mode: PeerMode;
  /** True when this request created the session. */
  created: boolean;
  /** Secret for {@link RejoinRequest}; keep it private. */
  rejoinToken: string;
}

/** Result of list. */
export interface ListResult {
  sessions: LobbySession[];
  /** True when more sessions match after this page. */
  more?: boolean;
}

/** Result of requests that only succeed or fail. */
export type EmptyResult = Record<string, never>;

/** The result type of each request type. */
export interface ResultOf {
  [RequestType.HELLO]: HelloResult;
  [RequestType.CREATE]: JoinResult;
  [RequestType.JOIN]: JoinResult;
  [RequestType.JOIN_RANDOM]: JoinResult;
  [RequestType.REJOIN]: JoinResult;
  [RequestType.LEAVE]: EmptyResult;
  [RequestType.LIST]: ListResult;
  [RequestType.SET_PROPERTIES]: EmptyResult;
  [RequestType.REPORT_ADDRESSES]: EmptyResult;
  [RequestType.CONNECTED]: EmptyResult;
}

/** Success reply. `request` repeats the request's type so the result can be validated alone. */
export type ResponseMessage = {
  [T in RequestType]: { type: typeof ReplyType.RESPONSE; id: number; request: T; result: ResultOf[T] };
}[RequestType];

/** Failure reply. `id` is absent only when the request's id could not be read. */
export interface ErrorMessage {
  type: typeof ReplyType.ERROR;
  id?: number;
  /** Stable code from `ErrorCodes` (src/runtime/errors.ts). */
  code: ErrorCode;
  /** Human-readable detail. */
  message: string;
}

// ---------------------------------------------------------------- events (service → peer)

/** A relay allocation for this peer: bind to `endpoint` with `ticket` before `expiresAtMs`. */
export interface RelayGrant {
  endpoint: WireEndpoint;
  /** Opaque; the relay verifies it (HMAC over session id, actor and expiry). */
  ticket: Uint8Array;
  /** Wall-clock expiry, ms since the Unix epoch. */
  expiresAtMs: number;
}

/** Start the runner (seed 002 step 6): gather addresses, ask STUN, then report addresses. */
export interface StartEvent {
  type: typeof EventType.START;
  session: SessionInfo;
  actor: number;
  peerId: string;
  mode: PeerMode;
  /** STUN servers to send the Binding request to (seed 002 step 9). */
  stunServers: WireEndpoint[];
  /** Absent when the service runs without a relay. */
  relay?: RelayGrant;
}

/** A peer entered (or re-entered, `rejoined`) the session. */
export interface PeerJoinedEvent {
  type: typeof EventType.PEER_JOINED;
  peer: PeerInfo;
  rejoined: boolean;
}

/**
 * The other side's addresses (connection steps 1–2): a client receives the server's, the
 * server receives each client's. Both sides of a pair get the same 32-byte `pairSecret`, from
 * which they derive the keys that seal their peer packets (DESIGN.md §9); it never travels on
 * UDP. A later event for the same peer adds addresses (a rejoin brings a new secret).
 */
export interface PeerAddressesEvent {
  type: typeof EventType.PEER_ADDRESSES;
  peerId: string;
  actor: number;
  mode: PeerMode;
  local: WireEndpoint[];
  reflexive?: WireEndpoint;
  natType?: NatType;
  pairSecret: Uint8Array;
}

/** A peer dropped without leaving; it may rejoin until `expiresInMs` passes. */
export interface PeerInactiveEvent {
  type: typeof EventType.PEER_INACTIVE;
  peerId: string;
  actor: number;
  expiresInMs: number;
}

/** A peer is no longer in the session. */
export interface PeerLeftEvent {
  type: typeof EventType.PEER_LEFT;
  peerId: string;
  actor: number;
  reason: PeerLeftReason;
}

/** Session properties changed (only the changed keys; `null` = deleted). */
export interface PropertiesChangedEvent {
  type: typeof EventType.PROPERTIES_CHANGED;
  /** Who changed them. */
  actor: number;
  properties: Properties;
  lobbyKeys: string[];
  open: boolean;
  visible: boolean;
}

/** The session closed; the receiving peer is no longer in it. */
export interface SessionClosedEvent {
  type: typeof EventType.SESSION_CLOSED;
  sessionId: string;
  reason: SessionCloseReason;
}

export type Event =
  | StartEvent
  | PeerJoinedEvent
  | PeerAddressesEvent
  | PeerInactiveEvent
  | PeerLeftEvent
  | PropertiesChangedEvent
  | SessionClosedEvent;

/** Anything the service sends. */
export type ServerMessage = ResponseMessage | ErrorMessage | Event;
