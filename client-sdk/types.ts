/** The public shapes of the SDK: runner options, startGame arguments and results, events. */
import type { Clock, ErrorCode, Logger, UdpEndpoint, UdpSocketFactory } from '../core/index.js';
import type { Properties, SessionCloseReason } from '../src/protocol/index.js';
import type { ConnectPath } from '../src/protocol/index.js';
import type { DisconnectReason } from './constants.js';
import type { PathChangeReason } from './peer/path-manager.js';
import type { SignalingConnector } from './signaling.js';

export type { ConnectPath } from '../src/protocol/index.js';
export type { NatType, Properties, PropertyValue } from '../src/protocol/index.js';

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
   * Run RFC 5780 NAT behaviour discovery (mapping and filtering tests) at start instead of a
   * single Binding request, when the STUN server has an alternate address or port: `natType`
   * is then measured and reported to the cloud. Costs up to a few seconds of start time behind
   * filtering NATs (unanswered probes wait out their timeout). Default false.
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
  /** `server` creates and hosts the session; `client` joins one and connects to its server. */
  mode: 'server' | 'client';
  /**
   * Server: the session's name (default: the cloud generates one; a taken name fails with
   * SESSION_EXISTS). Client: the session to join (default: join at random with `filter`).
   */
  sessionName?: string;
  /** Server: the session's custom properties; all of them are visible in the lobby. */
  sessionProperties?: Properties;
  /** Server: players allowed, server included. Default: the cloud's. */
  maxPlayers?: number;
  /** Client, random join: every key/value must match the session's lobby properties. */
  filter?: Properties;
  /** Server: listed in the lobby and found by random joins. Default true. */
  visible?: boolean;
  /** Server: accepts new players. Default true. */
  open?: boolean;
}

export interface StartGameResult {
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
}
