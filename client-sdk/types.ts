/** The public shapes of the SDK: runner options, startGame arguments and results, events. */
import type { Clock, ErrorCode, Logger, NatReport, UdpEndpoint, UdpSocketFactory } from '../core/index.js';
import type { PeerLeftReason, Properties, SessionCloseReason } from '../src/protocol/index.js';
import type { ConnectPath } from '../src/protocol/index.js';
import type { DisconnectReason } from './constants.js';
import type { PathChangeReason } from './peer/path-manager.js';
export type { ReliableCounters } from './peer/reliable/counters.js';
import type { SignalingConnector } from './signaling.js';

export type { ConnectPath } from '../src/protocol/index.js';
export type { NatType, PeerLeftReason, Properties, PropertyValue } from '../src/protocol/index.js';

export interface NetworkRunnerOptions {
  /** The cloud's session service: `http(s)://host:port` or the signaling `ws(s)://` URL. */
  cloudUrl: string;
  /** Your game's application id; sessions are partitioned by it. */
  appId: string;
  /** Your game's version: peers of different versions never meet. Default `'1'`. */
  appVersion?: string;
  /** Creates the game's UDP socket(s). Default: node:dgram. The virtual NAT network provides one. */
  socketFactory?: UdpSocketFactory;
  /** Time source for the connection schedule, keepalives and timeouts. Default: the real clock. */
  clock?: Clock;
  /** pino logger. Default: silent. */
  logger?: Logger;
  /** Connection attempts before a client gives up. Default 10 (docs/connection-process.md). */
  attemptsLimit?: number;
  /** Time between connection attempts, ms. Default 500 (docs/connection-process.md). */
  attemptIntervalMs?: number;
  /** Share of the attempts that go direct before the relay. Default 2/3 (attempts 0–5 of 10). */
  directFraction?: number;
  /**
   * Connect only through the relay: no direct attempts, no pings (Fusion's
   * DisableNATPunchthrough). Default false.
   */
  forceRelay?: boolean;
  /**
   * How the relay is scheduled against the direct attempts. `sequential` (default): the seed's
   * schedule, direct for attempts 0–5, then the relay. `race`: a connect through the relay goes
   * out with every attempt from attempt 0, beside the direct ones; the first path proven carries
   * the traffic and a direct accept takes over from the relay (`pathChanged`). A pair whose
   * reported NAT types rule direct out (`discoverNat` on both ends) skips the direct attempts.
   */
  connectPolicy?: 'sequential' | 'race';
  /**
   * Low-TTL priming: the first packet towards each new candidate goes out with IP TTL
   * `primeTtl`, opening this end's NAT without reaching the peer's, and full-TTL packets follow
   * 250 ms later (half an attempt interval at most), so the peer's early packet cannot steal the
   * port on a router that keeps state for unsolicited inbound. Default true.
   */
  lowTtlPriming?: boolean;
  /** IP TTL of a prime (1–255). Default 2: past the home router, not to the peer's. */
  primeTtl?: number;
  /** STUN servers as `ip:port`, tried in order. Default: the ones the cloud hands out; `[]` skips STUN. */
  stunServers?: readonly string[];
  /**
   * Measure this end's NAT (docs/sdk.md, "NAT type") after the start, from the start's own
   * Binding answer: mapping and filtering as far as the STUN server allows (an alternate port:
   * the port axis; an alternate address too: RFC 5780's full answer). It never delays the start:
   * the answer comes as `natTypeDiscovered` a few hundred ms to ~1.5 s later and is reported to
   * the cloud again. Default false (see DEFAULT_DISCOVER_NAT).
   */
  discoverNat?: boolean;
  /** Keepalive period on a connected path, ms. Default 2000. */
  keepaliveIntervalMs?: number;
  /** A connected peer silent this long is reported disconnected, ms. Default 10000. */
  peerTimeoutMs?: number;
  /**
   * Also open an IPv6 socket and use IPv6 candidates (global ones; link-local is skipped). An
   * IPv6 path often needs no hole punching at all. Default true, except when `bindAddress` names
   * one IPv4 address and `bindAddress6` is not given (a runner pinned to one interface stays on
   * it). A failed IPv6 bind leaves the runner on IPv4.
   */
  ipv6?: boolean;
  /** Address the IPv4 game socket binds. Default `0.0.0.0` (all interfaces). */
  bindAddress?: string;
  /** Address the IPv6 game socket binds when `ipv6` is on. Default `::`. */
  bindAddress6?: string;
  /** Port of the IPv4 game socket. Default 0 (any free port). */
  port?: number;
  /**
   * Where local candidate addresses come from (host IPs; the socket's port is added). Default:
   * the bound address when the socket is bound to one, else the machine's non-internal
   * interfaces (IPv4, and IPv6 when enabled).
   */
  localAddresses?: () => readonly string[];
  /** Opening the signaling connection gives up after this long, ms. Default 10000. */
  cloudConnectTimeoutMs?: number;
  /** Each signaling request (and the cloud's start) must arrive within this time, ms. Default 10000. */
  requestTimeoutMs?: number;
  /**
   * Brings your own signaling (as Valve's GameNetworkingSockets lets a game do): a function that
   * opens a connection to something that speaks the signaling protocol's requests and events
   * (`punchthrough/cloud`'s session service, a proxy in front of it, your backend, or an
   * in-memory pair in tests) and resolves once its hello is answered. The runner calls it once
   * per `startGame` with the resolved {@link SignalingOptions} (`cloudUrl` as `url`, `appId`,
   * `appVersion`, clock, logger and the two timeouts) and then only uses the returned
   * {@link Signaling}: `request` for create/join, addresses, `connected` and leave; `onEvent` for
   * the cloud's start, peer addresses, peer left and session closed; `onClose` for a lost
   * connection; `close` at shutdown. A connector must reject with a PunchthroughError (e.g.
   * CLOUD_UNREACHABLE) rather than throw, and should validate what it receives: the runner
   * trusts a resolved `Signaling` as much as the WebSocket one. Wrap the default
   * `connectSignaling` to add headers, logging or counters. Default: the WebSocket connection
   * to `cloudUrl`.
   */
  signaling?: SignalingConnector;
  /**
   * Server mode: decides whether a client may connect (Fusion's OnConnectRequest), called once
   * per client when its addresses arrive, before any packet goes to it, with the client's
   * `connectionToken`. Return (or resolve) true to accept, false or `{ accept: false, reason }`
   * to refuse: the cloud removes the client, whose startGame rejects with CONNECT_REFUSED
   * carrying `reason`. A callback that throws, rejects or takes longer than
   * CONNECT_REQUEST_TIMEOUT_MS refuses (logged). Default: every client is accepted.
   */
  onConnectRequest?: ConnectRequestHandler;
  /**
   * What the runner does when its signaling connection drops once running (docs/sdk.md, "Cloud
   * connection loss"): reconnect with backoff and rejoin, or restore the session as its host.
   */
  cloudReconnect?: CloudReconnectOptions;
}

/** Reconnecting to a lost cloud ({@link NetworkRunnerOptions.cloudReconnect}). */
export interface CloudReconnectOptions {
  /** Reconnect at all. Default true; false keeps the old behaviour (`signalingLost`, peers carry on, no cloud). */
  enabled?: boolean;
  /** First wait before a reconnect, ms; doubles per failed try, each drawn between half and all. Default 250. */
  initialDelayMs?: number;
  /** Longest wait between reconnects, ms. Default 2000. */
  maxDelayMs?: number;
  /** Without the cloud this long, the runner shuts down with reason `cloudTimeout`, ms. Default 120000. */
  timeoutMs?: number;
  /** A client whose session the cloud lost waits this long for its host to restore it, ms; then `gameClosed`. Default 30000. */
  restoreWaitMs?: number;
}

export interface StartGameOptions {
  /**
   * `server` creates and hosts the session; `client` joins one and connects to its server;
   * `autoHostOrClient` (Fusion's GameMode.AutoHostOrClient) joins the named session, or with no
   * name a random match of `filter`, and creates and hosts it when there is none. The cloud does
   * that atomically: of two runners starting at once one hosts and the other joins.
   * `StartGameResult.mode` says which it became; the server options apply when it hosts.
   */
  mode: 'server' | 'client' | 'autoHostOrClient';
  /**
   * Server: the session's name (default: the cloud generates one; a taken name fails with
   * SESSION_EXISTS). Client: the session to join (default: join at random with `filter`).
   * autoHostOrClient: the session to join or create (default: a random match, or a new session).
   */
  sessionName?: string;
  /** Server: the session's custom properties; all of them are visible in the lobby. */
  sessionProperties?: Properties;
  /** Server: players allowed, server included. Default: the cloud's. */
  maxPlayers?: number;
  /**
   * Client and autoHostOrClient, random join: every key/value must equal the session's lobby
   * property, typed (5 is not "5"). A session autoHostOrClient creates carries the filter's entries.
   */
  filter?: Properties;
  /** Server: listed in the lobby and found by random joins. Default true. */
  visible?: boolean;
  /** Server: accepts new players. Default true. */
  open?: boolean;
  /**
   * Client: bytes for the server's `onConnectRequest` (Fusion's ConnectionToken), at most
   * MAX_CONNECTION_TOKEN_BYTES (128); only the session's server receives them.
   */
  connectionToken?: Uint8Array;
}

export interface StartGameResult {
  /** What this runner became (with `autoHostOrClient`, whether it hosts or joined). */
  mode: 'server' | 'client';
  sessionName: string;
  sessionId: string;
  /** This runner's actor number in the session. */
  actor: number;
  /** This runner's peer id in the session. */
  peerId: string;
  /** Local candidates reported to the cloud. */
  local: UdpEndpoint[];
  /** The address the STUN server saw, when it answered. */
  reflexive: UdpEndpoint | undefined;
  /** Client mode: the connection to the server. */
  server?: PeerConnectedEvent;
}

/** Which flow of docs/connection-process.md a progress step belongs to: creation, joining or connection. */
export type ProgressFlow = 'create' | 'join' | 'connect';

export interface ProgressEvent {
  flow: ProgressFlow;
  /** The step's number within the flow, as docs/connection-process.md numbers it. */
  step: number;
  /** The step's name (`CREATE_STEPS`, `JOIN_STEPS`, `CONNECT_STEPS` in client-sdk/steps.ts). */
  name: string;
  /** `clock.now()` when the step happened, ms. */
  atMs: number;
  /** Since `startGame` was called, ms. */
  sinceStartMs: number;
  /** Connect-flow steps: the other peer. */
  peerId?: string;
  /** Step-specific detail (addresses, error code). */
  detail?: Record<string, unknown>;
}

export interface AttemptEvent {
  /** The server's peer id. */
  peerId: string;
  /** Attempt number, from 0. */
  n: number;
  path: ConnectPath;
  /** Since the client received the server's addresses, ms. */
  ms: number;
}

export interface PeerConnectedEvent {
  peerId: string;
  actor: number;
  path: ConnectPath;
  /** The peer's endpoint (direct), or the relay's endpoint (relay). */
  remote: UdpEndpoint;
  /** Round-trip time measured by the handshake (client side); undefined until a keepalive measures it on the server side. */
  rttMs: number | undefined;
  /** The attempt the accept answered. */
  attempt: number;
  /** Since the addresses were exchanged (client: received the server's; server: received the client's), ms. */
  ms: number;
  /** Since `startGame`, ms. */
  sinceStartMs: number;
}

export type { PathChangeReason };

export interface PathChangedEvent {
  peerId: string;
  /** The path now carrying traffic. */
  path: ConnectPath;
  /** The peer's endpoint (direct), or the relay's endpoint (relay). */
  remote: UdpEndpoint;
  /** The path it left. */
  from: ConnectPath;
  /** The endpoint it left (the peer's, or the relay's). */
  previousRemote: UdpEndpoint;
  reason: PathChangeReason;
}

export interface PeerDisconnectedEvent {
  peerId: string;
  reason: DisconnectReason;
}

/**
 * The signaling connection to the cloud ended once the runner was running: after startGame
 * resolved, or while a client is already trying to connect to its server (before then, startGame
 * rejects with the same error). Connected peers carry on; no new peers can arrive.
 */
export interface SignalingLostEvent {
  /** `CLOUD_UNREACHABLE` (closed, failed, or a frame the SDK could not handle) or `FRAME_TOO_LARGE`. */
  code: ErrorCode;
  message: string;
}

/**
 * The signaling connection to the cloud was lost once running (Fusion's CloudConnectionLost).
 * Game connections carry on; with `reconnecting` the runner is coming back on its own.
 */
export interface CloudConnectionLostEvent {
  /** What ended the connection (the close, the failure). */
  reason: string;
  /** `CLOUD_UNREACHABLE` or `FRAME_TOO_LARGE`. */
  code: ErrorCode;
  /** Whether the runner reconnects (`cloudReconnect.enabled` and in a session). */
  reconnecting: boolean;
}

/** The runner is back on the cloud after a `cloudConnectionLost`. */
export interface CloudConnectionRestoredEvent {
  /**
   * `resumed`: the cloud still held this runner (within its reconnect grace), nobody noticed;
   * `rejoined`: it came back as the same actor after the grace; `restored`: a host re-established
   * its session on a cloud that had lost it.
   */
  how: 'resumed' | 'rejoined' | 'restored';
  /** The session's id now (a restore keeps it unless another session took it). */
  sessionId: string;
  actor: number;
}

/** The cloud closed this runner's session; every connected peer got `peerDisconnected` (`sessionClosed`) first. */
export interface SessionClosedEvent {
  sessionId: string;
  /** The cloud's reason: `serverLeft`, `serverDropped`, `empty` or `shutdown`. */
  reason: SessionCloseReason;
}

export interface MessageEvent {
  peerId: string;
  data: Uint8Array;
  /** `true` for a message sent with `{ reliable: true }` (delivered once, in order); absent for an unreliable update. */
  reliable?: true;
}

/** How `send` and `broadcast` carry a message. */
export interface SendOptions {
  /**
   * Reliable and ordered (docs/sdk.md, "Reliable messages"): up to MAX_RELIABLE_MESSAGE_BYTES,
   * retransmitted until acknowledged, delivered once and in order. Default false: one unreliable
   * datagram of at most MAX_DATA_BYTES.
   */
  reliable?: boolean;
}

/**
 * The relay path failed or reported an error. Attempts that would go through a relay nobody can
 * reach stay direct, and a pair already connected through the relay stops hearing its peer and
 * times out (or finds a direct path); this event says why, where the runner used to say nothing.
 */
export interface RelayErrorEvent {
  /**
   * Why: the bind's rejection at start or on a rebind (`RELAY_TIMEOUT`, `TICKET_INVALID`,
   * `TICKET_EXPIRED`, `TICKET_REVOKED` when the session closed or this peer left, `RELAY_FULL`,
   * `SESSION_FULL`, `UNSUPPORTED_VERSION`), or an error the relay reported while bound
   * (`PEER_NOT_BOUND`: the other peer has no relay binding).
   */
  code: ErrorCode;
  message: string;
  /** The other peer's actor when the relay named one (`PEER_NOT_BOUND`). */
  actor?: number;
  /** Whether the relay path still works (bound, or binding again); false once it is lost. */
  usable: boolean;
}

/** Datagrams the runner dropped, by reason ({@link NetworkRunner.drops}). */
export interface RunnerDropCounters {
  /** Not a peer packet (and not STUN or relay traffic). */
  notPeerPacket: number;
  /** A peer packet that failed to decode: too short, unknown type, wrong length, bad key. */
  malformed: number;
  /** Addressed to another actor, or from an actor this runner has no pair with. */
  unknownPeer: number;
  /** Failed authentication: forged, tampered with, or sealed with another pair's keys. */
  auth: number;
  /** A counter seen before or older than the replay window: a replay (or a duplicate). */
  replay: number;
  /** Authentic, but for a handshake the link is no longer in (an old link's connect, an unknown challenge). */
  stale: number;
  /**
   * Authentic, but from an endpoint no round trip has proven, where only a proven one may act:
   * a ping from outside the candidates, a probe's reply from another endpoint.
   */
  unproven: number;
}

/** Signaling frames the runner did not act on ({@link NetworkRunner.signalingFrames}). */
export interface SignalingFrameCounters {
  dropped: number;
  failed: number;
}

/**
 * Why a runner stopped (Fusion's ShutdownReason, camel-cased): `ok` when the game called
 * `shutdown()`; the others name what ended it.
 */
export type ShutdownReason =
  | 'ok'
  | 'error'
  | 'invalidArguments'
  | 'gameNotFound'
  | 'gameIsFull'
  | 'gameIdAlreadyExists'
  | 'gameClosed'
  | 'connectionTimeout'
  | 'connectionRefused'
  | 'kicked'
  | 'cloudTimeout';

/** The runner stopped: emitted once, after its sockets and signaling are closed. */
export interface ShutdownEvent {
  reason: ShutdownReason;
  /** The error behind it, when an error ended the runner. */
  code?: ErrorCode;
  message: string;
}

/** A member of this runner's session as the runner knows it ({@link NetworkRunner.players}). */
export interface PlayerInfo {
  actor: number;
  peerId: string;
  mode: 'server' | 'client';
  /** False while it is inactive (dropped; it may rejoin within the player TTL). */
  active: boolean;
  /** This runner (Fusion's LocalPlayer). */
  local: boolean;
}

/** A player entered the session after this runner, or came back (`rejoined`) within its player TTL (Fusion's OnPlayerJoined). */
export interface PlayerJoinedEvent {
  actor: number;
  peerId: string;
  mode: 'server' | 'client';
  rejoined: boolean;
}

/** A player dropped without leaving; it may rejoin within `expiresInMs`. */
export interface PlayerInactiveEvent {
  actor: number;
  peerId: string;
  expiresInMs: number;
}

/** A player is no longer in the session (Fusion's OnPlayerLeft). */
export interface PlayerLeftEvent {
  actor: number;
  peerId: string;
  /** The cloud's reason: `left`, `timeout` (its player TTL ran out), `kicked` or `connectRefused`. */
  reason: PeerLeftReason;
}

/** What a server's `onConnectRequest` is asked about (Fusion's NetworkRunnerCallbackArgs.ConnectRequest). */
export interface ConnectRequest {
  peerId: string;
  actor: number;
  /** The client's `connectionToken`; undefined when it sent none. */
  token: Uint8Array | undefined;
}

/** true (or `{ accept: true }`) accepts; false or `{ accept: false, reason }` refuses. */
export type ConnectRequestDecision = boolean | { accept: true } | { accept: false; reason?: string };

export type ConnectRequestHandler = (request: ConnectRequest) => ConnectRequestDecision | Promise<ConnectRequestDecision>;
/**
 * A session as the SDK shows it (Fusion's SessionInfo): in `runner.session` for the session this
 * runner is in, and in the lobby's lists, where `properties` holds only the lobby-visible ones.
 */
export interface SessionInfo {
  name: string;
  /** The cloud's id of the session (empty from a cloud that lists none). */
  id: string;
  properties: Properties;
  /** Members, server included (dropped ones within their player TTL too). */
  playerCount: number;
  maxPlayers: number;
  /** Accepts new players (always true in the lobby). */
  open: boolean;
  /** Listed in the lobby and found by random joins (always true in the lobby). */
  visible: boolean;
}

/** Which sessions `listSessions` returns. */
export interface ListSessionsOptions {
  /** Every key/value must equal a lobby-visible property, typed (5 is not "5"). */
  filter?: Properties;
  /** At most this many (the cloud caps it too, in count and bytes). */
  limit?: number;
  /** Skip this many matching sessions (the next page starts at offset + the length returned). */
  offset?: number;
}

/** Which sessions the lobby subscription pushes. */
export type LobbyOptions = Omit<ListSessionsOptions, 'offset'>;

/** The lobby's current list (Fusion's OnSessionListUpdated): the whole list, never a diff. */
export interface SessionListUpdatedEvent {
  sessions: SessionInfo[];
  /** More sessions match than the list holds (the cloud's list caps). */
  more: boolean;
}

/** The server changed the session's properties, open or visible; `runner.session` already shows it. */
export interface SessionPropertiesChangedEvent {
  /** The changed keys (null: deleted). */
  changed: Properties;
  /** The actor that changed them (the server's). */
  actor: number;
  session: SessionInfo;
}

/** Compare-and-set for `setSessionProperties`. */
export interface SetSessionPropertiesOptions {
  /** Applies only if each key has this value now (null: absent); else PROPERTIES_MISMATCH. */
  expected?: Properties;
}

/**
 * Sessions and lobby on the runner (Fusion's SessionInfo, SessionLobby, OnSessionListUpdated).
 * The lobby uses a signaling connection of its own, opened on first use and closed by
 * `leaveLobby()` or shutdown, so it works before `startGame` and beside a running game.
 */
export interface SessionsAndLobby {
  /** The session this runner is in, kept current from the cloud's events; undefined before the join. */
  readonly session: SessionInfo | undefined;
  /** One lobby page: open, visible sessions of this app id and version. Rejects with a coded error. */
  listSessions(options?: ListSessionsOptions): Promise<SessionInfo[]>;
  /**
   * Subscribes to the lobby: resolves with the first list, and `sessionListUpdated` brings the
   * whole list again (first list included) whenever something lobby-visible changes, at most a
   * few times per second. Joining again replaces the filter and limit.
   */
  joinLobby(options?: LobbyOptions): Promise<SessionInfo[]>;
  /** Ends the subscription and closes the lobby's connection. */
  leaveLobby(): Promise<void>;
  /**
   * Server: changes session properties (null deletes a key; every key is lobby-visible), with
   * `expected` as a compare-and-set. Rejects with PROPERTIES_MISMATCH, NOT_ALLOWED (not the
   * server), LIMIT_EXCEEDED (too large), NOT_IN_SESSION.
   */
  setSessionProperties(properties: Properties, options?: SetSessionPropertiesOptions): Promise<void>;
  /** Server: whether new players may join. */
  setSessionOpen(open: boolean): Promise<void>;
  /** Server: whether the session is listed in the lobby and found by random joins. */
  setSessionVisible(visible: boolean): Promise<void>;
}

/** Event name → listener arguments. */
export interface NetworkRunnerEvents {
  progress: [ProgressEvent];
  attempt: [AttemptEvent];
  peerConnected: [PeerConnectedEvent];
  pathChanged: [PathChangedEvent];
  peerDisconnected: [PeerDisconnectedEvent];
  message: [MessageEvent];
  /** Superseded by `cloudConnectionLost` (still emitted, just before it). */
  signalingLost: [SignalingLostEvent];
  cloudConnectionLost: [CloudConnectionLostEvent];
  cloudConnectionRestored: [CloudConnectionRestoredEvent];
  sessionClosed: [SessionClosedEvent];
  relayError: [RelayErrorEvent];
  shutdown: [ShutdownEvent];
  playerJoined: [PlayerJoinedEvent];
  playerInactive: [PlayerInactiveEvent];
  playerLeft: [PlayerLeftEvent];
  sessionListUpdated: [SessionListUpdatedEvent];
  sessionPropertiesChanged: [SessionPropertiesChangedEvent];
  natTypeDiscovered: [NatTypeDiscoveredEvent];
  warning: [WarningEvent];
}

/**
 * This end's NAT as discovery measured it (docs/sdk.md, "NAT type"): the familiar name (`natType`,
 * also `runner.natType` from now on) and what is known of each RFC 4787 axis: one of
 * `endpoint-independent`, `address-dependent`, `address-and-port-dependent`, `not-port-dependent`
 * (the STUN server has one address: endpoint-independent or address-dependent), `unknown`.
 */
export type NatTypeDiscoveredEvent = NatReport;

/** Why a `warning` was emitted. `NO_REFLEXIVE_ADDRESS`: STUN gave no server-reflexive address. */
export type RunnerWarningCode = 'NO_REFLEXIVE_ADDRESS';

/** Something the game can act on went wrong without failing the start (`code` is stable). */
export interface WarningEvent {
  code: RunnerWarningCode;
  message: string;
}
