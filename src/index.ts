// punchthrough/cloud: the session service, the one-process cloud, and the shared runtime.
export * from '../core/index.js';
export * from './protocol/index.js';
export {
  buildSessionService,
  type SessionService,
} from './session/service.js';
export type { RelayTicketIssuer, SessionServiceOptions } from './session/options.js';
export {
  createMemorySessionStore,
  type SessionStore,
  type StoredSession,
  type WriteOutcome,
} from './session/store.js';
export { matchesQuery, type SessionQuery } from './session/views.js';
export type { Session, Member, MemberAddresses } from './session/model.js';
export type {
  SessionEvent,
  SessionCreated,
  MemberJoined,
  MemberInactive,
  MemberLeft,
  PropertiesChanged,
  SessionClosed,
} from './session/domain-events.js';
export {
  noHooks,
  type SessionHooks,
  type HelloContext,
  type Identity,
  type CallerContext,
  type CreateContext,
  type JoinContext,
  type ChangeContext,
} from './session/hooks.js';
export {
  createLocalEventBus,
  createLocalDeadlines,
  type EventBus,
  type EventSink,
  type DeadlineScheduler,
} from './session/presence.js';
export type { PeerSocket, PeerConnection } from './session/gateway.js';
export type { SessionMetrics } from './session/metrics.js';
export { createCloud, type Cloud, type CloudWithExternalRelay, type CloudWithoutEmbeddedRelay } from './cloud/create-cloud.js';
export { proxyMatcher } from './session/http-limits.js';
export * as cloudDefaults from './constants.js';
export type { CloudOptions, ExternalRelayOptions } from './cloud/options.js';
export { appExtensions, validateApps, type AppExtensions, type AppsConfig } from './session/apps.js';
export * from './auth/index.js';
export * from './plugins/index.js';
export * from './egress/index.js';
export * from './rpc/index.js';
