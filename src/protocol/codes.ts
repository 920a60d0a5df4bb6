/**
 * The signaling protocol's numbers: version, path, request / reply / event codes and close codes.
 * Binary WebSocket frames, each one msgpack map with a numeric `type`.
 *
 * - A **request** (peer → service) carries an `id` (a positive integer the peer picks, unique
 *   among its outstanding requests) and gets exactly one response or one error with the same `id`.
 * - An **event** (service → peer) has no `id`; the service pushes it when something happens.
 *
 * The first request on a connection must be hello. Step numbers in comments are those of
 * docs/connection-process.md: creation and joining steps 1–11, then connection steps 1–13.
 */

/** The protocol version this module speaks; {@link HelloRequest.protocolVersion} must equal it. */
export const PROTOCOL_VERSION = 1;

/** Path of the signaling WebSocket on the session service's HTTP port. */
export const SIGNALING_PATH = '/v1/signaling';

/** Request codes (peer → service). Each request carries an `id`. */
export const RequestType = {
  /** {@link HelloRequest}: the first request; names the app and its version. */
  HELLO: 1,
  /** {@link CreateRequest}: create a session and enter it as its server (creation steps 2–5, docs/connection-process.md). */
  CREATE: 2,
  /** {@link JoinRequest}: join a session by name, optionally creating it (joining steps 2–5, docs/connection-process.md). */
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
  /** {@link ReportAddressesRequest}: the peer's local and reflexive addresses (creation and joining step 11, docs/connection-process.md). */
  REPORT_ADDRESSES: 9,
  /** {@link ConnectedRequest}: a client reports that it connected to the server, by which path, how fast. */
  CONNECTED: 10,
  /** {@link KickRequest}: the session's server removes a member (Fusion's Disconnect(PlayerRef)), or refuses its connect request. */
  KICK: 11,
  /** {@link LobbySubscribeRequest}: subscribe to (or leave) the lobby's pushed list, {@link LobbyUpdateEvent}. */
  LOBBY_SUBSCRIBE: 12,
  /**
   * {@link RestoreRequest}: a host re-establishes its session on a cloud that lost it (a restart),
   * its clients held for their rejoins (docs/protocols.md, "Cloud loss and rejoin").
   */
  RESTORE: 13,
  /**
   * {@link AuthenticateRequest}: the next step of a multi-step custom authentication (the
   * provider's ResultCode 0), while the hello's `authStatus` is `continue` (docs/auth.md).
   */
  AUTHENTICATE: 14,
  /** {@link RpcRequest}: WebRPC — the cloud calls the game's backend (or an in-process handler) for this peer and returns its answer. */
  RPC: 15,
  /** {@link PathReportRequest}: a client's pair moved to another path (relay → direct, …): the operator's statistics. */
  PATH_REPORT: 16,
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
  /** {@link StartEvent}: start the runner, with STUN and relay settings (creation and joining step 6, docs/connection-process.md). */
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
  /** {@link RelayTicketEvent}: a fresh relay ticket before the current one expires (an SDK without it drops the frame). */
  RELAY_TICKET: 37,
  /** {@link KickedEvent}: the server removed this peer from the session (kicked, or its connect request refused). */
  KICKED: 39,
  /** {@link LobbyUpdateEvent}: the lobby list of a subscribed connection, after a lobby-visible change. */
  LOBBY_UPDATE: 38,
  /** {@link PluginEvent}: an event the session's plugin sent (only to peers that announced `plugin-events`). */
  PLUGIN_EVENT: 40,
  /** {@link HookErrorEvent}: a webhook of the session failed (Photon's ErrorInfo; only to peers that announced `webhook-errors`). */
  HOOK_ERROR: 41,
  /** {@link RelayChangedEvent}: the session moved to another relay (only to peers that announced `relay-changed`). */
  RELAY_CHANGED: 42,
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
  /** A cluster node is restarting, draining or fenced: the session lives on, reconnect at once (any node) and rejoin. */
  SERVICE_RESTART: 1012,
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
