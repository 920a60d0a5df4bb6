// The egress client: every outbound HTTP call to a game's backend (docs/egress.md).
export type { EgressClient, EgressFailure, EgressOptions, EgressPurpose, EgressRequest, EgressResult } from './types.js';
export { createEgressClient, type EgressClientWithMetrics } from './client.js';
export { validateEgressOptions, type EgressClientOptions, type EgressLookup } from './options.js';
export type { EgressMetrics } from './metrics.js';
export { generateWebhookSecret, isWebhookSecret } from './signing.js';
export { customHeadersProblem, isClientHeader, isRestrictedHeader } from './request-policy.js';
export * as egressDefaults from './constants.js';
export {
  checkBackendUrl,
  checkSecret,
  invalidOption,
  isPlainRecord,
  objectWithKeys,
  optionalBoolean,
  optionalInteger,
  optionalOneOf,
  stringList,
  type UrlPolicy,
} from './config-checks.js';
