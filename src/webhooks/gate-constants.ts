// Defaults and bounds of webhook gates (session.beforeCreate, peer.beforeJoin), with units and reasons.

/** One gate attempt's deadline, ms: two attempts fit the 4 s chain budget, and the SDK (10 s) always hears the answer. */
export const GATE_ATTEMPT_MS = 2_000;

/** The whole gate chain of one request (the app's plugin gate, then the webhook gate), ms: a client hears a stable code within 4 s. */
export const GATE_CHAIN_MS = 4_000;

/** An endpoint error is retried once only when at least this much of the chain budget remains, ms: a retry with less would only time out. */
export const GATE_MIN_RETRY_MS = 1_000;

/** Largest gate answer read, bytes (spec: 64 KiB): overrides with properties fit; more is an endpoint error. */
export const GATE_MAX_RESPONSE_BYTES = 64 * 1024;

/** Largest gate request body, bytes (spec: 64 KiB; properties are ≤ 4 KiB, so only a huge auth cookie comes near). */
export const GATE_MAX_REQUEST_BYTES = 64 * 1024;

/** Deepest JSON of a gate answer: overrides' properties are at most a few levels; deeper is an endpoint error. */
export const GATE_MAX_JSON_DEPTH = 16;

/** Longest message a refusal or a HOOK_ERROR carries, characters (Photon's messages are short lines). */
export const GATE_MAX_MESSAGE_CHARS = 256;

/** Default paths under the base URL (docs/webhooks.md, "Gates"). */
export const GATE_DEFAULT_PATHS = { 'session.beforeCreate': 'session/before-create', 'peer.beforeJoin': 'peer/before-join' } as const;
