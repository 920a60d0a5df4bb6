// Defaults of the relay server, its client and its tickets. Units in the names; the reason for
// each number beside it. Every one of them is an option of the factory that uses it.

/** Port the standalone relay listens on (`punchthrough relay`); any free port works. */
export const DEFAULT_RELAY_PORT = 5055;

/**
 * Largest datagram the relay accepts: Ethernet's 1500-byte MTU minus the IPv4 (20) and UDP (8)
 * headers, so a frame never needs IP fragmentation on a standard path. A relayed payload may
 * be up to this minus the 6-byte send header (`RELAY_MAX_PAYLOAD_BYTES`).
 */
export const DEFAULT_MAX_DATAGRAM_BYTES = 1472;

/**
 * Receive coalescing window of the relay's batched sockets, µs. Under load (a socket woken ten
 * times within ten windows) the relay reads once per window instead of on every
 * datagram's wake-up, so one wake-up carries many datagrams: a wake-up costs the relay more
 * CPU than the forwarding it triggers, most of it in the kernel. 100 µs is a NIC's interrupt
 * moderation (about 8,000 interrupts per second), under a percent of an internet round trip;
 * at a game's packet rates (tens to hundreds per second per socket) nothing waits.
 */
export const DEFAULT_UDP_COALESCE_MICROS = 100;

/**
 * A binding that sent nothing for this long is dropped. Clients keep it alive every
 * `DEFAULT_KEEPALIVE_INTERVAL_MS`, so three missed keepalives end it; it also bounds how long a
 * vanished peer holds a slot.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** How often the server sweeps for idle bindings; expiry is at most this late. */
export const DEFAULT_SWEEP_INTERVAL_MS = 1_000;

/**
 * Average packets per second one bound peer may send. A game host at a 60 Hz tick relaying to
 * a few clients, plus keepalives, stays under it; a flood does not.
 */
export const DEFAULT_RATE_PACKETS_PER_SECOND = 200;

/** Packets a peer may send in a burst above the average (half a second at the average rate). */
export const DEFAULT_BURST_PACKETS = 100;

/** Average bytes per second one bound peer may send: the packet rate at ~1,300-byte frames. */
export const DEFAULT_RATE_BYTES_PER_SECOND = 256 * 1024;

/** Bytes a peer may send in a burst above the average (half a second at the average rate). */
export const DEFAULT_BURST_BYTES = 128 * 1024;

/**
 * At most one error frame per address (bound or not) per window: an attacker who spoofs a
 * victim's source address gets the victim at most one small reply per second (no amplification).
 */
export const DEFAULT_ERROR_WINDOW_MS = 1_000;

/**
 * Distinct unbound addresses the relay answers per error window. Bounds the memory of the
 * error gate and the relay's total error output under a spoofed-source flood.
 */
export const DEFAULT_MAX_ERRORS_PER_WINDOW = 1_024;

/** Bound peers across all sessions; a bind beyond it is refused so memory stays bounded. */
export const DEFAULT_MAX_BINDINGS = 100_000;

/**
 * Kernel receive/send buffer for the relay socket. Bursts from many peers arrive between two
 * event-loop turns; 4 MiB holds ~3,000 full-size frames (Linux caps it at net.core.rmem_max).
 */
export const DEFAULT_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Lifetime of a ticket from issue to the last bind it authorizes. A peer binds right after the
 * cloud tells it to start; ten minutes also covers rebinding after a NAT mapping change early in
 * a session. A later rebind needs a fresh ticket from the cloud.
 */
export const DEFAULT_TICKET_TTL_MS = 10 * 60_000;

/** Shortest shared secret accepted: 128 bits, the HMAC's truncated tag length. */
export const MIN_TICKET_SECRET_BYTES = 16;

/** Client: bind retransmission interval (the relay is one loopback or WAN RTT away). */
export const DEFAULT_BIND_RETRY_INTERVAL_MS = 250;

/**
 * Client: bind attempts before it gives up with RELAY_TIMEOUT — 3 s in all, well inside the
 * 5 s the connection process allows a client (docs/connection-process.md, connection steps 3–6).
 */
export const DEFAULT_BIND_ATTEMPTS = 12;

/**
 * Client: keepalive interval. Well under the 30 s after which common NATs drop an idle UDP
 * mapping, and a third of the relay's idle timeout.
 */
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 10_000;

/**
 * Width of the time slot a bind cookie is minted in. The relay accepts a cookie of the current
 * or the previous slot, so a cookie lives 10–20 s: a few RTTs and the client's bind retries fit
 * with room to spare, while a cookie seen on the path is useless soon after (and only from the
 * address it names anyway).
 */
export const DEFAULT_COOKIE_SLOT_MS = 10_000;

/**
 * Bound peers per session. The session service lets a creator ask for at most 256 players
 * (`DEFAULT_MAX_PLAYERS_LIMIT`), and actors that left are revoked, so an honest session never
 * needs more; tickets harvested through join/leave cannot fill the table past it.
 */
export const DEFAULT_MAX_BINDINGS_PER_SESSION = 256;

/**
 * Bound peers per source IP address (all ports; an IPv6 source by its /64, see below). Every
 * player binds at start, and a household, a LAN party or a carrier-grade NAT pool shares one
 * public address: this matches the session service's 256 connections per address, so whoever
 * may be in sessions may also be relayed, and one address still holds at most this many slots.
 */
export const DEFAULT_MAX_BINDINGS_PER_ADDRESS = 256;

/**
 * Bind work per source IP: every cookie the relay mints for a source and every failed
 * verification (stale cookie, wrong proof) costs one token; an empty bucket drops binds unread,
 * before any HMAC. An honest peer spends one token per bind, so a full address of peers (the
 * per-address bound) can bind at once, and 64 more every second.
 */
export const DEFAULT_BIND_WORK_PER_SECOND = 64;
export const DEFAULT_BIND_WORK_BURST = 256;

/**
 * Bind work across all sources: caps the relay's HMAC work under a flood from spoofed, ever
 * changing addresses (each of which would otherwise get its own burst). An HMAC costs ~3–5 µs,
 * so 10,000/s is at most ~5 % of a core, and forwarding for bound peers keeps the rest.
 */
export const DEFAULT_GLOBAL_BIND_WORK_PER_SECOND = 10_000;
export const DEFAULT_GLOBAL_BIND_WORK_BURST = 10_000;

/**
 * Source addresses whose bind-work bucket is remembered at once (~100 B each, ~1.6 MB). Full
 * buckets are forgotten at each sweep (a forgotten source starts full, the same thing); past the
 * bound, new sources draw only on the global bucket.
 */
export const DEFAULT_MAX_TRACKED_SOURCES = 16_384;

/**
 * Revocations (a closed session, an actor who left) remembered at once; a closed session's one
 * entry replaces its departed actors'. Each lives until every
 * ticket it covers has expired (`DEFAULT_TICKET_TTL_MS` after it); ~100 B each, ~10 MB at the
 * bound. Past it the oldest is forgotten first (counted in `revocationsEvicted`): its bindings
 * were already dropped, and a forgotten ticket is still bound by its own expiry.
 */
export const DEFAULT_MAX_REVOCATIONS = 100_000;

/**
 * IPv6 sources are grouped by this prefix for the per-address bounds (bindings, bind work): a
 * subscriber is usually given a whole /64 (RFC 6177), so every address inside it costs an
 * attacker nothing, while different subscribers never share one. IPv4 is per address.
 */
export const IPV6_SOURCE_PREFIX_BITS = 64;

/**
 * A message stream (a WebSocket) attached to the relay gets a synthetic endpoint: its peer's IP
 * address and a port from here up. UDP ports end at 65,535, so a stream's endpoint never equals a
 * datagram's source, and the binding table, cookies and limits treat it as one more address.
 */
export const RELAY_STREAM_PORT_BASE = 65_536;

/** Streams attached at once get ports below `RELAY_STREAM_PORT_BASE` + this (ids wrap, skipping live ones). */
export const RELAY_STREAM_PORT_SPAN = 2 ** 30;

/** Path the relay's WebSocket listener answers on (the cloud's grant names it in `wsUrl`). */
export const RELAY_WS_PATH = '/v1/relay';

/** Open relay WebSockets in all: each holds a TCP socket and buffers, unlike a UDP binding. */
export const DEFAULT_WS_MAX_CONNECTIONS = 10_000;

/**
 * Open relay WebSockets from one IP address: `DEFAULT_MAX_BINDINGS_PER_ADDRESS`'s reason (a
 * carrier-grade NAT's players share an address), bounded lower because a connection costs more.
 */
export const DEFAULT_WS_MAX_CONNECTIONS_PER_ADDRESS = 64;

/**
 * A WebSocket that carried no message for this long is closed (1001): the binding's own idle
 * timeout, since the client's keepalives every `DEFAULT_KEEPALIVE_INTERVAL_MS` cross it too.
 */
export const DEFAULT_WS_IDLE_TIMEOUT_MS = DEFAULT_IDLE_TIMEOUT_MS;

/**
 * A WebSocket with no binding this long after it opened is closed (4008): a bind takes one round
 * trip plus the cookie's, so anything slower is a connection squatting on a slot.
 */
export const DEFAULT_WS_BIND_TIMEOUT_MS = 10_000;

/**
 * Frames to one WebSocket are dropped (and counted) while its send buffer holds more than this:
 * game updates are datagrams, so a late one is worth less than a fresh one, and a slow reader
 * must not grow the relay's memory. 64 KiB is ~45 full frames, about 0.7 s of a 60 Hz stream.
 */
export const DEFAULT_WS_MAX_BUFFERED_BYTES = 64 * 1024;

/**
 * Messages per second one WebSocket may send before any binding rate applies (an unbound flood
 * of garbage still costs a decode each): twice the bound peer's packet rate, so it never bites
 * first on a well-behaved peer.
 */
export const DEFAULT_WS_MESSAGES_PER_SECOND = 2 * DEFAULT_RATE_PACKETS_PER_SECOND;

/** Burst of the above: a second's worth. */
export const DEFAULT_WS_MESSAGE_BURST = DEFAULT_WS_MESSAGES_PER_SECOND;

/** How often WebSockets are checked for idleness and a missing binding. */
export const DEFAULT_WS_SWEEP_INTERVAL_MS = 1_000;

/**
 * The SDK gives up opening the relay's WebSocket after this long (TCP and, behind a proxy, TLS
 * handshakes plus the upgrade: a few round trips on a slow path).
 */
export const DEFAULT_WS_CONNECT_TIMEOUT_MS = 5_000;

/**
 * After the relay's WebSocket closed under it, the SDK opens a new one after this long (and
 * rebinds on it); not sooner, so a relay that refuses cannot be hammered.
 */
export const DEFAULT_WS_RECONNECT_DELAY_MS = 1_000;

/**
 * Packets per second (datagrams received) that count as 100 % of a fleet relay's `ppsPct` load
 * input. `npm run bench:relay` measures 43–52 k datagrams per CPU-second on one core of the
 * 2-core VM (docs/benchmarks.md); 40,000 keeps the level's top a fifth below that ceiling, so a
 * relay reports itself full before its socket buffers start dropping. Measure your machine and
 * pass `--capacity-pps`.
 */
export const DEFAULT_CAPACITY_PPS = 40_000;

/** A fleet relay reports every second: the registry calls an entry older than 3 s dead. */
export const FLEET_REPORT_INTERVAL_MS = 1_000;

/**
 * Load inputs are averaged over this many reports (10 s at one a second): Photon averages its
 * controllers' inputs too, so one busy second does not swing the level and herd sessions away.
 */
export const LOAD_AVERAGE_SAMPLES = 10;

/**
 * A report POST that has not been answered in this long is abandoned: the next report is due
 * soon after, and an answer that late describes a stale state anyway.
 */
export const FLEET_REPORT_TIMEOUT_MS = 900;

/** Lifetime of `pt:relay:<id>` in Redis: three missed reports and the relay is gone from the table. */
export const FLEET_REPORT_TTL_MS = 3_000;

/**
 * A draining relay exits when its last binding is gone, or after this long regardless: the
 * cloud moves its sessions within seconds, so ten minutes only waits for peers that never
 * rebind (an old SDK without RELAY_CHANGED keeps its relay until that relay goes away).
 */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10 * 60_000;
