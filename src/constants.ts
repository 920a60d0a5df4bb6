// Defaults of the cloud session service and the one-process cloud. Units in the names;
// the reason for each number beside it.

// ---- Signaling protocol: structural caps every decoder enforces (both directions). They only
// bound work on hostile input; the service's tunable limits (below) are stricter.

/** Longest string field (names, ids, app ids). Generous: real names are far shorter. */
export const PROTOCOL_MAX_STRING_CHARS = 256;
/** Longest property string value; a frame holds few of them anyway. */
export const PROTOCOL_MAX_PROPERTY_VALUE_CHARS = 4096;
/** Most entries in one property map or filter. */
export const PROTOCOL_MAX_PROPERTIES = 128;
/** Most local endpoints a peer reports (interfaces × families; real hosts have a handful). */
export const PROTOCOL_MAX_LOCAL_ENDPOINTS = 16;
/** Longest ticket or connect token (an HMAC plus its fields fits in 128 bytes). */
export const PROTOCOL_MAX_TOKEN_BYTES = 256;
/** Most members in a SessionInfo; bounded by max players. */
export const PROTOCOL_MAX_PEERS = 1024;
/** Most sessions in one lobby listing. */
export const PROTOCOL_MAX_LIST_SESSIONS = 1000;
/** Largest request id: a positive int32, so every msgpack implementation reads it exactly. */
export const PROTOCOL_MAX_REQUEST_ID = 2 ** 31 - 1;
/** Longest time value on the wire (TTLs, connect ms): one day, far beyond any real value. */
export const PROTOCOL_MAX_DURATION_MS = 86_400_000;

// ---- Session service defaults (each is an option of buildSessionService).

/** Largest signaling frame, bytes. A full SessionInfo with 64 players and properties fits in ~8 KiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024;
