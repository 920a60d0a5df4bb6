/** The SDK's event payloads: what `progress`, `attempt`, the peer, cloud, relay, shutdown and warning events carry. */
import type { ErrorCode, JsonValue, NatReport, UdpEndpoint } from '../core/index.js';
import type { ConnectPath, SessionCloseReason } from '../src/protocol/index.js';
import type { DisconnectReason } from './constants.js';
import type { PathChangeReason } from './peer/path-manager.js';

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

/** An event the session's plugin sent (PLUGIN_EVENT): its code and JSON data, checked and bounded by the SDK. */
export interface PluginEventArgs {
  /** 0–199, the plugin's own code. */
  code: number;
  data?: JsonValue;
}

/** A webhook of this runner's session failed (HOOK_ERROR, Photon's ErrorInfo; the app's `webhooks.errorInfo`). */
export interface WebhookErrorArgs {
  /** The webhook type, e.g. `peer.beforeJoin` or `peer.joined` (at most 64 characters). */
  hook: string;
  /** Why, one line (at most 256 characters). */
  message: string;
}

/** The cloud closed this runner's session; every connected peer got `peerDisconnected` (`sessionClosed`) first. */
export interface SessionClosedEvent {
  sessionId: string;
  /** The cloud's reason: `serverLeft`, `serverDropped`, `empty`, `shutdown` or `plugin` (the session's plugin closed it). */
  reason: SessionCloseReason;
}

export interface MessageEvent {
  peerId: string;
  data: Uint8Array;
  /** `true` for a message sent with `{ reliable: true }` (delivered once, in order); absent for an unreliable update. */
  reliable?: true;
}

/**
 * The relay path failed or reported an error. Attempts that would go through a relay nobody can
 * reach stay direct, and a pair already connected through the relay stops hearing its peer and
 * times out (or finds a direct path); this event says why, where the runner used to say nothing.
 */
/** The cloud moved this runner's session to another relay (its relay died or is draining); the runner binds there. */
export interface RelayChangedEvent {
  /** The new relay's UDP endpoint. */
  endpoint: UdpEndpoint;
  /** `failover`: the old relay stopped reporting; `drain`: it is being emptied. */
  reason: 'failover' | 'drain';
}

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
  | 'cloudTimeout'
  /** The session's plugin removed this runner (the message gives its reason). */
  | 'disconnectedByPluginLogic';

/** The runner stopped: emitted once, after its sockets and signaling are closed. */
export interface ShutdownEvent {
  reason: ShutdownReason;
  /** The error behind it, when an error ended the runner. */
  code?: ErrorCode;
  message: string;
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
