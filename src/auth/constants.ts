// Defaults of custom authentication (docs/auth.md), with Photon's numbers for comparison.

/**
 * Deadline of one provider call, queueing included, ms. Photon waits 30 s plus 20 s in its queue,
 * far beyond any client's patience; the SDK gives a request 10 s, so 5 s leaves the refusal
 * (AUTH_UNAVAILABLE) time to arrive before the client gives up.
 */
export const DEFAULT_AUTH_TIMEOUT_MS = 5_000;
/** Largest timeout an operator may set: it must stay inside the SDK's 10 s request timeout with margin. */
export const MAX_AUTH_TIMEOUT_MS = 8_000;
/** Largest provider answer read, bytes. Photon caps at 1,000 B, too small for a Data payload; 16 KiB fits 4 KiB of Data and cookie. */
export const DEFAULT_AUTH_MAX_RESPONSE_BYTES = 16 * 1024;
/** The largest maxResponseBytes an operator may set (the answer is parsed in memory). */
export const MAX_AUTH_MAX_RESPONSE_BYTES = 256 * 1024;
/** Photon's RejectIfUnavailable default in our product: refuse when the provider is down (letting anyone in is the unsafe choice). */
export const DEFAULT_REJECT_IF_UNAVAILABLE = true;
/** Auth-token lifetime, ms: an hour covers a play session's reconnects; a longer one only widens a stolen token's use. */
export const DEFAULT_TOKEN_TTL_MS = 3_600_000;
/** Longest token lifetime an operator may set: a week. */
export const MAX_TOKEN_TTL_MS = 7 * 86_400_000;
/** Auth attempts per second per client address (credential stuffing), and the burst above it. */
export const DEFAULT_AUTH_ATTEMPTS_PER_SECOND = 10;
export const DEFAULT_AUTH_ATTEMPT_BURST = 20;
/** Addresses whose attempt buckets are remembered at once; beyond it the fullest (idle) ones are forgotten. */
export const MAX_TRACKED_AUTH_ADDRESSES = 10_000;
/** AUTHENTICATE steps per connection after the hello (Photon's multi-step auth has no cap; an endless one holds a slot). */
export const MAX_AUTH_STEPS = 5;
/** Auth refusals on one connection before it is closed (4001): retries with new values are allowed, guessing is not. */
export const MAX_AUTH_REFUSALS = 5;
/** Longest provider Message passed to the client. */
export const MAX_AUTH_MESSAGE_CHARS = 256;
/** Largest AuthCookie (JSON text) kept for plugins and webhooks. */
export const MAX_AUTH_COOKIE_BYTES = 4096;
/** Most static params and providers in a config. */
export const MAX_STATIC_PARAMS = 32;
export const MAX_AUTH_PROVIDERS = 4;
/** Most Standard Webhooks secrets per provider (rotation needs two). */
export const MAX_AUTH_SECRETS = 4;
/** Most token keys (rotation needs two or three). */
export const MAX_TOKEN_KEYS = 8;
/** Token key length, bytes (AES-256). */
export const TOKEN_KEY_BYTES = 32;
/** AES-GCM nonce length, bytes (the recommended 96 bits). */
export const TOKEN_IV_BYTES = 12;
/** Longest provider URL, characters. */
export const MAX_AUTH_URL_CHARS = 2048;
