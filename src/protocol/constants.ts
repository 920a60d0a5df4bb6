// Structural caps of the signaling wire that every decoder enforces, in both directions. They only
// bound work on hostile input; the session service's tunable limits (src/constants.ts) are stricter.

/** Longest string field (names, ids, app ids). Generous: real names are far shorter. */
export const PROTOCOL_MAX_STRING_CHARS = 256;
/** Longest property string value; a frame holds few of them anyway. */
export const PROTOCOL_MAX_PROPERTY_VALUE_CHARS = 4096;
/** Largest frame any SDK accepts (client-sdk's SIGNALING_MAX_FRAME_BYTES): the service never
 *  sends a bigger one, whatever its own options. */
export const PROTOCOL_MAX_FRAME_BYTES = 64 * 1024;
/** Largest lobby offset: paging deeper than this is scraping, not browsing. */
export const PROTOCOL_MAX_LIST_OFFSET = 100_000;
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
/** Deepest nesting of maps and arrays in a frame: the deepest message (a reply's session's peer
 *  list) nests 5; 8 leaves room and keeps hostile nesting (3,000 deep crashed the old decoder)
 *  far from any stack limit. */
export const PROTOCOL_MAX_DEPTH = 8;
/** Longest time value on the wire (TTLs, connect ms): one day, far beyond any real value. */
export const PROTOCOL_MAX_DURATION_MS = 86_400_000;
/** Largest hello `auth` value, bytes of UTF-8: a signed token (a JWT with a few claims is 0.5–2 KiB)
 *  with room to spare, and small enough that a pre-hello frame stays cheap to decode. */
export const PROTOCOL_MAX_AUTH_BYTES = 4096;

/** Longest WebRPC path with its query: 128 characters of path, '?', 512 of query (docs/webrpc.md). */
export const PROTOCOL_MAX_RPC_PATH_CHARS = 641;

/** Feature names a hello may announce: a handful exist; the cap keeps the set cheap to hold. */
export const PROTOCOL_MAX_FEATURES = 16;
/** Largest connection token a client hands its server in a join (Fusion caps its ConnectionToken at
 *  128 bytes): room for a signed ticket or a session key, small enough to relay with every address event. */
export const PROTOCOL_MAX_CONNECTION_TOKEN_BYTES = 128;
/** Longest message a kick (or a refused connect request) carries to the removed peer. */
export const PROTOCOL_MAX_KICK_MESSAGE_CHARS = 256;

/** Longest plugin name a create may ask for (CreateOptions.plugin). */
export const PROTOCOL_MAX_PLUGIN_NAME_CHARS = 64;

/** Highest PLUGIN_EVENT code (Photon's custom event codes stop below 200). */
export const PROTOCOL_MAX_PLUGIN_EVENT_CODE = 199;

/** Largest PLUGIN_EVENT `data`, encoded bytes: half a 16 KiB frame, so the event always fits. */
export const PROTOCOL_MAX_PLUGIN_EVENT_BYTES = 8 * 1024;

/** Deepest nesting of PLUGIN_EVENT `data` a peer accepts (bounded before it is walked). */
export const PROTOCOL_MAX_PLUGIN_EVENT_DEPTH = 16;

/** Longest `detail.reason` of an error reply (a plugin's own reason code). */
export const PROTOCOL_MAX_ERROR_REASON_CHARS = 64;

/** Longest HOOK_ERROR message, characters (Photon's ErrorInfo carries one short line). */
export const PROTOCOL_MAX_HOOK_ERROR_MESSAGE_CHARS = 256;
/** Longest id a restore hands back (session and peer ids the cloud made: 16 and 12 base64url
 *  characters); 64 leaves room for another cloud's longer ids. */
export const PROTOCOL_RESTORED_ID_CHARS = 64;

/** Most client parameters of a custom authentication (Photon's AuthParameters): a login needs a handful. */
export const PROTOCOL_MAX_AUTH_PARAMS = 16;
/** All auth parameters together, bytes: they become one query string, and 2 KiB passes every proxy. */
export const PROTOCOL_MAX_AUTH_PARAMS_BYTES = 2048;
/** Longest auth parameter value: a password, an OAuth code or a platform ticket fits. */
export const PROTOCOL_MAX_AUTH_PARAM_CHARS = 512;
/** Largest auth `data` (and the provider's Data returned in authData), bytes of msgpack/JSON. */
export const PROTOCOL_MAX_AUTH_DATA_BYTES = 4096;
/** Deepest nesting inside auth `data` / `authData`: the reply nests it 3 deep in a frame of at most {@link PROTOCOL_MAX_DEPTH}. */
export const PROTOCOL_MAX_AUTH_DATA_DEPTH = 4;
/** Longest user id: the provider's UserId is capped at this too. */
export const PROTOCOL_MAX_USER_ID_CHARS = 128;
/** Longest nickname. */
export const PROTOCOL_MAX_NICKNAME_CHARS = 64;
/** Longest auth token: it seals the ≤ 4 KiB AuthCookie with the identity (base64url, ~6 KiB at most). */
export const PROTOCOL_MAX_AUTH_TOKEN_CHARS = 8192;

/** Longest relay `wsUrl` in a grant: a host name (253) plus scheme, port and path, with room. */
export const PROTOCOL_MAX_RELAY_WS_URL_CHARS = 512;
