/** Defaults of cluster mode (Redis store, inboxes, leases), with their units and why. */

/** Name of the Redis Functions library (FUNCTION LOAD REPLACE at start); a layout change bumps it, so v1 and v2 coexist in a rolling upgrade. */
export const FUNCTION_LIBRARY = 'punchthrough_v1';
/** A Redis command that has not answered after this long fails the request with SERVICE_UNAVAILABLE, ms: under the 1.2 s a client may wait (spec §11.5). */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;
/** Entries an inbox stream keeps (`XADD … MAXLEN ~`): far above what a live reader falls behind by, bounded if a node dies unreaped. */
export const INBOX_MAXLEN = 10_000;
/** A node lease's life, ms: a node that misses three 1 s heartbeats is dead (spec §7.7). */
export const LEASE_TTL_MS = 3_000;
/** Heartbeat period of a node lease, ms. */
export const LEASE_REFRESH_MS = 1_000;
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
/** Leak guard on a session hash, ms: every commit refreshes it; a session untouched for a day is gone. */
export const RECORD_TTL_MS = 24 * 60 * 60 * 1000;
/** Session ids read per index page in find(): one round trip each. */
export const FIND_PAGE = 64;
/** Most index entries one find() examines before it answers with what it has: bounds a filter that matches nothing. */
export const FIND_MAX_SCANNED = 2_048;
