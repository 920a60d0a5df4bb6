// Requests (peer → service): one interface per request type, and their union.
import type { JsonValue } from '../../core/index.js';
import type { RequestType } from './codes.js';
import type { ConnectPath, KickReason, NatAxisValue, NatType, PathChangeReason, Properties, WireEndpoint } from './values.js';

interface RequestBase {
  /** Positive integer (1 … 2^31−1) the peer picks; echoed in the reply. */
  id: number;
}

/** A JSON-like value inside auth `data` (maps, arrays, strings, numbers, booleans, nil). */
export type AuthDataValue = string | number | boolean | null | AuthDataValue[] | { [key: string]: AuthDataValue };

/** A map of auth data: what a client posts to the provider, and what the provider's Data returns. */
export type AuthData = { [key: string]: AuthDataValue };

/**
 * Credentials for the app's custom authentication (docs/auth.md): the provider gets `params`
 * (Photon's AuthParameters, as a query string) and `data` (Photon's post data, as a JSON body);
 * `token` is the auth token of an earlier hello, which authenticates without the provider.
 */
export interface HelloAuth {
  /** At most 16 keys of `^[A-Za-z0-9_.-]{1,64}$`, values of at most 512 characters. */
  params?: Record<string, string>;
  /** At most 4 KiB of msgpack, nested at most 4 deep. */
  data?: AuthData;
  /** The user id the client proposes; the provider's UserId wins. */
  userId?: string;
  nickname?: string;
  /** An auth token from an earlier hello's `authToken`. */
  token?: string;
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
  /**
   * Credentials for the service's authenticate hook (a token, a ticket, a signed user id), at
   * most PROTOCOL_MAX_AUTH_BYTES of UTF-8. Optional: a service without such a hook ignores it,
   * and one from before it ignores the unknown key, so the protocol version stays 1.
   */
  auth?: string | HelloAuth;
  /**
   * What this peer understands beyond the first release ({@link Feature}): the service sends it
   * nothing newer than that. Unknown names are ignored. Optional.
   */
  features?: string[];
}

/** Options a session is created with (create, or join with `createIfNotExists`). */
export interface CreateOptions {
  /** Maximum peers, server included; default and cap are service options. */
  maxPlayers?: number;
  /** Default true. */
  open?: boolean;
  /** Default true. */
  visible?: boolean;
  /** Initial custom properties (creation step 4 of docs/connection-process.md: "the session's custom properties"). */
  properties?: Properties;
  /** Keys of `properties` visible in the lobby (and usable in random-join filters). */
  lobbyKeys?: string[];
  /** Player TTL in ms; default and cap are service options. */
  playerTtlMs?: number;
  /** Empty-session TTL in ms; default and cap are service options. */
  emptySessionTtlMs?: number;
  /** Members see each other's authenticated user id in {@link PeerInfo.userId} (Photon's PublishUserId). Default false. */
  publishUserId?: boolean;
  /** A join by a user id already active in the session is refused with USER_ALREADY_JOINED (Photon's CheckUserOnJoin). Default false. */
  checkUserOnJoin?: boolean;
  /**
   * The session plugin to run (Photon's `RoomOptions.Plugins[0]`; docs/plugins.md): a name the
   * app's plugin factory knows, else PLUGIN_MISMATCH. Absent: the app's default plugin, if any.
   */
  plugin?: string;
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
  /**
   * Bytes for the server's connect-request callback (Fusion's ConnectionToken), at most
   * PROTOCOL_MAX_CONNECTION_TOKEN_BYTES. Only the session's server receives it, with this
   * client's addresses ({@link PeerAddressesEvent.connectionToken}). Optional: a service from
   * before it ignores the unknown key.
   */
  connectionToken?: Uint8Array;
}

/**
 * Join, as a client, the oldest open, visible, non-full session whose lobby-visible properties
 * equal every key/value of `filter` (Photon's FillRoom matchmaking). Errors: `NO_MATCH`,
 * `ALREADY_JOINED`. With `create`, no match creates a session instead and enters it as its
 * server (Photon's JoinRandomOrCreateRoom): atomic on the service, so of two peers asking at
 * once one creates and the other joins. `created` in the {@link JoinResult} says which happened.
 */
export interface JoinRandomRequest extends RequestBase {
  type: typeof RequestType.JOIN_RANDOM;
  /** Every entry must match; absent or empty matches any session. */
  filter?: Properties;
  /**
   * Bytes for the server's connect-request callback (Fusion's ConnectionToken), at most
   * PROTOCOL_MAX_CONNECTION_TOKEN_BYTES. Only the session's server receives it, with this
   * client's addresses ({@link PeerAddressesEvent.connectionToken}). Optional: a service from
   * before it ignores the unknown key.
   */
  connectionToken?: Uint8Array;
  /**
   * Create a session when none matches, with these options (its properties and lobby keys get
   * the filter's entries too, so the next matching random join finds it). Optional: a service
   * from before it ignores the field and answers `NO_MATCH`.
   */
  create?: CreateOptions & { name?: string };
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
  /**
   * A client of a session its host restored on a new cloud: the 32-byte restore token derived
   * from the pair's secret (the host sent its SHA-256 in {@link RestoreRequest}). Optional.
   */
  restoreToken?: Uint8Array;
  /** The session's name: found by it when `sessionId` is unknown (a restore gave a new id). Optional. */
  sessionName?: string;
}

/** A client a restoring host lists: held under its old actor and peer id for its rejoin. */
export interface RestoredClient {
  actor: number;
  peerId: string;
  /** SHA-256 of the client's 32-byte restore token (docs/protocols.md, "Cloud loss and rejoin"). */
  proof: Uint8Array;
}

/**
 * A host re-establishes its session on a cloud that lost it: same name and settings, a new session
 * id (never `sessionId`, which a fresh cloud cannot tell from a guess); the host enters as actor 1 with its old peer id and each listed
 * client is held for its rejoin. Errors: `SESSION_EXISTS` (the name is taken), `SESSION_FULL`
 * (more clients than `maxPlayers`), `INVALID_REQUEST`, `LIMIT_EXCEEDED`, `ALREADY_JOINED`.
 * Answered with a {@link JoinResult}, then a {@link StartEvent}.
 */
export interface RestoreRequest extends RequestBase, CreateOptions {
  type: typeof RequestType.RESTORE;
  /** The id the session had; informational (the restored session gets a new one). */
  sessionId: string;
  name: string;
  /** The host's peer id in the lost session. */
  peerId: string;
  clients: RestoredClient[];
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
  /** Send this change to the game's backend as a `session.propertiesChanged` webhook (Photon's HttpForward web flag). */
  forward?: boolean;
}

/**
 * The peer's addresses, after STUN (creation and joining step 11, docs/connection-process.md). The service then sends
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
  /** What NAT discovery measured of the mapping (docs/sdk.md, "NAT type"); absent: not measured. */
  natMapping?: NatAxisValue;
  /** What NAT discovery measured of the filtering; absent: not measured. */
  natFiltering?: NatAxisValue;
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
  /** The handshake's round-trip time, ms (added after the first release: older services ignore it). */
  rttMs?: number;
}

/**
 * A connected client's pair moved to another path (the SDK's pathChanged): the service keeps each
 * pair's path and RTT and counts upgrades and fallbacks for the operator (docs/operations.md,
 * "Dashboard"). Fire and forget: a service older than it answers INVALID_REQUEST, which the SDK
 * ignores. Errors: `NOT_IN_SESSION`.
 */
export interface PathReportRequest extends RequestBase {
  type: typeof RequestType.PATH_REPORT;
  /** The server's peer id. */
  peerId: string;
  /** The path now carrying the pair's traffic. */
  path: ConnectPath;
  reason: PathChangeReason;
  /** The path's round-trip time when measured, ms. */
  rttMs?: number;
}

/**
 * The session's server removes a member, named by `actor` or `peerId` (one of them is required;
 * with both, they must name the same member). The member gets a {@link KickedEvent}, the others
 * a {@link PeerLeftEvent} with `reason` as its reason; its relay tickets are revoked and it
 * cannot rejoin (it was removed, not made inactive). Errors: `NOT_IN_SESSION`, `NOT_ALLOWED`
 * (the sender is not the server, or names itself), `PLAYER_NOT_FOUND`, `INVALID_REQUEST`.
 */
export interface KickRequest extends RequestBase {
  type: typeof RequestType.KICK;
  actor?: number;
  peerId?: string;
  /** Default `kicked`; `connectRefused` when the server's connect-request callback said no. */
  reason?: KickReason;
  /** For the removed peer (at most PROTOCOL_MAX_KICK_MESSAGE_CHARS). Default empty. */
  message?: string;
}

/**
 * Subscribe this connection to the lobby of its app id and version (Fusion's
 * OnSessionListUpdated): the reply carries the first list, then a {@link LobbyUpdateEvent} brings
 * the whole current list whenever something lobby-visible changes (a session created or closed,
 * its lobby properties, open, visible or player count changed), at most a few per second. One
 * subscription per connection: subscribing again replaces the filter and limit;
 * `subscribe: false` ends it. Errors: `LIMIT_EXCEEDED` (the service's subscriber cap).
 */
/**
 * WebRPC: ask the cloud to call the game's backend at `path` under the app's base URL (or an
 * in-process handler) and return its answer. In or out of a session. Errors: RPC_NOT_FOUND,
 * EXTERNAL_HTTP_FAILED, HTTP_LIMIT_REACHED (docs/webrpc.md).
 */
export interface RpcRequest extends RequestBase {
  type: typeof RequestType.RPC;
  /** A method name or sub-path, optionally with a query (`shop/buy?sku=7`); the grammar is in docs/webrpc.md. */
  path: string;
  /** JSON data for the backend; an object's keys go to the root of Photon's body. */
  params?: JsonValue;
  /** Ask for the auth cookie to be forwarded (only if the app allows it). */
  sendAuthCookie?: boolean;
}

export interface LobbySubscribeRequest extends RequestBase {
  type: typeof RequestType.LOBBY_SUBSCRIBE;
  /** Default true; false unsubscribes (the reply's list is then empty). */
  subscribe?: boolean;
  /** Only sessions whose lobby-visible properties equal every entry (typed: 5 is not "5"). */
  filter?: Properties;
  /** At most this many sessions per list (the service caps it too, in count and bytes). */
  limit?: number;
}

/**
 * The next step of a multi-step custom authentication, allowed only while the hello's (or the
 * previous step's) `authStatus` is `continue`, at most 5 steps per connection. Answered like the
 * hello ({@link HelloResult}). Errors: AUTH_FAILED, AUTH_UNAVAILABLE, NOT_ALLOWED, RATE_LIMITED.
 */
export interface AuthenticateRequest extends RequestBase {
  type: typeof RequestType.AUTHENTICATE;
  auth: HelloAuth;
}

export type Request =
  | AuthenticateRequest
  | HelloRequest
  | CreateRequest
  | JoinRequest
  | JoinRandomRequest
  | RejoinRequest
  | LeaveRequest
  | ListRequest
  | SetPropertiesRequest
  | ReportAddressesRequest
  | ConnectedRequest
  | PathReportRequest
  | KickRequest
  | LobbySubscribeRequest
  | RpcRequest
  | RestoreRequest;

/** A request as the peer builds it: the `id` is added by whoever tracks replies. */
export type RequestBody<R extends Request = Request> = R extends Request ? Omit<R, 'id'> : never;

