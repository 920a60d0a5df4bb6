/** Defaults of cluster mode (Redis store, inboxes, leases), with their units and why. */

/** Name of the Redis Functions library (FUNCTION LOAD REPLACE at start); a layout change bumps it, so v1 and v2 coexist in a rolling upgrade. */
export const FUNCTION_LIBRARY = 'punchthrough_v1';
/** A Redis command that has not answered after this long fails the request with SERVICE_UNAVAILABLE, ms: under the 1.2 s a client may wait (spec §11.5). */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;
/**
 * A commit carrying this node's own members' events whose reply has not come after this long, ms,
 * counts as lost (the node's members rejoin) so its session's inbox entries stop waiting for it:
 * far past the 1 s command deadline and a 2 s Redis pause (spec §11.5), whose replies still come.
 */
export const OWN_REPLY_MAX_WAIT_MS = 5_000;
/** Entries an inbox stream keeps (`XADD … MAXLEN ~`): far above what a live reader falls behind by, bounded if a node dies unreaped. */
export const INBOX_MAXLEN = 10_000;
/** A node lease's life, ms: a node that misses three 1 s heartbeats is dead (spec §7.7). */
export const LEASE_TTL_MS = 3_000;
/**
 * Heartbeat period of a node lease, ms. A node fences itself once a whole lease has passed since
 * its last confirmed refresh (after that Redis has surely let the lease lapse); with a 1 s period
 * the last confirmation can be 1 s old when Redis pauses, so a 2 s pause would reach the 3 s
 * lease and close every socket. Every 500 ms keeps a 2 s pause (spec §11.5: no WebSocket closed)
 * 0.5 s clear of it, for 2 small scripts a second per node.
 */
export const LEASE_REFRESH_MS = 500;
/**
 * Lost compare-and-set races on one session, across this node's batches, after which this node
 * takes the session's write lock: two, measured in the prototype (plain CAS livelocked with 64
 * joiners from several nodes; the lock after two conflicts guarantees progress).
 */
export const LOCK_AFTER_CONFLICTS = 2;
/** Life of a session write lock, ms: a node that dies holding it blocks the session at most this long. */
export const LOCK_TTL_MS = 500;
/** Wait before trying again when another node holds the lock, ms (doubled per try, up to the max): its commit takes ~1 ms. */
export const LOCK_RETRY_MIN_MS = 1;
export const LOCK_RETRY_MAX_MS = 16;
/**
 * Attempts of one batch against the store before its requests fail. With the lock after two
 * conflicts a batch normally lands in at most three; the rest covers a lock holder that died
 * (its lock lapses after LOCK_TTL_MS, which the backoff outwaits).
 */
export const BATCH_MAX_ATTEMPTS = 64;
/** Operations one group commit may carry: bounds the work a commit does while others wait. */
export const MAX_BATCH = 256;
/** Largest session record read back or written, bytes of JSON: a 256-member session is ~70 KB; anything far above is corrupt or hostile. */
export const MAX_RECORD_BYTES = 512 * 1024;
/**
 * Session records a node keeps as copies (record-cache.ts), most recently used: a commit starts
 * from its copy instead of a read (the compare-and-set refuses a stale one). Above the sessions
 * one node serves at once; a 256-member record is ~70 KB, a usual one 1–3 KB.
 */
export const RECORD_CACHE_MAX = 10_000;
/**
 * Age under which a copy also answers reads that end in no write (a join's look-up by name, a
 * report's check of its own addresses), ms: what they decide, the commit re-validates; a
 * second is the staleness a request racing another node's write could see anyway.
 */
export const RECORD_CACHE_FRESH_MS = 1_000;
/** Session ids read per index page in find(): one round trip each. */
export const FIND_PAGE = 64;
/** Most index entries one find() examines before it answers with what it has: bounds a filter that matches nothing. */
export const FIND_MAX_SCANNED = 2_048;
/** Partitions the dashboard's session page walks (one SSCAN page of pt:apps): a fleet of many apps shows the first ones. */
export const SAMPLE_MAX_APPS = 64;

// Inbox reading and routing (event-bus.ts, inbox-router.ts).
/** Entries one XREAD returns at most: large enough to catch up after a blip in a few reads. */
export const INBOX_READ_COUNT = 512;
/** How long one XREAD blocks on the server, ms: also how fast the reader notices it is closing. */
export const INBOX_READ_BLOCK_MS = 1_000;
/** Wait after a failed read before reading again, ms: Redis is down or paused; the client reconnects meanwhile. */
export const INBOX_RETRY_MS = 100;
/**
 * How long events for a member not attached here yet are held, ms: its entering request's
 * commit reply and the inbox entry race on two connections; the reply follows within a round
 * trip, so 2 s is generous, and whatever is still unclaimed then was for a member that left.
 */
export const INBOX_HOLD_MS = 2_000;
/** Held events per member and in all: bounds the memory a burst for absent members takes. */
export const INBOX_MAX_HELD_PER_MEMBER = 256;
export const INBOX_MAX_HELD = 20_000;
/** Sessions whose last delivered version a node remembers (duplicate drop): above any node's live sessions. */
export const INBOX_MAX_VERSIONS = 200_000;
/** Deliveries one inbox entry may carry (one commit's to this node: 256 members × a few events). */
export const INBOX_MAX_DELIVERIES_PER_ENTRY = 4_096;
/** Largest `d` text of one inbox entry, characters: a commit's events for one node; far above is corrupt or hostile. */
export const INBOX_MAX_ENTRY_BYTES = 4 * 1024 * 1024;
/** Pub/sub channel of lobby changes (`<node>\n<appKey>`): loss-tolerant, the lobby feed is periodic. */
export const LOBBY_CHANNEL = 'pt:lobby';
/**
 * Shortest time between two lobby PUBLISHes of one app from one node, ms: a busy app published
 * one per create, join and leave (each fanned out to every node); the lobby feed pushes a list
 * at most every 500 ms anyway, so 100 ms adds little to what a subscriber sees.
 */
export const LOBBY_PUBLISH_INTERVAL_MS = 100;

// Deadlines (deadlines.ts).
/** How often every node polls the due deadlines, ms: the player-TTL precision is this plus clock skew (spec §7.5). */
export const DEADLINE_POLL_MS = 250;
/** Due sessions read per partition and poll: the rest come 250 ms later. */
export const DEADLINE_BATCH = 64;
/** How often the partition list (`pt:apps`) is re-read, ms: a new app's first deadline waits at most this. */
export const DEADLINE_APPS_REFRESH_MS = 2_000;
/** A due session handed to expiry is not handed again for the same deadline within this, ms (its expiry is in flight or changed nothing). */
export const DEADLINE_RETRY_MS = 1_000;
/** Partitions read from `pt:apps` at most (one poll's work is bounded by this × DEADLINE_BATCH). */
export const MAX_PARTITIONS = 1_024;

// Membership (membership.ts).
/** The reaper lease's life, ms: a reaper that dies is replaced within this. */
export const REAPER_LEASE_MS = 2_000;
/** How often every node tries to be the reaper and, holding it, looks for dead nodes, ms: detection ≤ lease + this (spec §11.3: ≤ 4 s). */
export const REAPER_PERIOD_MS = 500;
/** Members read per SSCAN of a dead node's set. */
export const REAPER_BATCH = 256;
/** Sessions the reaper detaches at once: one commit each; bounds the burst on Redis. */
export const REAPER_CONCURRENCY = 16;
/** How long a draining node waits for its members' detach commits before closing anyway, ms. */
export const DRAIN_TIMEOUT_MS = 5_000;
/** The failover grace: how long a dead or draining node's members stay detached (active, unseen) for their SDKs to rejoin elsewhere, ms (spec §0). */
export const FAILOVER_GRACE_MS = 10_000;

/**
 * Placements on a relay remembered in `pt:relay:<id>:placed`, ms: the fleet's window (its relays
 * average their load over 10 reports), so every node sees every node's placements of that window.
 */
export const RELAY_PLACED_WINDOW_MS = 10_000;
/** Relay ids read from `pt:relays` per refresh at most (freshest first): a table no larger than the memory one's. */
export const RELAY_TABLE_MAX = 1_000;
/** Keys per MGET of a refresh: one command never carries a thousand relays' reports. */
export const RELAY_TABLE_BATCH = 100;

/** How often a node shares its operator statistics (`pt:stats`), ms: the dashboard refreshes every 2 s, counts move slower. */
export const STATS_SHARE_MS = 5_000;
/** A node's statistics older than this are shown as not reporting, ms (three missed shares). */
export const STATS_STALE_MS = 15_000;
/** Live pairs a node shares (its newest): enough for the dashboard's page of sessions. */
export const MAX_SHARED_PAIRS = 1_000;
/** Largest statistics field a node writes or reads, bytes (1,000 pairs at ~150 B and the fixed-size counts fit). */
export const MAX_STATS_BYTES = 256 * 1024;
