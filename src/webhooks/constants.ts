// Defaults of webhook notifications (docs/webhooks.md), with their units and reasons.
import type { WebhookType } from './types.js';

/** Each type's path under the base URL (Photon's PathCreate, PathJoin, … as one tree). */
export const DEFAULT_WEBHOOK_PATHS: Readonly<Record<WebhookType, string>> = {
  'session.beforeCreate': 'session/before-create',
  'peer.beforeJoin': 'peer/before-join',
  'session.created': 'session/created',
  'peer.joined': 'peer/joined',
  'peer.connected': 'peer/connected',
  'session.propertiesChanged': 'session/properties',
  'peer.left': 'peer/left',
  'session.closed': 'session/closed',
};

/** The notification types (the gates are the other two). */
export const NOTIFICATION_TYPES = ['session.created', 'peer.joined', 'peer.connected', 'session.propertiesChanged', 'peer.left', 'session.closed'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Sent unless `events` says otherwise: property changes and connection paths are chatty, so opt-in. */
export const DEFAULT_NOTIFICATIONS: readonly NotificationType[] = ['session.created', 'peer.joined', 'peer.left', 'session.closed'];

/** One notification attempt's deadline, ms (a backend that needs longer is treated as down). */
export const DEFAULT_NOTIFICATION_TIMEOUT_MS = 5_000;
/** Notifications in flight per app (Photon's Fusion webhooks: 5,000 queued, serial per room). */
export const DEFAULT_WEBHOOK_MAX_IN_FLIGHT = 64;
/** Notifications held per app before the oldest is dead-lettered (~100 MB at 1 KiB each). */
export const DEFAULT_OUTBOX_CAPACITY = 100_000;
/** Dead letters kept per app for inspection and replay. */
export const MAX_DEAD_LETTERS = 1_000;
/** Delivery attempts kept for GET /v1/admin/deliveries (per service). */
export const DELIVERY_LOG_SIZE = 1_000;
/** Bytes of a backend's answer kept in the delivery log (the rest is read up to the cap and dropped). */
export const DELIVERY_LOG_ANSWER_BYTES = 512;
/** Bytes of a notification's answer read at all: the body is ignored, only the status counts. */
export const NOTIFICATION_MAX_RESPONSE_BYTES = 4_096;
/** Largest notification body, bytes (properties are ≤ 4 KiB already; the rest is bounded fields). */
export const NOTIFICATION_MAX_BODY_BYTES = 65_536;
/** Most delivery attempts one admin page returns. */
export const ADMIN_MAX_LIMIT = 1_000;
/** Default page of the admin listings. */
export const ADMIN_DEFAULT_LIMIT = 100;

/** Shortest gap between two `session.propertiesChanged` notifications of one session, ms: at most
 *  3 a second, Photon's rate for its PathEvent webhooks; changes in between merge into one. */
export const PROPERTIES_NOTIFICATION_GAP_MS = 334;
