// Defaults of the cloud session service and the one-process cloud. Units in the names;
// the reason for each number beside it.

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
/** How long a dropped member is held for its rejoin, ms: a signaling blip (a Wi-Fi hand-over, a
 *  proxy restart) is over in a few seconds and the SDK's first reconnect comes within one; 10 s
 *  rides out those without holding a crashed peer's slot long (the player TTL is for longer). */
export const DEFAULT_RECONNECT_GRACE_MS = 10_000;
/** The region named to a game's backend when the operator names none (Photon's Region in WebRPC bodies and URL tags). */
export const DEFAULT_REGION = 'default';
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
/** Largest frame before hello, bytes: a hello is ~60 B plus its `auth`: 4 KiB as a string, or an
 *  object with ≤ 2 KiB of params and ≤ 4 KiB of data, or an auth token of ≤ 8 K characters (it
 *  seals a ≤ 4 KiB AuthCookie). 12 KiB holds the largest; the pre-decode scan refuses extension
 *  types, which is what made a 16 KiB pre-hello frame cost 150 ms of CPU. */
export const DEFAULT_MAX_HELLO_FRAME_BYTES = 12 * 1024;
/** Bytes queued for one connection before it is closed (4004): a healthy peer drains within a
 *  round trip; a peer that stops reading once had 369 MiB buffered after 25 s. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
/** Shortest time between two lobby lists pushed to one subscriber, ms: a lobby screen redraws a
 *  couple of times a second at most, and a busy app (sessions opening and filling every few ms)
 *  would otherwise send each subscriber a full list per change. */
export const DEFAULT_LOBBY_UPDATE_INTERVAL_MS = 500;
/** Lobby subscriptions per service: each may cost a full list (at most DEFAULT_MAX_LIST_BYTES)
 *  per update interval, so 2,000 bound the worst case near 128 MB/s; players sit in a lobby
 *  only while they choose, so this is far above the number browsing at once on one service. */
export const DEFAULT_MAX_LOBBY_SUBSCRIBERS = 2_000;
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
/** Tries of one session change against the store before giving up (a versioned compare-and-set
 *  that keeps losing): one process never conflicts; eight outlast any real burst of writers. */
export const STORE_MAX_ATTEMPTS = 8;
/** Random bytes fetched per refill of the id/token pool: ~100 joins per getrandom() call. */
export const RANDOM_POOL_BYTES = 4096;

// ---- The one-process cloud (createCloud, `punchthrough cloud`, `npm start`). The STUN and
// relay ports are their servers' own defaults (stun-server/constants.ts, relay/constants.ts).

/** Listen on every IPv4 interface: an operator's cloud must be reachable from other hosts. */
export const DEFAULT_CLOUD_HOST = '0.0.0.0';
/** The IPv6 side of a dual-stack cloud: every IPv6 interface, beside the IPv4 wildcard. */
export const DEFAULT_CLOUD_HOST6 = '::';
/** HTTP + signaling WebSocket port: unprivileged and clear of common dev-server ports. */
export const DEFAULT_HTTP_PORT = 7070;
/** Address of a separate metrics listener: loopback, so metrics leave the machine only when an
 *  operator says where (a scraper on the host, or --metrics-host). */
export const DEFAULT_METRICS_HOST = '127.0.0.1';
/** Environment variable holding the metrics bearer token (kept off the command line). */
export const METRICS_TOKEN_ENV = 'PUNCHTHROUGH_METRICS_TOKEN';
/** RFC 5780 alternate port for NAT behaviour discovery: the next one, by common practice. */
export const DEFAULT_STUN_ALT_PORT = 3479;

// ---- Relay ticket refresh.

/** Share of a relay ticket's remaining life after which the service sends a fresh one: at half,
 *  a signaling outage as long as the other half still leaves the current ticket valid for a rebind. */
export const TICKET_REFRESH_FRACTION = 0.5;
/** Shortest wait before a refresh, ms: a ticket issued with a tiny TTL (tests, a skewed clock)
 *  must not make the service re-issue in a loop. */
export const MIN_TICKET_REFRESH_MS = 1_000;
