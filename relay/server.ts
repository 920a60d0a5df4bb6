// The relay's UDP server: binds peers with tickets and forwards between bound peers of one session.
import { checkIntegerOptions, createEnv, formatEndpoint, type TimerHandle, type UdpEndpoint, type UdpSocket } from '../core/index.js';
import { chooseUdpIo, type UdpIoPath } from '../udp-native/index.js';
import type { Admission } from './admission.js';
import { BindingTable } from './bindings.js';
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
  DEFAULT_UDP_COALESCE_MICROS,
  RELAY_STREAM_PORT_BASE,
  RELAY_STREAM_PORT_SPAN,
} from './constants.js';
import { CookieJar } from './cookies.js';
import { createRelayDatagramHandler } from './datagrams.js';
import { BindWorkBudget, ErrorGate, peerRates, type RateLimits } from './limits.js';
import { RevocationList } from './revocations.js';
import { RELAY_INTEGER_RANGES, type RelayServerOptions } from './server-options.js';
import { createDropCounters, createRelayCounters, type RelayStats } from './stats.js';
import { createTicketVerifier } from './tickets.js';

export interface RelayServer {
  /** The bound local endpoint (with the real port when 0 was asked for). */
  address(): UdpEndpoint;
  /** The IPv6 socket's endpoint when the relay listens on `host6` too. */
  address6(): UdpEndpoint | undefined;
  /** A snapshot of the counters. */
  stats(): RelayStats;
  /**
   * Revokes the tickets of `actor` in `sessionId` (a member who left), or of the whole session
   * (closed) when `actor` is undefined: their bindings are dropped at once, and binds with
   * tickets issued before now are refused with TICKET_REVOKED until those tickets expire.
   */
  revoke(sessionId: string, actor?: number): void;
  /**
   * Attaches a message stream (a WebSocket, relay/ws-server.ts) as one more address: each message
   * it receives is one relay frame, handled as a datagram from the stream's synthetic endpoint,
   * and frames to that endpoint go to `send`. Undefined when the relay is closed.
   */
  openStream(remote: { address: string; family: UdpEndpoint['family'] }, send: (frame: Buffer) => void): RelayStream | undefined;
  /** The UDP I/O path the sockets run on (`udpIo` option; `custom` with an injected socketFactory). */
  udpIo(): UdpIoPath;
  /** Closes the socket and the sweep timer. Idempotent. */
  close(): Promise<void>;
}

/** A message stream attached to the relay (`openStream`). */
export interface RelayStream {
  /** Its synthetic endpoint: the peer's IP, a port above UDP's range. */
  readonly endpoint: UdpEndpoint;
  /** Whether a binding lives at the endpoint now. */
  readonly bound: boolean;
  /** One received message, handled as a datagram (the handler may rewrite it in place). */
  receive(frame: Buffer): void;
  /** The stream ended: its binding goes at once, and nothing more is sent to it. Idempotent. */
  close(): void;
}

/** Starts the relay (connection steps 4–5 and 10–13 of docs/connection-process.md). */
export async function createRelayServer(options: RelayServerOptions): Promise<RelayServer> {
  checkIntegerOptions('createRelayServer', options, RELAY_INTEGER_RANGES);
  // An injected factory (tests, the virtual network) wins; otherwise the udpIo option chooses.
  const coalesceMicros = options.udpCoalesceMicros ?? DEFAULT_UDP_COALESCE_MICROS;
  const io = options.socketFactory ? undefined : chooseUdpIo(options.udpIo, { coalesceMicros });
  const udpIo: UdpIoPath = io?.io ?? 'custom';
  const env = createEnv({ clock: options.clock, logger: options.logger, sockets: options.socketFactory ?? io?.factory });
  const { clock, logger } = env;
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
    verifier: createTicketVerifier({ secret: options.secret, clock, ...(options.relayId === undefined ? {} : { relayId: options.relayId }) }),
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
  const host = options.host ?? '0.0.0.0';
  const bufferBytes = options.socketBufferBytes ?? DEFAULT_SOCKET_BUFFER_BYTES;
  const bind = (address: string, port: number) =>
    env.sockets.bind({ type: address.includes(':') ? 'udp6' : 'udp4', address, port, receiveBufferSize: bufferBytes, sendBufferSize: bufferBytes });
  const socket = await bind(host, options.port ?? DEFAULT_RELAY_PORT);
  let socket6: UdpSocket | undefined;
  if (options.host6 !== undefined) {
    try {
      socket6 = await bind(options.host6, socket.address().port);
    } catch (error) {
      await socket.close();
      throw error;
    }
  }
  const v6 = socket6;
  // Answers and forwards leave by the destination's family; one socket needs no choosing.
  const udpSender: Pick<UdpSocket, 'send'> = v6
    ? { send: (data, port, address, ttl) => (address.includes(':') ? v6 : socket).send(data, port, address, ttl) }
    : socket;
  // Streams' synthetic ports lie above UDP's: one comparison routes a frame to its transport.
  const streams = new Map<number, (frame: Buffer) => void>();
  const sender: Pick<UdpSocket, 'send'> = {
    send: (data, port, address, ttl) => {
      if (port < RELAY_STREAM_PORT_BASE) udpSender.send(data, port, address, ttl);
      else streams.get(port)?.(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    },
  };
  let nextStream = 0;

  const counters = createRelayCounters();
  const dropped = createDropCounters();
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const handler = createRelayDatagramHandler(env, {
    socket: sender,
    table,
    admission,
    rates: peerRates(limits),
    unboundErrors: new ErrorGate(errorWindowMs, options.maxErrorsPerWindow ?? DEFAULT_MAX_ERRORS_PER_WINDOW),
    counters,
    dropped,
    idleTimeoutMs,
    maxDatagramBytes: options.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES,
    errorWindowMs,
  });
  const detach = socket.onMessage(handler);
  const detach6 = socket6?.onMessage(handler);
  const detachErrors = socket.onError((error) => logger.debug({ err: error }, 'relay socket error'));
  const detachErrors6 = socket6?.onError((error) => logger.debug({ err: error }, 'relay socket error'));

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
  const local6 = socket6?.address();
  logger.info(
    {
      relay: formatEndpoint(local),
      ...(local6 ? { relay6: formatEndpoint(local6) } : {}),
      udpIo,
      ...(io?.fallbackReason ? { udpIoFallback: io.fallbackReason } : {}),
    },
    'relay listening',
  );

  return {
    address: () => ({ ...local }),
    address6: () => (local6 ? { ...local6 } : undefined),
    stats: () => ({
      bindings: table.size,
      sessions: table.sessionCount,
      ...counters,
      revocations: admission.revocations.size,
      revocationsEvicted: admission.revocations.evicted,
      trackedSources: admission.budget.trackedSources,
      dropped: { ...dropped },
    }),
    udpIo: () => udpIo,
    revoke(sessionId, actor) {
      // Called from the session service with its own values; a bad one revokes nothing real.
      if (typeof sessionId !== 'string' || (actor !== undefined && !Number.isInteger(actor))) return;
      admission.revocations.revoke(sessionId, actor, clock.wallTime());
      const removed = table.removeSession(sessionId, actor);
      counters.revoked += removed;
      if (removed > 0) logger.debug({ sessionId, actor, removed }, 'relay bindings revoked');
    },
    openStream(remote, send) {
      if (closing) return undefined;
      do nextStream = (nextStream + 1) % RELAY_STREAM_PORT_SPAN;
      while (streams.has(RELAY_STREAM_PORT_BASE + nextStream));
      const endpoint: UdpEndpoint = { address: remote.address, port: RELAY_STREAM_PORT_BASE + nextStream, family: remote.family };
      streams.set(endpoint.port, send);
      let open = true;
      return {
        endpoint,
        get bound() {
          return table.lookup(endpoint.address, endpoint.port) !== undefined;
        },
        receive(frame) {
          if (open) handler(frame, endpoint);
        },
        close() {
          if (!open) return;
          open = false;
          streams.delete(endpoint.port);
          const binding = table.lookup(endpoint.address, endpoint.port);
          if (binding) {
            // The stream was the address; nothing can reach it any more, so waiting for idleness would only hold a slot.
            table.remove(binding);
            counters.unbinds++;
          }
        },
      };
    },
    close() {
      closing ??= (async () => {
        clock.clearInterval(sweepTimer);
        sweepTimer = undefined;
        detach();
        detachErrors();
        detach6?.();
        detachErrors6?.();
        await Promise.all([socket.close(), socket6?.close()]);
        logger.info('relay closed');
      })();
      return closing;
    },
  };
}
