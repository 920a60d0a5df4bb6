// Defaults of the relay fleet (choice, staleness, failover, the report endpoint), with units and reasons.

/**
 * Photon LoadBalancing v5's default weights by load level 0–9: a relay at level 0 is picked 20
 * times as often as one at level 8, never at level 9. Weighted random, not least-loaded, so the
 * creates of one report interval do not all land on the relay that looked idlest.
 */
export const PHOTON_V5_WEIGHTS: readonly number[] = [20, 17, 15, 13, 11, 9, 7, 5, 3, 0];

/**
 * Candidates drawn by the weighted random per placement; the one with the lower predicted load
 * (effective level before rounding) wins, then the one with fewer placements in the window, then
 * the first draw ("two choices").
 * Photon's weights still decide which level bands get traffic, but two draws stop the pure
 * randomness that put 24+ of 60 sessions on one of three equal relays (measured 1.05–1.30 with
 * one draw; the worst of 1,000 seeded 60-placement trials is ≤ 1.2 with two). 1 = Photon's rule.
 */
export const PLACEMENT_CANDIDATES = 2;

/** Highest load level; a relay at it takes no new session. */
export const MAX_LOAD_LEVEL = 9;

/** Relays report every second; three missed reports (3 s) and a relay counts as dead. */
export const RELAY_STALE_MS = 3_000;

/** A stale relay stays in the table (admin view, tickets of its last sessions) this long before it is forgotten, ms. */
export const RELAY_FORGET_MS = 60_000;

/**
 * Share of a relay's binding capacity, percent, one assigned session is assumed to take when
 * its report cannot tell (no bindings yet): two bindings of a 200-binding relay. Errs high on
 * purpose: overestimating a burst spreads it, underestimating herds it.
 */
export const DEFAULT_SESSION_PCT = 1;

/**
 * Placements counted into a relay's effective level, ms: the relays average their load inputs
 * over their last 10 reports (10 s), so a session placed within that window is not yet fully in
 * the reported level. Counting it whole errs high, which spreads a burst rather than herding it.
 */
export const ASSIGNED_WINDOW_MS = 10_000;

/** Placements remembered per relay for that window at most (a burst beyond it counts as this many). */
export const MAX_ASSIGNED_REMEMBERED = 10_000;

/** Bindings a new session is expected to add (a host and one client). */
export const BINDINGS_PER_SESSION = 2;

/** How often the cloud looks for sessions on stale or draining relays, ms (one report period). */
export const FAILOVER_CHECK_MS = 1_000;

/** A session moves at most once per this long, ms: a flapping relay cannot bounce its sessions. */
export const SESSION_MOVE_INTERVAL_MS = 10_000;

/** Sessions moved per check at most: a dead relay's thousand sessions move over a few seconds, not in one burst of CAS writes. */
export const MAX_MOVES_PER_CHECK = 500;

/** Largest report body the HTTP endpoint reads, bytes. A report is ~400 bytes. */
export const MAX_REPORT_BYTES = 4_096;

/** Reports one relay id may send per second before 429 (it sends one; retries and restarts need a little room). */
export const REPORTS_PER_SECOND = 5;

/** Most relays the table holds: a leaked registration token cannot grow it without bound. */
export const MAX_RELAYS = 1_000;

/** The embedded relay's id in the table of a one-process cloud. */
export const LOCAL_RELAY_ID = 'local';

/** How often a cluster node re-reads the relay table from Redis, ms (one report period). */
export const REDIS_REFRESH_MS = 1_000;
