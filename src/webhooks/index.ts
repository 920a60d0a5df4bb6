// Webhooks (notifications and gates to a game's backend): delivery verdicts and the outbox.
export { createOutbox, type DeadLetter, type Outbox, type OutboxEntry, type OutboxOptions } from './outbox.js';
export { retryAfterMs, verdict, WEBHOOK_MAX_AGE_MS, WEBHOOK_RETRY_SCHEDULE_MS, type AttemptOutcome, type Verdict } from './delivery.js';
