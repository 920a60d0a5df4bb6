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
