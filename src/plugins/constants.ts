// Defaults and bounds of session plugins, with units and the reason for each number.

/**
 * A gate's deadline (onCreate, beforeJoin, beforeSetProperties), ms. The SDK waits 10 s for a
 * reply; 3 s leaves room for auth and queueing so the client hears HOOK_TIMEOUT, never a timeout.
 */
export const PLUGIN_GATE_MS = 3_000;

/** The most a gate's deadline may be configured to, ms: the whole gate chain stays within 4 s. */
export const PLUGIN_MAX_GATE_MS = 4_000;

/** A notification's (onJoin, onLeave, …) and a close callback's deadline, ms: nobody waits on it, but it holds the session's queue. */
export const PLUGIN_NOTIFICATION_MS = 5_000;

/** A timer callback's deadline, ms (as a notification). */
export const PLUGIN_TIMER_MS = 5_000;

/** The most a notification or timer deadline may be configured to, ms: a stuck call holds its session's queue this long. */
export const PLUGIN_MAX_NOTIFICATION_MS = 60_000;

/** Timers one session may hold at once (Photon has no cap; 32 covers ready checks, rounds and polls). */
export const PLUGIN_MAX_TIMERS = 32;

/** Shortest timer delay or interval, ms: a 0 ms interval would spin the session's queue. */
export const PLUGIN_MIN_TIMER_MS = 10;

/** Calls waiting in one session's queue; past it a notification is dropped (counted) and a gate refused (HOOK_TIMEOUT). */
export const PLUGIN_MAX_QUEUED_CALLS = 1_024;

/** PLUGIN_EVENTs a session's plugin may send per second (and burst): a chat-rate bound, so one session cannot flood the service. */
export const PLUGIN_EVENTS_PER_SECOND = 50;

/** Other plugin actions (setProperties, removePeer, closeSession, state.set) per second and burst per session. */
export const PLUGIN_ACTIONS_PER_SECOND = 20;

/** HTTP calls one session's plugin may have in flight (Photon allows one; 10 lets a plugin check several players at once). */
export const PLUGIN_HTTP_CONCURRENCY = 10;

/** Largest plugin state (host.state), encoded bytes: it is stored with the session. */
export const PLUGIN_STATE_MAX_BYTES = 16 * 1024;

/** Longest `reason` of call.fail (sent as detail.reason). */
export const PLUGIN_REASON_MAX_CHARS = 64;

/** Longest message of call.fail and removePeer: the wire's string cap. */
export const PLUGIN_MESSAGE_MAX_CHARS = 256;

/** Largest response body a plugin's HTTP call reads, bytes (Photon's plugin HTTP caps at 300 KB). */
export const PLUGIN_HTTP_MAX_RESPONSE_BYTES = 300 * 1024;

/** Longest a plugin's HTTP call may take, ms (Photon's plugin HTTP timeout is 10 s; a gate's own deadline cuts sooner). */
export const PLUGIN_HTTP_MAX_MS = 10_000;
