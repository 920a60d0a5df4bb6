// The runtime primitives every folder builds on. Importable from any folder.
export { createRealClock, ManualClock, flushAsync, type Clock, type TimerHandle } from './clock.js';
export {
  createNodeUdpSocketFactory,
  endpointKey,
  formatEndpoint,
  parseEndpoint,
  type Endpoint,
  type UdpBindOptions,
  type UdpEndpoint,
  type UdpMessageHandler,
  type UdpSocket,
  type UdpSocketFactory,
} from './udp.js';
export { createLogger, createSilentLogger, type Logger, type LoggerFactoryOptions } from './logger.js';
export {
  ErrorCodes,
  PHOTON_CODES,
  PunchthroughError,
  errorFromWire,
  isErrorCode,
  isPunchthroughError,
  ok,
  err,
  type ErrorCode,
  type ErrorDetail,
  type PunchthroughErrorOptions,
  type Result,
} from './errors.js';
export {
  canTake,
  fullBucket,
  refill,
  takeTokens,
  tokensAt,
  type BucketRate,
  type TokenBucket,
} from './token-bucket.js';
export { createEnv, type Env, type RandomBytes } from './env.js';
export {
  CLASSIC_NAT_AXES,
  NAT_AXES,
  NAT_BEHAVIOR_KINDS,
  REPORTED_NAT_TYPES,
  natNameOf,
  natTypeOf,
  reportedNatType,
  type ClassicNatType,
  type NatAxis,
  type NatReport,
  type NatAxes,
  type NatBehaviorKind,
  type MeasuredNatType,
  type ReportedNatType,
} from './nat.js';
export { MAX_JSON_DEPTH, isJsonObject, parseBoundedJson, photonField, type JsonObject, type JsonValue } from './json.js';
export { checkIntegerOptions, MAX_TIMER_MS, PORT, POSITIVE, type IntegerRange, type NumericOptionKeys } from './options.js';
