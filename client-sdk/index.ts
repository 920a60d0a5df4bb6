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
// The runner: server and client mode, seed 002's flows and connection process.
export { NetworkRunner, type RunnerDropCounters, type SignalingFrameCounters } from './runner.js';
export type {
  AttemptEvent,
  ConnectPath,
  MessageEvent,
  NetworkRunnerEvents,
  NetworkRunnerOptions,
  PathChangedEvent,
  PeerConnectedEvent,
  PeerDisconnectedEvent,
  ProgressEvent,
  ProgressFlow,
  Properties,
  PropertyValue,
  SessionClosedEvent,
  SignalingLostEvent,
  StartGameOptions,
  StartGameResult,
} from './types.js';
export type { NatType as ReportedNatType } from '../src/protocol/index.js';
export { DisconnectReason, MAX_DATA_BYTES } from './constants.js';
