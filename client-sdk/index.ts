// punchthrough: the SDK game developers import.
export {
  createNodeUdpSocketFactory,
  createRealClock,
  ManualClock,
  PunchthroughError,
  isPunchthroughError,
  ErrorCodes,
  PHOTON_CODES,
  type Clock,
  type ErrorCode,
  type UdpSocket,
  type UdpSocketFactory,
  type UdpEndpoint,
  natNameOf,
  type NatAxis,
  type NatReport,
} from '../core/index.js';
export {
  discoverNatBehavior,
  measureNat,
  natTypeOf,
  stunBinding,
  type NatBehavior,
  type NatBehaviorKind,
  type NatDiscoveryOptions,
  type NatMeasurement,
  type NatMeasureOptions,
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
  ConnectRequest,
  ConnectRequestDecision,
  ConnectRequestHandler,
  MessageEvent,
  NatTypeDiscoveredEvent,
  NetworkRunnerEvents,
  NetworkRunnerOptions,
  PathChangeReason,
  PathChangedEvent,
  PeerConnectedEvent,
  PeerDisconnectedEvent,
  PeerLeftReason,
  PlayerInactiveEvent,
  PlayerInfo,
  PlayerJoinedEvent,
  PlayerLeftEvent,
  PluginEventArgs,
  WebhookErrorArgs,
  ProgressEvent,
  ProgressFlow,
  Properties,
  PropertyValue,
  RelayErrorEvent,
  RelayChangedEvent,
  ReliableCounters,
  SendOptions,
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
  RunnerWarningCode,
  WarningEvent,
} from './types.js';
// Sessions and lobby (Fusion's SessionInfo, SessionLobby, OnSessionListUpdated).
export type {
  ListSessionsOptions,
  LobbyOptions,
  SessionInfo,
  SessionListUpdatedEvent,
  SessionPropertiesChangedEvent,
  SessionsAndLobby,
  SetSessionPropertiesOptions,
  RpcAnswer,
  RpcOptions,
} from './types.js';
// Custom authentication (docs/auth.md).
export type { AuthContinueHandler, AuthData, AuthDataValue, Authenticated, RunnerAuth } from './types.js';
export type { NatType as ReportedNatType } from '../src/protocol/index.js';
export { DisconnectReason, MAX_DATA_BYTES, MAX_RELIABLE_MESSAGE_BYTES } from './constants.js';
export { CONNECT_REQUEST_TIMEOUT_MS, MAX_CONNECTION_TOKEN_BYTES, MAX_KICK_MESSAGE_CHARS } from './constants.js';
