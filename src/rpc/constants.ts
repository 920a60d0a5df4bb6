// Defaults of WebRPC. Units in the names; the reason for each number beside it.

/** Deadline of one backend call, ms: Photon's 30 s is beyond the SDK's 10 s request timeout, so a failure could never be told. */
export const DEFAULT_RPC_TIMEOUT_MS = 5_000;
/** Largest backend answer read, bytes: Photon caps at 100,000; a signaling frame (16 KiB) is the real limit of what reaches the client. */
export const DEFAULT_RPC_MAX_RESPONSE_BYTES = 65_536;
/** Calls per second per connection, and the burst: a game asks for a shop list or a reward now and then, not in a loop. */
export const DEFAULT_RPC_PER_CONNECTION = { perSecond: 5, burst: 10 } as const;
/** Calls in flight and per second for one app (Photon's HTTP queue runs 50 at once). */
export const DEFAULT_RPC_PER_APP = { maxInFlight: 50, perSecond: 500 } as const;
/** Longest backend deadline an operator may set, ms: below the SDK's 10 s request timeout, with room for the reply. */
export const MAX_RPC_TIMEOUT_MS = 8_000;
/** Largest answer an operator may allow, bytes (what reaches the client is capped by a frame anyway). */
export const MAX_RPC_RESPONSE_BYTES = 1024 * 1024;
/** Allowed-method entries per app. */
export const MAX_RPC_METHODS = 256;
/** Signing secrets per app (rotation needs two; a few more for overlap). */
export const MAX_RPC_SECRETS = 4;
