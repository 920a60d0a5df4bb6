// The relay's UDP server: binds peers with tickets and forwards between bound peers of one session.
import { createEnv, formatEndpoint, type TimerHandle, type UdpEndpoint } from '../core/index.js';
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
} from './constants.js';
import { CookieJar } from './cookies.js';
import { createRelayDatagramHandler } from './datagrams.js';
import { BindWorkBudget, ErrorGate, peerRates, type RateLimits } from './limits.js';
import { RevocationList } from './revocations.js';
import type { RelayServerOptions } from './server-options.js';
import { createDropCounters, createRelayCounters, type RelayStats } from './stats.js';
import { createTicketVerifier } from './tickets.js';

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

/** Starts the relay (connection steps 4–5 and 10–13 of docs/connection-process.md). */
export async function createRelayServer(options: RelayServerOptions): Promise<RelayServer> {
  const env = createEnv({ clock: options.clock, logger: options.logger, sockets: options.socketFactory });
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
  const host = options.host ?? '0.0.0.0';
  const bufferBytes = options.socketBufferBytes ?? DEFAULT_SOCKET_BUFFER_BYTES;
  const socket = await env.sockets.bind({
    type: host.includes(':') ? 'udp6' : 'udp4',
    address: host,
    port: options.port ?? DEFAULT_RELAY_PORT,
    receiveBufferSize: bufferBytes,
    sendBufferSize: bufferBytes,
  });

  const counters = createRelayCounters();
  const dropped = createDropCounters();
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const detach = socket.onMessage(
    createRelayDatagramHandler(env, {
      socket,
      table,
      admission,
      rates: peerRates(limits),
      unboundErrors: new ErrorGate(errorWindowMs, options.maxErrorsPerWindow ?? DEFAULT_MAX_ERRORS_PER_WINDOW),
      counters,
      dropped,
      idleTimeoutMs,
      maxDatagramBytes: options.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES,
      errorWindowMs,
    }),
  );
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
