// Webhooks' configuration (per app; docs/webhooks.md). Notifications go out at least once from an
// outbox; gates (before create, before join) can refuse within a bounded budget.

/** Every webhook a session can cause. */
export type WebhookType =
  | 'session.beforeCreate'
  | 'peer.beforeJoin'
  | 'session.created'
  | 'peer.joined'
  | 'peer.connected'
  | 'session.propertiesChanged'
  | 'peer.left'
  | 'session.closed';

export interface WebhooksConfig {
  /** The backend's base URL; each type's path is appended. Photon's tags {AppId}, {AppVersion}, {Region} are filled in, URL-encoded. */
  baseUrl: string;
  /** A path per type (relative), or false to send none of that type. Defaults in docs/webhooks.md. */
  paths?: Partial<Record<WebhookType, string | false>>;
  /** Notifications sent. Default: every one but session.propertiesChanged and peer.connected. */
  events?: WebhookType[];
  /** Gates, asked before a create or a join, which may refuse it. Default: none. */
  gates?: { beforeCreate?: boolean; beforeJoin?: boolean };
  /** A gate that cannot be asked (down, slow, broken answer): refuse (HOOK_TIMEOUT) or let through. Default 'deny'. */
  onGateError?: 'deny' | 'allow';
  /** 'native' (ours), 'photon-v1.2' (Photon's field names), 'playfab' (photon-v1.2 with '_' for '/' in paths). Default 'native'. */
  format?: 'native' | 'photon-v1.2' | 'playfab';
  /** Standard Webhooks secrets (`whsec_…`); each signs every call. Required. */
  secrets: string[];
  /** Also send `X-SecretKey: <first secret>` and `X-Origin: Photon`, for backends written for Fusion's webhooks. Default false. */
  legacySecretHeader?: boolean;
  /** Photon's CustomHttpHeaders (checked at start: no framing, signing or x-punchthrough-* names). */
  customHeaders?: Record<string, string>;
  /** Put the member's auth cookie in its events. Default false. */
  sendAuthCookie?: boolean;
  /** session.propertiesChanged for every change ('always') or only those the server flags `forward` ('flagged'). Default 'flagged'. */
  propertiesForward?: 'flagged' | 'always';
  /** Tell a session's members (HOOK_ERROR event) when one of its notifications is dead-lettered (Photon's HasErrorInfo). Default false. */
  errorInfo?: boolean;
  /** 'session': one notification per session in flight, in order. 'none': any order, faster. Default 'session'. */
  ordering?: 'session' | 'none';
  /** Deadlines, ms: one gate attempt (default 2,000), one notification attempt (default 5,000). */
  timeouts?: { gateMs?: number; notificationMs?: number };
  /** Retry delays after each failed attempt, ms, and the age past which an event is dead-lettered. Defaults: 1 s … 30 min, 1 hour. */
  retry?: { scheduleMs?: number[]; maxAgeMs?: number };
  /** Notifications in flight for the app. Default 64. */
  maxInFlight?: number;
  /** Notifications held in the outbox; beyond it the oldest is dead-lettered. Default 100,000. */
  outboxCapacity?: number;
}
