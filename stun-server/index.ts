// punchthrough/stun: the RFC 8489 codec (pure) and the STUN server.
export * from './codec/index.js';
export * from './constants.js';
export {
  createStunServer,
  type StunListenOptions,
  type StunServer,
  type StunServerEndpoint,
  type StunServerOptions,
  type StunServerStats,
  type StunSlotRole,
} from './server.js';
export {
  STUN_DROP_REASONS,
  createStunResponder,
  type ResponderConfig,
  type SlotIndex,
  type StunDropReason,
  type StunOutcome,
  type StunResponder,
} from './responder.js';
export { SourceRateLimiter, type RateLimitOptions } from './rate-limit.js';
// The bucket is core's, the one every rate limit uses.
export { tokensAt, type BucketRate, type TokenBucket } from '../core/index.js';
