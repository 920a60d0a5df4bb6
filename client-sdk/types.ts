/**
 * The public shapes of the SDK: runner options, startGame arguments and results, send options,
 * counters and the event map. Event payloads live in types-events.ts; sessions, lobby, players
 * and connect requests in types-session.ts. Both are re-exported here, so `./types.js` names
 * every public shape, as it did before they were split off.
 */
import type { Clock, Logger, UdpEndpoint, UdpSocketFactory } from '../core/index.js';
import type { Properties } from '../src/protocol/index.js';
import type { SignalingConnector } from './signaling.js';
import type { AuthContinueHandler, Authenticated, RunnerAuth } from './auth-session.js';
import type {
  AttemptEvent,
  CloudConnectionLostEvent,
  CloudConnectionRestoredEvent,
  MessageEvent,
  NatTypeDiscoveredEvent,
  PathChangedEvent,
  PeerConnectedEvent,
  PeerDisconnectedEvent,
  PluginEventArgs,
  WebhookErrorArgs,
  ProgressEvent,
  RelayErrorEvent,
  RelayChangedEvent,
  SessionClosedEvent,
  ShutdownEvent,
  SignalingLostEvent,
  WarningEvent,
} from './types-events.js';
import type {
  ConnectRequestHandler,
  PlayerInactiveEvent,
  PlayerJoinedEvent,
  PlayerLeftEvent,
  SessionListUpdatedEvent,
  SessionPropertiesChangedEvent,
} from './types-session.js';

export type * from './types-events.js';
export type * from './types-session.js';
export type { ReliableCounters } from './peer/reliable/counters.js';
export type { ConnectPath } from '../src/protocol/index.js';
export type { AuthContinueHandler, Authenticated, RunnerAuth } from './auth-session.js';
export type { AuthData, AuthDataValue } from '../src/protocol/index.js';
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
  /**
   * How the relay path reaches the relay. `auto` (default): UDP on the game socket; when the
   * relay does not answer the UDP bind in time and the cloud's grant names a WebSocket
   * (`wsUrl`), the same frames go over that WebSocket once and for the rest of the session (a
   * network that drops UDP still plays). `websocket`: the WebSocket from the start (UDP if the
   * grant names none). `udp`: never the WebSocket. Direct paths are UDP whatever this says.
   */
  relayTransport?: 'auto' | 'udp' | 'websocket';
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
  /**
   * Credentials for the app's custom authentication (docs/auth.md): `params` go to the auth
   * provider as a query string, `data` as a JSON body. The runner keeps the auth token the cloud
   * returns and presents it when it reconnects or rejoins, so the provider is called once.
   */
  auth?: RunnerAuth;
  /** The provider asked for another step (its ResultCode 0, e.g. a one-time code): resolve with the next values. */
  onAuthContinue?: AuthContinueHandler;
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
  /** Who the cloud says this runner is, when the app has custom authentication. */
  authenticated?: Authenticated;
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
  /** The session moved to another relay (RELAY_CHANGED): the relay path resumes there once bound. */
  relayChanged: [RelayChangedEvent];
  shutdown: [ShutdownEvent];
  playerJoined: [PlayerJoinedEvent];
  playerInactive: [PlayerInactiveEvent];
  playerLeft: [PlayerLeftEvent];
  sessionListUpdated: [SessionListUpdatedEvent];
  sessionPropertiesChanged: [SessionPropertiesChangedEvent];
  natTypeDiscovered: [NatTypeDiscoveredEvent];
  warning: [WarningEvent];
  /** The session's plugin sent this runner an event (docs/plugins.md). */
  pluginEvent: [PluginEventArgs];
  /** A webhook of the session failed (docs/sdk.md, "webhookError"). */
  webhookError: [WebhookErrorArgs];
}
