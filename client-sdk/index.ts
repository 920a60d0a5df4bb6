// punchthrough: the SDK game developers import.
export {
  createNodeUdpSocketFactory,
  createRealClock,
  ManualClock,
  PunchthroughError,
  ErrorCodes,
  type Clock,
  type ErrorCode,
  type UdpSocket,
  type UdpSocketFactory,
  type UdpEndpoint,
} from '../src/runtime/index.js';
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
} from './stun/index.js';
// The SDK multiplexes STUN and game packets on one socket; this tells them apart.
export { looksLikeStun, type StunAddress } from '../stun-server/codec/index.js';
