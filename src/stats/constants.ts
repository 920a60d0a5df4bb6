// The operator statistics' defaults: sizes that bound their memory, and how often they move.

/** Width of one bucket of the direct-rate series, ms: a minute reads well on a one-hour chart. */
export const SERIES_BUCKET_MS = 60_000;
/** Buckets the series keeps (60 × 1 min = the last hour); older ones fall off. */
export const SERIES_BUCKETS = 60;
/** Connect-time histogram bounds, ms (the last bucket is everything above): direct connects land in tens of ms, relay ones after the ~3 s schedule. */
export const CONNECT_MS_BOUNDS: readonly number[] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
/** Live pairs remembered (path and RTT per client–server pair); the oldest is forgotten beyond it. */
export const MAX_LIVE_PAIRS = 10_000;
/** Connects waiting for both sides' NAT types; beyond it the oldest is classified at once. */
export const MAX_PENDING_CONNECTS = 10_000;
/**
 * How long a connect waits for the NAT types of both sides, ms. Discovery ends a few round trips
 * after the start, often after a direct connect; 15 s covers a relay connect's schedule too.
 */
export const NAT_WAIT_MS = 15_000;
/** How often pending connects are looked at again (a store read per session waiting), ms. */
export const PENDING_SWEEP_MS = 2_000;
/** Sessions read per sweep at most: a burst of connects costs the store a bounded rate (500/s). */
export const MAX_SWEEP_READS = 1_000;
/** A live pair not heard of for this long is forgotten (its session is gone or it moved on), ms. */
export const PAIR_FORGET_MS = 30 * 60_000;
/** Sessions /v1/stats lists (the dashboard's table); the count is always complete. */
export const MAX_LISTED_SESSIONS = 200;
/** Connect and path reports a pair may send per minute (path changes are rare; a flood is dropped and counted). */
export const PATH_REPORTS_PER_MINUTE = 30;
