// Defaults of the client SDK (NetworkRunner and the connection process). Units in the names;
// the reason for each number beside it. docs/connection-process.md fixes the connection schedule.

import { Feature } from '../src/protocol/index.js';

/** Connection attempts before a client gives up (connection step 6 of docs/connection-process.md: 10). */
export const DEFAULT_ATTEMPTS_LIMIT = 10;

/** Largest `attemptsLimit`: the attempt number is one byte in the connect packet. */
export const MAX_ATTEMPTS = 255;

/** Time between connection attempts (connection step 3 of docs/connection-process.md: every 500 ms). */
export const DEFAULT_ATTEMPT_INTERVAL_MS = 500;

/**
 * Share of the attempts that go direct before the client switches to the relay (connection step 3:
 * "while the attempt number is below 2/3 of the limit"): attempts 0–5 of 10.
 */
export const DEFAULT_DIRECT_FRACTION = 2 / 3;

/**
 * NAT discovery stays opt-in although it no longer costs start time: its probes add NAT mappings
 * and conntrack entries just as a pair punches, which changed the outcome of the port-stealing
 * scenarios on kernel-like NATs (test/nat/kernel-paths, conntrack-scenarios) and of one seeded
 * 20 %-loss run. On by default once it waits for the pair to settle.
 */
export const DEFAULT_DISCOVER_NAT = false;

/**
 * The connect policy when none is given: `sequential`, the seed's schedule (direct attempts, then
 * the relay). `race` starts the relay at once beside the direct attempts (docs/connection-process.md).
 */
export const DEFAULT_CONNECT_POLICY = 'sequential';

/**
 * Sends of each connection attempt, spaced evenly within its interval (at 0 and 250 ms of a
 * 500 ms slot). With 20 % loss on each NAT link a connect and its accept both arrive about 41 %
 * of the time, so six single attempts all fail about 4 % of the time (1 start in 25 falls to the
 * relay); twelve sends make that 0.2 %. The attempt number and times stay the seed's.
 */
export const DEFAULT_ATTEMPT_COPIES = 2;

/**
 * IP TTL of a low-TTL prime: the first hop is the home router (the NAT, which makes the
 * mapping), the second the ISP's first router, where the prime expires well before the peer's
 * NAT. The measured prototype on Linux NATs (docs/nat-matrix.md, Real Linux NAT) used 2.
 */
export const DEFAULT_PRIME_TTL = 2;

/**
 * Time from a candidate's prime to its first full-TTL packet, ms (capped at half the attempt
 * interval, so attempt 0 still sends full-TTL connects). It must exceed the gap between the two
 * ends' starts, or the earlier end's full packet can still reach the later end's NAT first; the
 * cloud sends both their addresses at once, so the gap is the difference of their signaling
 * latencies. The trade-off: a direct connect takes this much longer (attempt 0 still connects).
 */
export const PRIME_LEAD_MS = 250;

/**
 * Keepalive period on a connected path. Home NATs drop idle UDP mappings after as little as
 * 30 s (RFC 4787 REQ-5 asks for at least 2 min, many routers use 30 s); 2 s keeps the mapping
 * open with a wide margin and gives a fresh RTT sample every few seconds at ~30 B/s.
 */
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 2_000;

/**
 * A connected peer silent this long is reported disconnected: five missed keepalives, so a
 * short burst of loss does not drop a player, while a crashed peer is noticed within seconds.
 */
export const DEFAULT_PEER_TIMEOUT_MS = 10_000;

/**
 * Largest signaling frame the SDK accepts, bytes: the service's own cap is 16 KiB; 64 KiB leaves
 * room for a service configured for bigger sessions while still bounding a hostile frame.
 */
export const SIGNALING_MAX_FRAME_BYTES = 64 * 1024;

/** The protocol features this SDK announces in its hello (src/protocol/features.ts). */
export const SDK_FEATURES: string[] = [Feature.CODES_V2, Feature.AUTH, Feature.PLUGIN_EVENTS, Feature.WEBHOOK_ERRORS, Feature.RELAY_CHANGED, Feature.LEAN_JOIN];

/**
 * Most PEER_ADDRESSES events kept while the start is still under way (they are applied once the
 * game socket is ready): a session has at most 1024 members (PROTOCOL_MAX_PEERS), so a cloud
 * that sends more is misbehaving and the extra events are dropped rather than held in memory.
 */
export const MAX_EARLY_ADDRESS_EVENTS = 1_024;

/**
 * Longest the start waits for the relay binding before reporting its addresses. On a healthy
 * cloud the bind takes one round trip; a relay that is slow to answer must not delay a start
 * whose direct path works, and the bind finishes in the background well before attempt 6 (3 s).
 */
export const RELAY_BIND_WAIT_MS = 1_000;

/** Each signaling request gets a reply within this time or fails with CLOUD_UNREACHABLE. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** Opening the signaling WebSocket (TCP + HTTP upgrade) gives up after this long. */
export const DEFAULT_CLOUD_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Largest game update `send`/`broadcast` accept, bytes. The IPv6 minimum MTU (1280) leaves 1232
 * bytes of UDP payload; a sealed packet adds 34 (18-byte header, 16-byte tag) and the relay's
 * framing 6, so 1192 bytes of payload is the most that never fragments on any path.
 */
export const MAX_DATA_BYTES = 1_192;

/**
 * Counters a replay window remembers below the highest one seen. A client sprays one connect per
 * server candidate per attempt (at most 16) and the relay and direct paths reorder against each
 * other by a few packets; 128 covers both with room (WireGuard uses 8192 for multi-gigabit
 * reordering, which games do not need).
 */
export const REPLAY_WINDOW_COUNTERS = 128;

/**
 * Announced candidates a link keeps for its peer (local addresses plus the reflexive one): the
 * first 8 distinct ones. A real host has a handful; the cap bounds how many endpoints a hostile
 * address report can make the other end ping or connect to (anti-amplification).
 */
export const MAX_ANNOUNCED_CANDIDATES = 8;

/**
 * Peer-reflexive candidates a link learns from authentic punch packets (connection steps 7–8:
 * a symmetric NAT shows the other end a mapping nobody announced).
 * One per NAT mapping the peer shows us; 8 covers a symmetric NAT's per-destination mappings for
 * every announced candidate we answer, and with the 8 announced ones keeps a pair at ≤ 16 targets.
 */
export const MAX_LEARNED_CANDIDATES = 8;

/**
 * Least time between two path probes the server sends to the same endpoint, ms: one attempt
 * interval, the client's own pace. Probes answer authentic packets arriving on a path not yet
 * validated (a lost confirm, a NAT rebinding), so a burst of them costs at most one probe.
 */
export const PATH_PROBE_INTERVAL_MS = 500;

/**
 * Added to a relay path's RTT when paths are compared, ms: the relay adds a hop and costs the
 * cloud bandwidth, so a direct path wins unless it is over a second slower, which no playable
 * path is (GameNetworkingSockets penalises unconfirmed routes the same way, by a large constant).
 */
export const RELAY_PENALTY_MS = 1_000;

/**
 * Hysteresis of the path comparator (GameNetworkingSockets' sticky rule, `score × 11/10 + 5`):
 * a challenger must beat the current path by 10 % plus 5 ms, so jitter between two paths of
 * about the same quality never flips the send path back and forth.
 */
export const PATH_SWITCH_RATIO = 1.1;
export const PATH_SWITCH_MARGIN_MS = 5;

/**
 * A current path silent this long while another proven path is heard has been left by the peer
 * (a NAT rebinding moved its packets), ms: one path-probe interval, the pace at which the other
 * end probes a new path, so a genuine move is followed at the first round trip after it.
 */
export const PATH_QUIET_MS = 500;

/**
 * Outstanding path probes a server link remembers (accept probes and probe keepalives). One per
 * connect answered per attempt round is the most a genuine client causes; older ones are forgotten.
 */
export const MAX_PENDING_PROBES = 32;

/**
 * Path management after connect (docs/connection-process.md, "After the connection").
 * While a direct path carries traffic, a keepalive goes through the relay this often, ms, so the
 * relay path stays proven (an authenticated round trip) for a fallback at any moment: one small
 * packet every 5 s, under the relay client's own 10 s binding keepalive.
 */
export const RELAY_WARM_INTERVAL_MS = 5_000;

/**
 * A direct send path we sent on but did not hear from for this long is suspicious, ms (or twice
 * the RTT when that is longer): a game at 20 updates per second hears its peer every 50 ms, so
 * 8 missing updates; from here probes go out faster.
 */
export const PATH_SUSPECT_AFTER_MS = 400;

/**
 * Probes on a suspicious path go this often, ms (or twice the RTT when that is longer, so a slow
 * path's replies are not counted missing); after {@link PATH_SUSPECT_PROBES} unanswered ones the
 * pair falls back to the relay: 400 + 3 × 250 = 1.15 s after the last packet on a fast path,
 * inside the 2 s a player notices, and every update lost meanwhile is one a rebinding costs.
 */
export const PATH_SUSPECT_PROBE_INTERVAL_MS = 250;
export const PATH_SUSPECT_PROBES = 3;

/**
 * Gaps between the background rounds that probe every direct candidate while the pair is on the
 * relay, ms: quick at first (a path that opens late, a NAT that forgot a stolen entry), then
 * past 30 s, Linux conntrack's unreplied timeout, so rounds never keep a stolen entry alive
 * (measured in the real-NAT audit, shared/specs/paths.md H4); every 35 s after the last one.
 */
export const PROBE_ROUND_GAPS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 35_000];

/** A proven alternative path counts for switching while heard within this long, ms. */
export const PATH_FRESH_MS = 5_000;

/** Paths a link keeps records of (16 candidates, the relay, a few roamed endpoints); the oldest goes first. */
export const MAX_PATH_RECORDS = 24;

/** Keepalives and probes a link remembers waiting for a reply (a probe round is ≤ 16 of them). */
export const MAX_PENDING_REQUESTS = 64;

/**
 * Least time between two re-runs of STUN after a fallback (the own NAT may have rebound), ms:
 * the cloud accepts an address change at most once a second, and a flapping path must not turn
 * into a STUN stream.
 */
export const REFLEXIVE_CHECK_INTERVAL_MS = 1_000;

/**
 * Smoothing factor of the RTT estimate (RFC 6298's alpha = 1/8): one slow keepalive moves the
 * estimate a little, a sustained change moves it within a few samples.
 */
export const RTT_SMOOTHING = 1 / 8;

/** Why a connected peer was reported disconnected (`peerDisconnected.reason`). */
export const DisconnectReason = {
  /** Nothing arrived from the peer for the peer timeout. */
  TIMEOUT: 'timeout',
  /** The peer said goodbye (it shut down or left). */
  REMOTE: 'remote',
  /** This runner shut down. */
  SHUTDOWN: 'shutdown',
  /**
   * The cloud closed the session (SESSION_CLOSED: the server left or dropped, the session
   * emptied, or the cloud shut down); reported at once, not after the peer timeout.
   */
  SESSION_CLOSED: 'sessionClosed',
  /**
   * The server kicked the client: the server reports it for the client it removed, the client
   * for its server (the server's goodbye, or the cloud's KICKED, whichever came first).
   */
  KICKED: 'kicked',
} as const;
export type DisconnectReason = (typeof DisconnectReason)[keyof typeof DisconnectReason];

/**
 * Largest reliable message `send(…, { reliable: true })` accepts, bytes: 64 KiB, split into at
 * most 56 segments. Reliable game traffic is RPCs, chat and a late joiner's snapshot; 64 KiB is
 * the largest UDP datagram and the signaling frame bound, and it keeps what a hostile peer can
 * make a receiver hold per link small (see RELIABLE_WINDOW_SEGMENTS). Bigger blobs belong on HTTP.
 */
export const MAX_RELIABLE_MESSAGE_BYTES = 64 * 1024;

/**
 * Reliable segments in flight per link and direction, and the receiver's reorder window: a
 * segment is sent only while it is within this many of the oldest unacknowledged one, and a
 * receiver buffers only segments within this many of the next one it expects. 64 full segments
 * (75 KB) per round trip carry 1.5 MB/s at 50 ms, far above a game's reliable traffic, and bound
 * a receiver's reorder buffer to 64 × 1176 bytes (KCP's receive window is 128, ENet's is larger;
 * both carry bulk data too).
 */
export const RELIABLE_WINDOW_SEGMENTS = 64;

/**
 * Bytes of reliable messages a link holds for sending (queued and unacknowledged): four of the
 * largest messages. A `send` that would pass it returns false and keeps nothing (back-pressure
 * the game sees), so a peer that stops acknowledging never grows memory without bound.
 */
export const RELIABLE_SEND_BUFFER_BYTES = 256 * 1024;

/**
 * A receiver acknowledges every second segment at once, else within this delay, ms (RFC 9000
 * §13.2.2's policy; QUIC's default max_ack_delay is 25 ms, 10 keeps the sender's RTT samples and
 * the tail latency of a lone message low). Out-of-order and duplicate segments are acknowledged
 * at once, so the sender learns of a hole within a round trip.
 */
export const RELIABLE_ACK_DELAY_MS = 10;

/** Segments received before an acknowledgement goes out without waiting (RFC 9000 §13.2.2: 2). */
export const RELIABLE_ACK_EVERY_SEGMENTS = 2;

/**
 * Least retransmission timeout, ms. RFC 6298 asks 1 s for TCP on the open internet; game
 * channels take far less (KCP: 100 ms, 30 ms in its no-delay mode). 50 ms stays above the ack
 * delay plus timer jitter, so a LAN pair does not retransmit what is merely being acknowledged.
 */
export const RELIABLE_RTO_MIN_MS = 50;

/**
 * Largest retransmission timeout after backoff, ms. The link's keepalives declare a silent peer
 * gone after the peer timeout (10 s), so waiting longer than 2 s between tries only delays
 * recovery when a path heals (RFC 6298 allows a cap of at least 60 s; KCP uses 60 s).
 */
export const RELIABLE_RTO_MAX_MS = 2_000;

/** Retransmission timeout before any RTT is known, ms (RFC 6298 §2.1: 1 s). A link normally seeds the estimator with its own RTT, measured by the handshake. */
export const RELIABLE_RTO_INITIAL_MS = 1_000;

/**
 * A segment is retransmitted at once when this many later segments are acknowledged (RFC 9002
 * §6.1.1's packet threshold, TCP's three duplicate acks, KCP's fast resend of 3): reordering of
 * fewer is normal, more is loss.
 */
export const RELIABLE_FAST_RETRANSMIT_SEGMENTS = 3;

/**
 * How long a server's `onConnectRequest` may take before the client is refused, ms. The client
 * keeps attempting meanwhile (its attempts start when it learns the server's addresses), so the
 * bound is well under the default attempt window (10 × 500 ms) and an accepted client still has
 * direct and relay attempts left.
 */
export const CONNECT_REQUEST_TIMEOUT_MS = 2_000;

/** Most connect requests a server holds undecided at once: one per member (PROTOCOL_MAX_PEERS). */
export const MAX_PENDING_CONNECT_REQUESTS = 1_024;

/** Most players a runner tracks: a session has at most 1024 members (PROTOCOL_MAX_PEERS). */
export const MAX_TRACKED_PLAYERS = 1_024;

/** Player events held until the join reply is read (they came in the same tick): a handful at most. */
export const MAX_EARLY_PLAYER_EVENTS = 64;

/** Largest connection token (Fusion's cap too): PROTOCOL_MAX_CONNECTION_TOKEN_BYTES. */
export const MAX_CONNECTION_TOKEN_BYTES = 128;

/** Longest kick or refusal message, characters: PROTOCOL_MAX_KICK_MESSAGE_CHARS. */
export const MAX_KICK_MESSAGE_CHARS = 256;

/**
 * First wait before reconnecting to a lost cloud, ms; each later wait doubles up to the maximum,
 * each drawn at random between half and all of it (jitter, so a restarted cloud is not hit by
 * every runner at once). 250 ms: a blip is over by then, and a refused connect costs nothing.
 */
export const DEFAULT_CLOUD_RECONNECT_INITIAL_DELAY_MS = 250;

/**
 * Longest wait between two reconnects, ms: bounds the time from a cloud coming back to a host
 * re-establishing its session to this plus a round trip (issue: back in the lobby within 5 s of
 * a cloud restart), at one refused connect per 2 s per runner while the cloud is down.
 */
export const DEFAULT_CLOUD_RECONNECT_MAX_DELAY_MS = 2_000;

/**
 * Time without the cloud before the runner shuts down (reason `cloudTimeout`), ms: two minutes
 * rides out a cloud restart or deploy, while the game connections carry on meanwhile.
 */
export const DEFAULT_CLOUD_RECONNECT_TIMEOUT_MS = 120_000;

/**
 * How long the start retries a create/join the cloud refused with SERVICE_UNAVAILABLE (its
 * shared store unreachable), ms: a Redis blip or failover lasts seconds; past that the start fails.
 */
export const START_UNAVAILABLE_RETRY_MS = 10_000;

/**
 * A client whose session the cloud no longer has waits this long for its host to restore it,
 * ms: the host restores within its reconnect delays (a few seconds); 30 s allows a slow host.
 */
export const DEFAULT_CLOUD_RESTORE_WAIT_MS = 30_000;

/** Pair secrets kept per peer for a restore token: a rejoin brings one more; older ones go. */
export const MAX_RESTORE_SECRETS_PER_PEER = 4;
