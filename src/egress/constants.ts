// Defaults and limits of the egress client, with units in the names and the reason for each
// number beside it; the label sets of its metrics (bounded by construction).

/** Requests in flight per origin: enough for a burst of logins, few enough not to flatten a
 *  small backend (Photon's default HttpQueue concurrency is of the same order). */
export const DEFAULT_MAX_CONCURRENT_PER_ORIGIN = 64;
/** Requests waiting per origin beyond those: a join storm of a few thousand peers queues
 *  instead of failing; more than that is an overload the caller should see (`queueFull`). */
export const DEFAULT_MAX_QUEUED_PER_ORIGIN = 5_000;
/** Consecutive transport failures or 5xx answers that open an origin's breaker: 20 rides out a
 *  few lost requests yet stops hammering a backend that is down within a second of traffic. */
export const DEFAULT_BREAKER_FAILURES = 20;
/** How long an open breaker fails calls at once before one probe goes through, ms: long enough
 *  for a restarting backend to come back, short enough that players wait seconds, not minutes. */
export const DEFAULT_BREAKER_OPEN_MS = 10_000;

/** Longest any one call may take, ms, whatever its deadline says: a backend call is on some
 *  player's path (auth, a plugin, a gate), and timers beyond 2^31 ms would fire at once. */
export const MAX_CALL_MS = 120_000;

/** Most custom headers an operator may configure for one backend (Photon allows a handful too). */
export const MAX_CUSTOM_HEADERS = 16;
/** Addresses of one name the socket may try in turn (all are checked first): a dual-stack name
 *  has two or four; more only spreads one call's deadline over dead addresses. */
export const MAX_CONNECT_ADDRESSES = 8;

/** Most extra headers one request may carry: the operator's custom ones plus the few the product
 *  adds itself (content-type, x-punchthrough-event, idempotency-key, …). */
export const MAX_REQUEST_HEADERS = 32;
/** Longest value of an extra header, characters (Photon's per-value limit on app settings). */
export const MAX_HEADER_VALUE_CHARS = 1024;
/** Longest `webhook-id`, characters: ids are short event ids; a bound keeps headers small. */
export const MAX_WEBHOOK_ID_CHARS = 256;
/** Most signing secrets per call: the current one and one or two being rotated out. */
export const MAX_SIGNING_SECRETS = 4;
/** Random bytes in a new `whsec_` secret (Standard Webhooks asks for 24 to 64). */
export const WEBHOOK_SECRET_BYTES = 32;
/** Fewest key bytes a configured secret may decode to: below 16 an HMAC key is guessable. */
export const MIN_WEBHOOK_SECRET_BYTES = 16;
/** Most decoded key bytes (Standard Webhooks' upper bound). */
export const MAX_WEBHOOK_SECRET_BYTES = 64;
/** Longest URL accepted, characters: backend URLs are short; a bound keeps logs and lines sane. */
export const MAX_URL_CHARS = 2048;
/** Origins with state (queue or breaker) kept at once; idle ones are forgotten as soon as they
 *  are idle, so this bounds only hostile spreads of URLs (a plugin calling many hosts). */
export const MAX_TRACKED_ORIGINS = 10_000;

/** Duration histogram buckets, seconds: from a LAN backend (5 ms) to the longest deadline (10 s). */
export const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Headers no caller may set: the client owns framing, identity and signing, and hop-by-hop
 *  headers would change how the connection behaves (or smuggle a second request). */
export const CLIENT_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'proxy-authorization',
  'proxy-connection',
  'user-agent',
  'x-punchthrough-node',
]);
/** Header name prefixes no caller may set: the signature's. */
export const CLIENT_HEADER_PREFIXES: readonly string[] = ['webhook-'];
/** What an operator's configured custom headers may not set besides those: the body's type and
 *  the product's own `x-punchthrough-*` headers, which a backend must be able to trust. */
export const OPERATOR_RESTRICTED_HEADERS: ReadonlySet<string> = new Set(['content-type']);
export const OPERATOR_RESTRICTED_HEADER_PREFIXES: readonly string[] = ['x-punchthrough-'];

/** Why an address or a request was refused: the `reason` label of the blocked counter. */
export const BLOCK_REASONS = [
  'loopback',
  'private',
  'linkLocal',
  'metadata',
  'cgnat',
  'uniqueLocal',
  'multicast',
  'unspecified',
  'broadcast',
  'documentation',
  'reserved',
  'scheme',
  'userinfo',
  'url',
  'header',
  'secret',
  'redirect',
] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];

/** The `outcome` label: an HTTP status class for answers, else the failure. */
export const OUTCOMES = [
  '2xx',
  '4xx',
  '5xx',
  'other',
  'blocked',
  'dns',
  'connect',
  'tls',
  'timeout',
  'tooLarge',
  'redirect',
  'circuitOpen',
  'queueFull',
  'aborted',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Origin + vetted-address pairs that keep idle connections: a cloud calls a handful of backends
 *  (auth, webhooks, WebRPC); the oldest pool beyond this closes its sockets. */
export const MAX_KEEPALIVE_POOLS = 64;
/** Idle connections kept per pool: a notification burst reuses them instead of a TCP (and TLS)
 *  handshake each; more idle sockets than this serve no burst a backend would welcome. */
export const MAX_IDLE_SOCKETS_PER_POOL = 16;
/** How long an idle connection is kept, ms: under Node's and nginx's default keep-alive (5 s and
 *  75 s), so the backend rarely closes a socket just as we reuse it. */
export const KEEPALIVE_IDLE_MS = 4_000;
