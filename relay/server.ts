// The relay's UDP server: binds peers with tickets and forwards between bound peers of one session.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  createNodeUdpSocketFactory,
  createRealClock,
  createSilentLogger,
  formatEndpoint,
  type Clock,
  type Logger,
  type TimerHandle,
  type UdpEndpoint,
  type UdpSocketFactory,
} from '../core/index.js';
import { admitBind, type Admission } from './admission.js';
import { BindingTable, type Binding } from './bindings.js';
import {
  DEFAULT_BIND_WORK_BURST,
  DEFAULT_BIND_WORK_PER_SECOND,
  DEFAULT_BURST_BYTES,
  DEFAULT_BURST_PACKETS,
  DEFAULT_COOKIE_SLOT_MS,
  DEFAULT_ERROR_WINDOW_MS,
  DEFAULT_GLOBAL_BIND_WORK_BURST,
  DEFAULT_GLOBAL_BIND_WORK_PER_SECOND,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_BINDINGS,
  DEFAULT_MAX_BINDINGS_PER_ADDRESS,
  DEFAULT_MAX_BINDINGS_PER_SESSION,
  DEFAULT_MAX_DATAGRAM_BYTES,
  DEFAULT_MAX_ERRORS_PER_WINDOW,
  DEFAULT_MAX_REVOCATIONS,
  DEFAULT_MAX_TRACKED_SOURCES,
  DEFAULT_RATE_BYTES_PER_SECOND,
  DEFAULT_RATE_PACKETS_PER_SECOND,
  DEFAULT_RELAY_PORT,
  DEFAULT_SOCKET_BUFFER_BYTES,
  DEFAULT_SWEEP_INTERVAL_MS,
  DEFAULT_TICKET_TTL_MS,
} from './constants.js';
import { CookieJar } from './cookies.js';
import { BindWorkBudget, ErrorGate, takeTokens, type RateLimits } from './limits.js';
import {
  RELAY_DATA_HEADER_BYTES,
  RELAY_ERROR_BYTES,
  RELAY_PROTOCOL_VERSION,
  RelayFrameType,
  UNBIND_TOKEN_BYTES,
  decodeRelayFrame,
  encodeRelayFrame,
  readFrameActor,
  rewriteSendAsDeliver,
  type RelayErrorCode,
  type RelayFrame,
} from './wire/index.js';
import { RevocationList } from './revocations.js';
import { createTicketVerifier, type TicketSecret } from './tickets.js';

export interface RelayServerOptions {
  /** The secret shared with the cloud that issues tickets (see `createTicketIssuer`). */
  secret: TicketSecret;
  /** Local address to listen on; an IPv6 literal makes a udp6 socket. Default `0.0.0.0`. */
  host?: string;
  /** UDP port; 0 picks a free one. Default `DEFAULT_RELAY_PORT` (5055). */
  port?: number;
  /** Opens the socket. Default: node:dgram (`createNodeUdpSocketFactory`). */
  socketFactory?: UdpSocketFactory;
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

/** Why the relay dropped a datagram. */
export interface RelayDropCounters {
  /** Longer than `maxDatagramBytes`. */
  tooLarge: number;
  /** Not a relay frame of a known type, or a wrong length. */
  malformed: number;
  /** First byte is not this protocol version. */
  version: number;
  /** A send, keepalive or unbind from an address with no binding. */
  notBound: number;
  /** An unbind without its binding's token (a forged source, or a stale token): ignored. */
  unbindRefused: number;
  /** A send to an actor not bound in the sender's session. */
  peerNotBound: number;
  /** Over the sender's packet or byte rate. */
  rateLimited: number;
  /** A bind with a malformed ticket body, or a proof that does not verify (forged or stolen ticket). */
  ticketInvalid: number;
  /** A bind with an expired ticket. */
  ticketExpired: number;
  /** A bind with a ticket of a revoked session or actor. */
  ticketRevoked: number;
  /** A bind whose source IP (or the relay as a whole) has spent its bind-work budget: dropped before any HMAC. */
  bindLimited: number;
  /** A bind echoing a cookie that is stale or not this source's (answered with a fresh challenge). */
  cookieInvalid: number;
  /** A bind refused because `maxBindings` is reached. */
  relayFull: number;
  /** A bind refused because its session holds `maxBindingsPerSession`. */
  sessionFull: number;
  /** A bind refused because its source IP holds `maxBindingsPerAddress` (answered RELAY_FULL). */
  addressFull: number;
  /** A frame only the relay sends (bound, deliver, keepalive-ack, error, challenge): never answered. */
  unexpected: number;
}

export interface RelayStats {
  /** Bindings now. */
  bindings: number;
  /** Sessions with at least one binding now. */
  sessions: number;
  /** Binds that created a binding. */
  binds: number;
  /** Binds that moved a binding to a new address. */
  rebinds: number;
  /** Bindings ended by an unbind frame. */
  unbinds: number;
  /** Bindings dropped for idleness. */
  expired: number;
  /** Bindings dropped by `revoke()`. */
  revoked: number;
  /** Challenges (cookies) sent in answer to binds. */
  challenges: number;
  /** HMACs computed for binds: cookies minted and checked, ticket proofs. */
  bindHmacs: number;
  /** Revocations remembered now. */
  revocations: number;
  /** Revocations forgotten before their tickets expired, because `maxRevocations` was reached. */
  revocationsEvicted: number;
  /** Source IPs with a bind-work bucket now. */
  trackedSources: number;
  /** Datagrams forwarded between peers. */
  packetsRelayed: number;
  /** Bytes of those datagrams (whole frames). */
  bytesRelayed: number;
  /** Keepalives answered. */
  keepalives: number;
  /** Error frames sent. */
  errorsSent: number;
  dropped: RelayDropCounters;
}

export interface RelayServer {
  /** The bound local endpoint (with the real port when 0 was asked for). */
  address(): UdpEndpoint;
  /** A snapshot of the counters. */
  stats(): RelayStats;
  /**
   * Revokes the tickets of `actor` in `sessionId` (a member who left), or of the whole session
   * (closed) when `actor` is undefined: their bindings are dropped at once, and binds with
   * tickets issued before now are refused with TICKET_REVOKED until those tickets expire.
   */
  revoke(sessionId: string, actor?: number): void;
  /** Closes the socket and the sweep timer. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the relay (wire format: docs/protocols.md, "Relay"; it carries
 * docs/connection-process.md, connection steps 4–5 and 10–13).
 */
export async function createRelayServer(options: RelayServerOptions): Promise<RelayServer> {
  const clock = options.clock ?? createRealClock();
  const logger = options.logger ?? createSilentLogger();
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxDatagramBytes = options.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES;
  const errorWindowMs = options.errorWindowMs ?? DEFAULT_ERROR_WINDOW_MS;
  const limits: RateLimits = {
    packetsPerSecond: options.ratePacketsPerSecond ?? DEFAULT_RATE_PACKETS_PER_SECOND,
    burstPackets: options.burstPackets ?? DEFAULT_BURST_PACKETS,
    bytesPerSecond: options.rateBytesPerSecond ?? DEFAULT_RATE_BYTES_PER_SECOND,
    burstBytes: options.burstBytes ?? DEFAULT_BURST_BYTES,
  };
  const table = new BindingTable(
    limits,
    options.maxBindings ?? DEFAULT_MAX_BINDINGS,
    options.maxBindingsPerSession ?? DEFAULT_MAX_BINDINGS_PER_SESSION,
    options.maxBindingsPerAddress ?? DEFAULT_MAX_BINDINGS_PER_ADDRESS,
  );
  const admission: Admission = {
    table,
    verifier: createTicketVerifier({ secret: options.secret, clock }),
    cookies: new CookieJar(options.cookieSlotMs ?? DEFAULT_COOKIE_SLOT_MS),
    revocations: new RevocationList(options.ticketTtlMs ?? DEFAULT_TICKET_TTL_MS, options.maxRevocations ?? DEFAULT_MAX_REVOCATIONS),
    budget: new BindWorkBudget(
      { perSecond: options.bindWorkPerSecond ?? DEFAULT_BIND_WORK_PER_SECOND, burst: options.bindWorkBurst ?? DEFAULT_BIND_WORK_BURST },
      {
        perSecond: options.globalBindWorkPerSecond ?? DEFAULT_GLOBAL_BIND_WORK_PER_SECOND,
        burst: options.globalBindWorkBurst ?? DEFAULT_GLOBAL_BIND_WORK_BURST,
      },
      options.maxTrackedSources ?? DEFAULT_MAX_TRACKED_SOURCES,
      clock.now(),
    ),
  };
  const unboundErrors = new ErrorGate(errorWindowMs, options.maxErrorsPerWindow ?? DEFAULT_MAX_ERRORS_PER_WINDOW);
  const host = options.host ?? '0.0.0.0';
  const bufferBytes = options.socketBufferBytes ?? DEFAULT_SOCKET_BUFFER_BYTES;
  const socket = await (options.socketFactory ?? createNodeUdpSocketFactory()).bind({
    type: host.includes(':') ? 'udp6' : 'udp4',
    address: host,
    port: options.port ?? DEFAULT_RELAY_PORT,
    receiveBufferSize: bufferBytes,
    sendBufferSize: bufferBytes,
  });

  const counters = {
    binds: 0,
    rebinds: 0,
    unbinds: 0,
    expired: 0,
    revoked: 0,
    challenges: 0,
    bindHmacs: 0,
    packetsRelayed: 0,
    bytesRelayed: 0,
    keepalives: 0,
    errorsSent: 0,
  };
  const dropped: RelayDropCounters = {
    tooLarge: 0,
    malformed: 0,
    version: 0,
    notBound: 0,
    unbindRefused: 0,
    peerNotBound: 0,
    rateLimited: 0,
    ticketInvalid: 0,
    ticketExpired: 0,
    ticketRevoked: 0,
    bindLimited: 0,
    cookieInvalid: 0,
    relayFull: 0,
    sessionFull: 0,
    addressFull: 0,
    unexpected: 0,
  };

  /**
   * Error frames obey the no-amplification rule: never larger than the datagram that caused
   * them, and at most one per address per window (per binding when bound, through the gate
   * otherwise).
   */
  const sendError = (to: UdpEndpoint, binding: Binding | undefined, code: RelayErrorCode, actor: number, receivedBytes: number, now: number): void => {
    if (receivedBytes < RELAY_ERROR_BYTES) return;
    if (binding) {
      if (now - binding.lastErrorMs < errorWindowMs) return;
      binding.lastErrorMs = now;
    } else if (!unboundErrors.allow(`${to.address}|${to.port}`, now)) {
      return;
    }
    counters.errorsSent++;
    socket.send(encodeRelayFrame({ type: 'error', code, actor }), to.port, to.address);
  };

  const handleBind = (frame: Extract<RelayFrame, { type: 'bind' }>, from: UdpEndpoint, current: Binding | undefined, length: number, now: number): void => {
    const decision = admitBind(admission, counters, frame, from, now, clock.wallTime());
    switch (decision.action) {
      case 'challenge':
        if (decision.drop) dropped[decision.drop]++;
        counters.challenges++;
        // 18 bytes, answering a bind of at least RELAY_BIND_MIN_BYTES (47): never amplifies.
        socket.send(encodeRelayFrame({ type: 'challenge', cookie: decision.cookie }), from.port, from.address);
        return;
      case 'refuse':
        dropped[decision.drop]++;
        sendError(from, current, decision.code, 0, length, now);
        return;
      case 'drop':
        dropped[decision.drop]++;
        return;
      case 'bound': {
        const { outcome } = decision;
        const { sessionId, actor } = outcome.binding;
        if (outcome.kind === 'new') counters.binds++;
        if (outcome.kind === 'moved') {
          counters.rebinds++;
          logger.debug({ sessionId, actor, from: outcome.from && formatEndpoint(outcome.from), to: formatEndpoint(from) }, 'relay binding moved');
        }
        // A binding that is new or at a new address gets a new unbind token: an address it left
        // (a NAT mapping another host may get) must not be able to end it.
        if (outcome.kind !== 'refreshed') outcome.binding.unbindToken = randomBytes(UNBIND_TOKEN_BYTES);
        // The source proved it receives our datagrams; the 18-byte answer is smaller than the bind anyway.
        socket.send(encodeRelayFrame({ type: 'bound', actor, idleTimeoutMs, unbindToken: outcome.binding.unbindToken }), from.port, from.address);
        return;
      }
    }
  };

  /** Everything but a bound peer's well-formed send: binds, keepalives, unbinds, garbage. */
  const slowPath = (data: Buffer, from: UdpEndpoint, binding: Binding | undefined, now: number): void => {
    const decoded = decodeRelayFrame(data);
    if (!decoded.ok) {
      if (decoded.error === 'version') {
        dropped.version++;
        // Same marker nibble, other version: a relay peer from another release; tell it.
        if ((data[0]! & 0xf0) === (RELAY_PROTOCOL_VERSION & 0xf0)) sendError(from, binding, 'UNSUPPORTED_VERSION', 0, data.length, now);
      } else {
        dropped.malformed++;
      }
      return;
    }
    const frame = decoded.value;
    if (frame.type === 'bound' || frame.type === 'deliver' || frame.type === 'keepaliveAck' || frame.type === 'error' || frame.type === 'challenge') {
      // Never answered, so two relays (or a reflected packet) cannot ping-pong.
      dropped.unexpected++;
      return;
    }
    if (binding && !takeTokens(binding, limits, now, data.length)) {
      dropped.rateLimited++;
      return;
    }
    switch (frame.type) {
      case 'bind':
        handleBind(frame, from, binding, data.length, now);
        return;
      case 'keepalive':
        if (!binding) break;
        binding.lastSeenMs = now;
        counters.keepalives++;
        data[1] = RelayFrameType.keepaliveAck; // the ack is the keepalive, retyped
        socket.send(data, from.port, from.address);
        return;
      case 'unbind':
        if (!binding) break;
        if (binding.unbindToken.length !== UNBIND_TOKEN_BYTES || !timingSafeEqual(binding.unbindToken, frame.unbindToken)) {
          dropped.unbindRefused++;
          return;
        }
        table.remove(binding);
        counters.unbinds++;
        return;
      case 'send':
        break; // a bound peer's send took the fast path; this one is unbound
    }
    dropped.notBound++;
    sendError(from, undefined, 'NOT_BOUND', 0, data.length, now);
  };

  // Connection steps 5, 11 and 13 (docs/connection-process.md): forward a bound peer's frame
  // to its session peer, tagged with the sender's actor. The hot path reads the header in
  // place and rewrites the received buffer into the deliver frame: no decode, no allocation.
  const detach = socket.onMessage((data, from) => {
    const now = clock.now();
    if (data.length > maxDatagramBytes) {
      dropped.tooLarge++;
      return;
    }
    const binding = table.lookup(from.address, from.port);
    if (binding === undefined || data.length < RELAY_DATA_HEADER_BYTES || data[0] !== RELAY_PROTOCOL_VERSION || data[1] !== RelayFrameType.send) {
      slowPath(data, from, binding, now);
      return;
    }
    if (!takeTokens(binding, limits, now, data.length)) {
      dropped.rateLimited++;
      sendError(from, binding, 'RATE_LIMITED', 0, data.length, now);
      return;
    }
    const toActor = readFrameActor(data);
    const peer = binding.peers.get(toActor);
    if (peer === undefined) {
      // Not a refresh: sends to nobody must not hold a binding (a harvested slot) open.
      dropped.peerNotBound++;
      sendError(from, binding, 'PEER_NOT_BOUND', toActor, data.length, now);
      return;
    }
    binding.lastSeenMs = now;
    rewriteSendAsDeliver(data, binding.actor);
    counters.packetsRelayed++;
    counters.bytesRelayed += data.length;
    socket.send(data, peer.port, peer.address);
  });
  const detachErrors = socket.onError((error) => logger.debug({ err: error }, 'relay socket error'));

  const sweep = clock.setInterval(() => {
    const now = clock.now();
    admission.revocations.prune(clock.wallTime());
    admission.budget.sweep(now);
    const expired = table.expireIdle(now, idleTimeoutMs);
    if (expired > 0) {
      counters.expired += expired;
      logger.debug({ expired, bindings: table.size }, 'relay bindings expired');
    }
  }, options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);

  let sweepTimer: TimerHandle | undefined = sweep;
  let closing: Promise<void> | undefined;
  const local = socket.address();
  logger.info({ relay: formatEndpoint(local) }, 'relay listening');

  return {
    address: () => ({ ...local }),
    stats: () => ({
      bindings: table.size,
      sessions: table.sessionCount,
      ...counters,
      revocations: admission.revocations.size,
      revocationsEvicted: admission.revocations.evicted,
      trackedSources: admission.budget.trackedSources,
      dropped: { ...dropped },
    }),
    revoke(sessionId, actor) {
      // Called from the session service with its own values; a bad one revokes nothing real.
      if (typeof sessionId !== 'string' || (actor !== undefined && !Number.isInteger(actor))) return;
      admission.revocations.revoke(sessionId, actor, clock.wallTime());
      const removed = table.removeSession(sessionId, actor);
      counters.revoked += removed;
      if (removed > 0) logger.debug({ sessionId, actor, removed }, 'relay bindings revoked');
    },
    close() {
      closing ??= (async () => {
        clock.clearInterval(sweepTimer);
        sweepTimer = undefined;
        detach();
        detachErrors();
        await socket.close();
        logger.info('relay closed');
      })();
      return closing;
    },
  };
}
