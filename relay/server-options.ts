// The relay server's options: every limit, timeout and size, each with its default in constants.ts.
import { MAX_TIMER_MS, PORT, POSITIVE, type Clock, type IntegerRange, type Logger, type NumericOptionKeys, type UdpSocketFactory } from '../core/index.js';
import { MAX_COALESCE_MICROS, type UdpIoMode } from '../udp-native/index.js';
import type { TicketSecret } from './tickets.js';

export interface RelayServerOptions {
  /** The secret shared with the cloud that issues tickets (see `createTicketIssuer`). */
  secret: TicketSecret;
  /**
   * This relay's id in a fleet (`[A-Za-z0-9._-]{1,64}`): binds need tickets naming it, signed
   * with `secret` = its derived key (`deriveRelayKey`). Default `LOCAL_RELAY_ID`, which accepts
   * version 1 tickets as every relay did before fleets.
   */
  relayId?: string;
  /** Local address to listen on; an IPv6 literal makes a udp6 socket. Default `0.0.0.0`. */
  host?: string;
  /** UDP port; 0 picks a free one. Default `DEFAULT_RELAY_PORT` (5055). */
  port?: number;
  /**
   * Also listen on this IPv6 address, on the same port as `host`'s socket: peers of either family
   * share one binding table, so an IPv4 peer and an IPv6 peer of a session reach each other.
   * Default: none (one socket, on `host`).
   */
  host6?: string;
  /** Opens the socket. Default: chosen by `udpIo`. When given, `udpIo` is ignored. */
  socketFactory?: UdpSocketFactory;
  /**
   * The UDP I/O path: `batched` (the native addon: many datagrams per system call; a startup
   * error UDP_IO_UNAVAILABLE when it is not built), `dgram` (node:dgram), or `auto` (the
   * default: batched when the addon loads, else dgram; the PUNCHTHROUGH_UDP_IO environment
   * variable overrides auto). The choice is in the 'relay listening' log line and `udpIo()`.
   */
  udpIo?: UdpIoMode;
  /**
   * On the batched path, the receive coalescing window in µs (0 = read on every wake-up; at
   * most 10,000). Default `DEFAULT_UDP_COALESCE_MICROS`.
   */
  udpCoalesceMicros?: number;
  /** Monotonic time for idle expiry and rate limits, wall time for ticket expiry. Default: real clock. */
  clock?: Clock;
  /** Default: silent. */
  logger?: Logger;
  /** A binding silent for longer than this is dropped. Default `DEFAULT_IDLE_TIMEOUT_MS`. */
  idleTimeoutMs?: number;
  /** How often idle bindings are swept. Default `DEFAULT_SWEEP_INTERVAL_MS`. */
  sweepIntervalMs?: number;
  /** Per-peer average packets/s. Default `DEFAULT_RATE_PACKETS_PER_SECOND`. */
  ratePacketsPerSecond?: number;
  /** Per-peer packet burst. Default `DEFAULT_BURST_PACKETS`. */
  burstPackets?: number;
  /** Per-peer average bytes/s. Default `DEFAULT_RATE_BYTES_PER_SECOND`. */
  rateBytesPerSecond?: number;
  /** Per-peer byte burst. Default `DEFAULT_BURST_BYTES`. */
  burstBytes?: number;
  /** Datagrams longer than this are dropped unread. Default `DEFAULT_MAX_DATAGRAM_BYTES`. */
  maxDatagramBytes?: number;
  /** At most one error frame per address per window. Default `DEFAULT_ERROR_WINDOW_MS`. */
  errorWindowMs?: number;
  /** At most this many unbound addresses get an error per window. Default `DEFAULT_MAX_ERRORS_PER_WINDOW`. */
  maxErrorsPerWindow?: number;
  /** Bound peers across all sessions. Default `DEFAULT_MAX_BINDINGS`. */
  maxBindings?: number;
  /** Bound peers of one session. Default `DEFAULT_MAX_BINDINGS_PER_SESSION`. */
  maxBindingsPerSession?: number;
  /** Bound peers from one source IP address (all ports). Default `DEFAULT_MAX_BINDINGS_PER_ADDRESS`. */
  maxBindingsPerAddress?: number;
  /** Cookies minted plus failed verifications per second per source IP. Default `DEFAULT_BIND_WORK_PER_SECOND`. */
  bindWorkPerSecond?: number;
  /** Burst of the above. Default `DEFAULT_BIND_WORK_BURST`. */
  bindWorkBurst?: number;
  /** The same across all sources. Default `DEFAULT_GLOBAL_BIND_WORK_PER_SECOND`. */
  globalBindWorkPerSecond?: number;
  /** Burst of the above. Default `DEFAULT_GLOBAL_BIND_WORK_BURST`. */
  globalBindWorkBurst?: number;
  /** Source IPs whose bind-work bucket is remembered at once. Default `DEFAULT_MAX_TRACKED_SOURCES`. */
  maxTrackedSources?: number;
  /** Width of a cookie's time slot; a cookie lives one to two slots. Default `DEFAULT_COOKIE_SLOT_MS`. */
  cookieSlotMs?: number;
  /**
   * The issuer's ticket TTL (`createTicketIssuer`'s `ttlMs`): a revocation covers the tickets
   * expiring within this of it, and is forgotten after. Default `DEFAULT_TICKET_TTL_MS`.
   */
  ticketTtlMs?: number;
  /** Revocations remembered at once (oldest forgotten first). Default `DEFAULT_MAX_REVOCATIONS`. */
  maxRevocations?: number;
  /** SO_RCVBUF and SO_SNDBUF in bytes (the kernel may cap it). Default `DEFAULT_SOCKET_BUFFER_BYTES`. */
  socketBufferBytes?: number;
}

/**
 * Each numeric option's integers (`checkIntegerOptions`): a rate or bound of 0 would make a relay
 * that silently forwards nothing; a typo fails the start instead of the traffic.
 */
export const RELAY_INTEGER_RANGES: Record<NumericOptionKeys<RelayServerOptions>, IntegerRange> = {
  port: PORT,
  udpCoalesceMicros: [0, MAX_COALESCE_MICROS],
  idleTimeoutMs: POSITIVE,
  sweepIntervalMs: [1, MAX_TIMER_MS],
  ratePacketsPerSecond: POSITIVE,
  burstPackets: POSITIVE,
  rateBytesPerSecond: POSITIVE,
  burstBytes: POSITIVE,
  maxDatagramBytes: [1, 65_535],
  errorWindowMs: POSITIVE,
  maxErrorsPerWindow: [0, Number.MAX_SAFE_INTEGER],
  maxBindings: POSITIVE,
  maxBindingsPerSession: POSITIVE,
  maxBindingsPerAddress: POSITIVE,
  bindWorkPerSecond: POSITIVE,
  bindWorkBurst: POSITIVE,
  globalBindWorkPerSecond: POSITIVE,
  globalBindWorkBurst: POSITIVE,
  maxTrackedSources: POSITIVE,
  cookieSlotMs: POSITIVE,
  ticketTtlMs: POSITIVE,
  maxRevocations: POSITIVE,
  socketBufferBytes: POSITIVE,
};
