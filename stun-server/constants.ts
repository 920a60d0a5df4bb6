// Defaults of the STUN server. Units in the names; the reason for each number beside it.
// Every one of them is an option of `createStunServer`.

/** The IANA-registered STUN port (RFC 8489 §18.1); what clients try when given no port. */
export const DEFAULT_STUN_PORT = 3478;

/** Listen on every IPv4 interface unless told otherwise. IPv6 is opt-in: not every host has it. */
export const DEFAULT_STUN_HOST_IPV4 = '0.0.0.0';

/**
 * SOFTWARE sent in every response (RFC 8489 §14.14: SHOULD be included). Short: it costs
 * bytes on every answer, and it names the implementation for people reading packet captures.
 */
export const DEFAULT_STUN_SOFTWARE = 'punchthrough';

/**
 * Binding requests per second one source IP address may make, on average. A game start
 * costs one request plus up to 4 retransmits, NAT discovery about 10; many players behind one
 * carrier-grade NAT share an address, so the limit is generous. It exists so the server
 * cannot be used as a reflector against a spoofed victim address.
 */
export const DEFAULT_STUN_RATE_PER_SECOND = 100;

/** Requests a source IP may make in a burst above the average (two seconds at the average). */
export const DEFAULT_STUN_RATE_BURST = 200;

/**
 * Source addresses the rate limiter remembers (least recently seen evicted first). Bounds its
 * memory (~100 B per entry, so ~10 MB) under a flood of spoofed sources, which could otherwise
 * grow the table without limit.
 */
export const DEFAULT_STUN_RATE_MAX_SOURCES = 100_000;

/**
 * Socket receive buffer for each STUN socket. Requests arrive in bursts (every player of a
 * session starts at once); 4 MiB holds ~40k queued requests while the event loop is busy.
 */
export const DEFAULT_STUN_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Most socket loops `workers` may ask for. Each is a thread with its own sockets on the shared
 * ports; beyond the machine's cores more only add context switches. 64 covers large hosts.
 */
export const MAX_STUN_WORKERS = 64;

/**
 * How often a worker thread publishes its counters to the main thread, ms: `stats()` of a
 * multi-worker server lags by at most this. Cheap (a few numbers copied) and only for stats.
 */
export const STUN_WORKER_STATS_INTERVAL_MS = 100;
