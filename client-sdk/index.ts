// punchthrough: the SDK game developers import.
export {
  createNodeUdpSocketFactory,
  createRealClock,
  ManualClock,
  PunchthroughError,
  isPunchthroughError,
  ErrorCodes,
  type Clock,
  type ErrorCode,
  type UdpSocket,
  type UdpSocketFactory,
  type UdpEndpoint,
} from '../core/index.js';
export {
  discoverNatBehavior,
  natTypeOf,
  stunBinding,
  type NatBehavior,
  type NatBehaviorKind,
  type NatDiscoveryOptions,
  type NatType,
  type StunBindingOptions,
  type StunBindingResult,
} from '../stun-server/client/index.js';
// The SDK multiplexes STUN and game packets on one socket; this tells them apart.
export { looksLikeStun, type StunAddress } from '../stun-server/codec/index.js';
// The runner: server and client mode, docs/connection-process.md's flows and connection process.
export { NetworkRunner } from './runner.js';
// Signaling a game can bring its own of (`NetworkRunnerOptions.signaling`), or wrap the default.
export { connectSignaling, type Signaling, type SignalingConnector, type SignalingOptions } from './signaling.js';
export type {
  AttemptEvent,
  ConnectPath,
  MessageEvent,
  NetworkRunnerEvents,
  NetworkRunnerOptions,
  PathChangeReason,
  PathChangedEvent,
  PeerConnectedEvent,
  PeerDisconnectedEvent,
  ProgressEvent,
  ProgressFlow,
  Properties,
  PropertyValue,
  RelayErrorEvent,
  ShutdownEvent,
  ShutdownReason,
  RunnerDropCounters,
  SessionClosedEvent,
  SignalingFrameCounters,
  SignalingLostEvent,
  CloudConnectionLostEvent,
  CloudConnectionRestoredEvent,
  CloudReconnectOptions,
  StartGameOptions,
  StartGameResult,
} from './types.js';
export type { NatType as ReportedNatType } from '../src/protocol/index.js';
export { DisconnectReason, MAX_DATA_BYTES } from './constants.js';
