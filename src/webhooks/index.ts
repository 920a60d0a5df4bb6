// Webhooks (notifications and gates to a game's backend): configuration, delivery verdicts and the outbox.
export type { WebhookType, WebhooksConfig } from './types.js';
export { validateWebhooksConfig } from './config.js';
export { createOutbox, type DeadLetter, type Outbox, type OutboxEntry, type OutboxOptions } from './outbox.js';
export { retryAfterMs, verdict, WEBHOOK_MAX_AGE_MS, WEBHOOK_RETRY_SCHEDULE_MS, type AttemptOutcome, type Verdict } from './delivery.js';
export { createWebhookGates, finalRefusal, type WebhookGates, type WebhookGatesOptions } from './gates.js';
export { withWebhookGates } from './gates-chain.js';
export { readGateAnswer, type GateResponse, type GateVerdict } from './gate-answer.js';
export { hookErrorFor, hookErrorReporter, type DeadLetterNote } from './hook-error.js';
export { type DeadLetterView, type DeliveryRecord } from './delivery-log.js';
export { createWebhookDispatcher, type WebhookDispatcher, type WebhookDispatcherOptions } from './dispatcher.js';
export { NOTIFICATION_TYPES, DEFAULT_WEBHOOK_PATHS, type NotificationType } from './constants.js';
export { PHOTON_LEAVE, type WebhookLeaveReason } from './notifications.js';
