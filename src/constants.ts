// Defaults of the cloud session service and the one-process cloud. Units in the names;
// the reason for each number beside it.

// ---- Signaling protocol: structural caps every decoder enforces (both directions). They only
// bound work on hostile input; the service's tunable limits (below) are stricter.

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

// ---- Session service defaults (each is an option of buildSessionService).

/** Largest signaling frame, bytes. A full SessionInfo with 64 players and properties fits in ~8 KiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024;
/** Sessions one connection may create over its lifetime: bounds churn from a single socket. */
export const DEFAULT_MAX_SESSIONS_PER_CONNECTION = 32;
/** Encoded size of a session's custom properties, bytes: room for a few dozen lobby fields. */
export const DEFAULT_MAX_PROPERTIES_BYTES = 4 * 1024;
/** Sustained requests per second per connection: a game sends a handful per session start. */
export const DEFAULT_REQUESTS_PER_SECOND = 20;
/** Burst of requests allowed above the sustained rate (a start sends ~4 back to back). */
export const DEFAULT_REQUEST_BURST = 40;
/** Rate-limited or invalid requests before the connection is closed (4001): clearly hostile. */
export const DEFAULT_MAX_VIOLATIONS = 50;
/** Longest session name, characters (Photon room names are similar short strings). */
export const DEFAULT_MAX_NAME_CHARS = 64;
/** Session names: letters, marks, numbers, punctuation, symbols, spaces; no control characters. */
export const DEFAULT_NAME_PATTERN = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]+$/u;
/** Players per session when the creator gives none (server included). */
export const DEFAULT_MAX_PLAYERS = 16;
/** Largest maxPlayers a creator may ask for: a listen-server game rarely hosts more. */
export const DEFAULT_MAX_PLAYERS_LIMIT = 256;
/** Player TTL when the creator gives none: 0, as in Photon — a drop removes the peer at once. */
export const DEFAULT_PLAYER_TTL_MS = 0;
/** Longest player TTL a creator may ask for: 5 minutes keeps abandoned slots bounded. */
export const DEFAULT_MAX_PLAYER_TTL_MS = 300_000;
/** Empty-session TTL when the creator gives none: 0, as in Photon — closes when the last peer goes. */
export const DEFAULT_EMPTY_SESSION_TTL_MS = 0;
/** Longest empty-session TTL a creator may ask for: 5 minutes, like the player TTL. */
export const DEFAULT_MAX_EMPTY_SESSION_TTL_MS = 300_000;
/** WebSocket ping interval; a peer silent for two intervals is dead (detected within 20 s). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
/** Time a new signaling connection has to say hello, ms: the SDK sends it at once, so 10 s is
 *  generous for a slow link and still frees a silent connection's memory quickly. */
export const DEFAULT_HELLO_TIMEOUT_MS = 10_000;
/** Open signaling connections per service: an idle peer costs 10–15 KiB (npm run bench:session),
 *  so 20,000 stay near 300 MB. */
export const DEFAULT_MAX_CONNECTIONS = 20_000;
/** Open signaling connections from one IP address: many players may share one public address
 *  (carrier-grade NAT, a LAN party), so this only stops one host taking a large share. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;
/** Most sessions one lobby listing returns (WebSocket and HTTP); `offset` pages through more. */
export const DEFAULT_MAX_LIST_SESSIONS = 100;
/** Largest lobby reply, bytes of encoded entries: a 13-byte LIST once drew a 390 KiB reply;
 *  32 KiB holds ~100 entries with a few lobby fields and stays under every SDK's frame cap. */
export const DEFAULT_MAX_LIST_BYTES = 32 * 1024;
/** Largest frame before hello, bytes: a hello is ~60 B; room for an auth token later, and far
 *  below the 16 KiB that let a pre-hello frame of extensions cost 150 ms of CPU. */
export const DEFAULT_MAX_HELLO_FRAME_BYTES = 2 * 1024;
/** Bytes queued for one connection before it is closed (4004): a healthy peer drains within a
 *  round trip; a peer that stops reading once had 369 MiB buffered after 25 s. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
/** Lobby-visible keys per session: each re-sends the list to every member, so it must stay small. */
export const DEFAULT_MAX_LOBBY_KEYS = 32;
/** Live sessions per service: one per allowed connection, 10× the 2,000 ten-player sessions the
 *  connection limit serves; an empty session costs ~6.3 KiB, so 20,000 stay near 130 MB. */
export const DEFAULT_MAX_SESSIONS = 20_000;
/** Live sessions created from one IP address: two per allowed connection from it, so hosts behind
 *  one carrier-grade NAT can each host while throwaway creators (500/s once) are stopped. */
export const DEFAULT_MAX_SESSIONS_PER_ADDRESS = 512;
/** Distinct address candidates kept per peer (reflexive first, then local): a host has a
 *  handful; each candidate costs the counterpart one ping per attempt. */
export const DEFAULT_MAX_CANDIDATES = 8;
/** Shortest time between two address reports that change a peer's candidates, ms: re-reports
 *  20 times a second once turned a host into a flooder; a real change (roaming) is rarer. */
export const DEFAULT_MIN_REPORT_INTERVAL_MS = 1_000;
/** Lobby requests over HTTP per second per client address, and the burst above it: a browser
 *  lobby polls every few seconds; 240 req/s once pushed 91 MiB/s. */
export const DEFAULT_HTTP_REQUESTS_PER_SECOND = 5;
export const DEFAULT_HTTP_REQUEST_BURST = 20;
/** Time an HTTP client has to send its request headers, and the whole request, ms: half-open
 *  requests once held 1,001 sockets; a real client sends them in one round trip. */
export const DEFAULT_HTTP_REQUEST_TIMEOUT_MS = 10_000;
/** Idle keep-alive HTTP connections are closed after this long, ms (Node's default is 5 s). */
export const DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Client address buckets the HTTP rate limit remembers: bounds its memory under address churn. */
export const HTTP_RATE_LIMIT_ADDRESSES = 10_000;
/** Connect-time histogram buckets, ms: direct connects land in tens of ms, relay after ~3 s. */
export const CONNECT_MS_BUCKETS = [10, 25, 50, 100, 250, 500, 1000, 2500, 3500, 5000, 10_000];
/** Random bytes fetched per refill of the id/token pool: ~100 joins per getrandom() call. */
export const RANDOM_POOL_BYTES = 4096;

// ---- The one-process cloud (createCloud, `punchthrough cloud`, `npm start`). The STUN and
// relay ports are their servers' own defaults (stun-server/constants.ts, relay/constants.ts).

/** Listen on every IPv4 interface: an operator's cloud must be reachable from other hosts. */
export const DEFAULT_CLOUD_HOST = '0.0.0.0';
/** HTTP + signaling WebSocket port: unprivileged and clear of common dev-server ports. */
export const DEFAULT_HTTP_PORT = 7070;
/** Address of a separate metrics listener: loopback, so metrics leave the machine only when an
 *  operator says where (a scraper on the host, or --metrics-host). */
export const DEFAULT_METRICS_HOST = '127.0.0.1';
/** Environment variable holding the metrics bearer token (kept off the command line). */
export const METRICS_TOKEN_ENV = 'PUNCHTHROUGH_METRICS_TOKEN';
/** RFC 5780 alternate port for NAT behaviour discovery: the next one, by common practice. */
export const DEFAULT_STUN_ALT_PORT = 3479;

// ---- CLI game peers (`punchthrough host` / `client`).

/** App id of the CLI's host and client, so they meet without a flag; games use their own. */
export const DEFAULT_CLI_APP_ID = 'punchthrough-cli';
/** Game updates the `client` command sends: enough for RTT percentiles, quick to run. */
export const DEFAULT_CLI_UPDATES = 100;
/** Pause between the client's updates, ms: a 50 Hz game tick. */
export const DEFAULT_CLI_UPDATE_INTERVAL_MS = 20;
/** How long the client waits for the last echoes after its last update, ms. */
export const CLI_ECHO_GRACE_MS = 2000;
/** Share of echoed updates the client needs to exit 0. */
export const CLI_MIN_ECHO_RATIO = 0.95;

// ---- `punchthrough demo` (the connection process on the virtual NAT network).

/** The demo cloud's public virtual address (TEST-NET-3, never routed on the real internet). */
export const DEMO_CLOUD_ADDRESS = '203.0.113.10';
/** App id of the demo's peers. */
export const DEMO_APP_ID = 'punchthrough-demo';
/** One-way latency of each demo peer's access link, ms: a plausible home broadband hop. */
export const DEMO_LINK_LATENCY_MS = 15;
/** Clients the demo starts when --clients is not given. */
export const DEMO_DEFAULT_CLIENTS = 2;
