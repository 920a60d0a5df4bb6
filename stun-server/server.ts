// The STUN server: binds its primary and RFC 5780 alternate sockets and answers Binding requests.
import {
  checkIntegerOptions,
  createRealClock,
  createSilentLogger,
  formatEndpoint,
  PORT,
  POSITIVE,
  PunchthroughError,
  type Clock,
  type Logger,
  type UdpEndpoint,
  type UdpSocket,
  type UdpSocketFactory,
} from '../core/index.js';
import { chooseUdpIo, type UdpIoMode, type UdpIoPath } from '../udp-native/index.js';
import { ipToBytes } from './codec/index.js';
import {
  DEFAULT_STUN_HOST_IPV4,
  DEFAULT_STUN_PORT,
  DEFAULT_STUN_RATE_BURST,
  DEFAULT_STUN_RATE_MAX_SOURCES,
  DEFAULT_STUN_RATE_PER_SECOND,
  DEFAULT_STUN_RECEIVE_BUFFER_BYTES,
  DEFAULT_STUN_SOFTWARE,
} from './constants.js';
import { SourceRateLimiter, type RateLimitOptions } from './rate-limit.js';
import { createStunResponder, STUN_DROP_REASONS, type SlotIndex, type StunDropReason } from './responder.js';
import { startStunWorkers } from './workers.js';

/** One address family's listener. */
export interface StunListenOptions {
  /** Address to bind. IPv4 default `0.0.0.0`; IPv6 has no default (give `::` or an address). */
  host?: string;
  /** Primary port; 0 picks a free one. Default DEFAULT_STUN_PORT (3478). */
  port?: number;
  /**
   * RFC 5780: a second port on which the server also listens and from which it answers
   * CHANGE-REQUEST(change port). 0 picks a free one. Default: none (no behaviour discovery).
   */
  alternatePort?: number;
  /**
   * RFC 5780: a second address of this host (same family), for CHANGE-REQUEST(change IP).
   * Needs a specific `host`, since both addresses are advertised. Default: none.
   */
  alternateHost?: string;
  /**
   * The address clients reach `host` at, named in RESPONSE-ORIGIN and OTHER-ADDRESS (RFC 5780):
   * needed when `host` is a wildcard or sits behind a 1:1 NAT, so that a one-address server
   * with an alternate port still tells clients where that port is. Default: `host` when it is
   * a specific address; with a wildcard and no advertised address, neither attribute is sent.
   */
  advertisedHost?: string;
}

export interface StunServerOptions {
  /** IPv4 listener, or false for none. Default: `{ host: '0.0.0.0', port: 3478 }`. */
  ipv4?: StunListenOptions | false;
  /** IPv6 listener, or false for none (the default: not every host has IPv6). */
  ipv6?: StunListenOptions | false;
  /** Creates the UDP sockets. Default: chosen by `udpIo`. Tests inject the virtual network. */
  socketFactory?: UdpSocketFactory;
  /**
   * The UDP I/O path: `batched` (the native addon; a startup error UDP_IO_UNAVAILABLE when it
   * is not built), `dgram` (node:dgram) or `auto` (the default: batched when the addon loads;
   * the PUNCHTHROUGH_UDP_IO environment variable overrides auto). Ignored with `socketFactory`.
   */
  udpIo?: UdpIoMode;
  /** Time source for the rate limiter. Default: the real clock. */
  clock?: Clock;
  /** Logger for lifecycle and socket errors (never per packet). Default: silent. */
  logger?: Logger;
  /** SOFTWARE attribute text; null leaves it out. Default DEFAULT_STUN_SOFTWARE. */
  software?: string | null;
  /**
   * Per-source-IP request limit, or false for none (benchmarks). Defaults:
   * DEFAULT_STUN_RATE_PER_SECOND, DEFAULT_STUN_RATE_BURST, DEFAULT_STUN_RATE_MAX_SOURCES.
   */
  rateLimit?: Partial<RateLimitOptions> | false;
  /** SO_RCVBUF per socket in bytes. Default DEFAULT_STUN_RECEIVE_BUFFER_BYTES. */
  receiveBufferBytes?: number;
  /**
   * Socket loops, one per thread: this thread and `workers - 1` worker threads, each with its own
   * SO_REUSEPORT sockets on the same ports (the kernel spreads sources over them), so the server
   * uses more than one core. Needs the batched UDP path (not `dgram`, no `socketFactory`).
   * Each thread rate-limits the sources it sees. Default 1.
   */
  workers?: number;
}

export type StunSlotRole = 'primary' | 'alternate-port' | 'alternate-address' | 'alternate-address-and-port';

export interface StunServerEndpoint extends UdpEndpoint {
  role: StunSlotRole;
}

/** Counters since start. `received` = `successResponses` + `errorResponses` + sum of `drops`. */
export interface StunServerStats {
  /** Datagrams received on all sockets. */
  received: number;
  /** Binding requests answered (success or error). */
  requests: number;
  /** Binding success responses sent. */
  successResponses: number;
  /** Error responses sent (400, 420). */
  errorResponses: number;
  /** Datagrams not answered, by reason. */
  drops: Record<StunDropReason, number>;
  /** Socket errors (failed sends included); they never stop the server. */
  socketErrors: number;
}

export interface StunServer {
  /** Every bound socket, primary first. */
  endpoints(): StunServerEndpoint[];
  /** The primary endpoint of a family, if that family is enabled. */
  address(family?: 'IPv4' | 'IPv6'): UdpEndpoint | undefined;
  /** A snapshot of the counters. */
  stats(): StunServerStats;
  /** The UDP I/O path the sockets run on (`custom` with an injected socketFactory). */
  udpIo(): UdpIoPath;
  /** Closes every socket. Idempotent. */
  close(): Promise<void>;
}

const ROLES: Record<`${0 | 1}${0 | 1}`, StunSlotRole> = {
  '00': 'primary',
  '01': 'alternate-port',
  '10': 'alternate-address',
  '11': 'alternate-address-and-port',
};

/** Starts the STUN server: it answers creation and joining steps 9–10 (docs/connection-process.md). */
export async function createStunServer(options: StunServerOptions = {}): Promise<StunServer> {
  checkNumbers(options);
  if (options.workers !== undefined && options.workers !== 1) return startStunWorkers(options, createSingleStunServer);
  return createSingleStunServer(options, false);
}

/** One thread's STUN server; `reusePort` when worker threads share its ports. */
export async function createSingleStunServer(options: StunServerOptions, reusePort: boolean): Promise<StunServer> {
  const io = options.socketFactory ? undefined : chooseUdpIo(options.udpIo, { reusePort });
  const udpIo: UdpIoPath = io?.io ?? 'custom';
  const factory = options.socketFactory ?? io!.factory;
  const clock = options.clock ?? createRealClock();
  const logger = options.logger ?? createSilentLogger();
  const software = options.software === null ? undefined : (options.software ?? DEFAULT_STUN_SOFTWARE);
  const limiter =
    options.rateLimit === false
      ? undefined
      : new SourceRateLimiter({
          ratePerSecond: options.rateLimit?.ratePerSecond ?? DEFAULT_STUN_RATE_PER_SECOND,
          burst: options.rateLimit?.burst ?? DEFAULT_STUN_RATE_BURST,
          maxSources: options.rateLimit?.maxSources ?? DEFAULT_STUN_RATE_MAX_SOURCES,
        });
  const stats: StunServerStats = {
    received: 0,
    requests: 0,
    successResponses: 0,
    errorResponses: 0,
    drops: Object.fromEntries(STUN_DROP_REASONS.map((reason) => [reason, 0])) as Record<StunDropReason, number>,
    socketErrors: 0,
  };
  const listeners = [
    { type: 'udp4' as const, listen: options.ipv4 === undefined ? { host: DEFAULT_STUN_HOST_IPV4 } : options.ipv4 },
    { type: 'udp6' as const, listen: options.ipv6 ?? false },
  ];
  const sockets: UdpSocket[] = [];
  const endpoints: StunServerEndpoint[] = [];
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= Promise.all(sockets.map((socket) => socket.close())).then(() => {
      logger.info('stun server closed');
    }));

  try {
    for (const { type, listen } of listeners) {
      if (listen === false) continue;
      await bindFamily(type, listen);
    }
  } catch (error) {
    await close();
    throw error;
  }
  logger.info(
    { endpoints: endpoints.map((e) => `${e.role} ${formatEndpoint(e)}`), udpIo, ...(io?.fallbackReason ? { udpIoFallback: io.fallbackReason } : {}) },
    'stun server listening',
  );

  async function bindFamily(type: 'udp4' | 'udp6', listen: StunListenOptions): Promise<void> {
    const host = listen.host ?? (type === 'udp4' ? DEFAULT_STUN_HOST_IPV4 : undefined);
    if (!host) throw invalid(`${type}: host is required for IPv6 (use "::" for all interfaces)`);
    const wildcard = host === '0.0.0.0' || host === '::';
    const hostBytes = ipToBytes(host);
    if (!hostBytes || (hostBytes.length === 4) !== (type === 'udp4')) throw invalid(`${type}: host "${host}" is not an ${type === 'udp4' ? 'IPv4' : 'IPv6'} address`);
    if (listen.alternateHost !== undefined) {
      const altBytes = ipToBytes(listen.alternateHost);
      if (!altBytes || altBytes.length !== hostBytes.length || listen.alternateHost === host) {
        throw invalid(`${type}: alternateHost "${listen.alternateHost}" must be another address of the same family`);
      }
      if (wildcard) throw invalid(`${type}: alternateHost needs a specific host, not "${host}"`);
    }
    const port = listen.port ?? DEFAULT_STUN_PORT;
    if (listen.alternatePort !== undefined && listen.alternatePort !== 0 && listen.alternatePort === port) {
      throw invalid(`${type}: alternatePort must differ from port ${port}`);
    }
    const hosts = listen.alternateHost === undefined ? [host] : [host, listen.alternateHost];
    const ports: number[] = listen.alternatePort === undefined ? [port] : [port, listen.alternatePort];
    const advertised = listen.advertisedHost;
    if (advertised !== undefined && ipToBytes(advertised)?.length !== hostBytes.length) {
      throw invalid(`${type}: advertisedHost "${advertised}" is not an ${type === 'udp4' ? 'IPv4' : 'IPv6'} address`);
    }
    const grid: (UdpSocket | undefined)[][] = [[], []];
    const bound: (UdpEndpoint | undefined)[][] = [[], []];
    const respond = createStunResponder({
      software,
      // The primary address as clients see it; the alternate address is always a specific one.
      slot: (ip, portIndex) => {
        const endpoint = bound[ip]![portIndex];
        return endpoint && ip === 0 && advertised !== undefined ? { ...endpoint, address: advertised } : endpoint;
      },
      advertise: !wildcard || advertised !== undefined,
    });
    for (let ip = 0; ip < hosts.length; ip++) {
      for (let p = 0; p < ports.length; p++) {
        // Port 0: the first socket on a port index picks it; the other address reuses it.
        const wanted = ip === 1 ? bound[0]![p]!.port : ports[p]!;
        const socket = await factory.bind({
          type,
          address: hosts[ip]!,
          port: wanted,
          receiveBufferSize: options.receiveBufferBytes ?? DEFAULT_STUN_RECEIVE_BUFFER_BYTES,
        });
        sockets.push(socket); // from here on, close() (also on a later failure) owns it
        grid[ip]![p] = socket;
        const endpoint = socket.address();
        bound[ip]![p] = endpoint;
        endpoints.push({ ...endpoint, role: ROLES[`${ip as 0 | 1}${p as 0 | 1}`] });
        if (ip === 0 && p === 1 && endpoint.port === bound[0]![0]!.port) throw invalid(`${type}: alternatePort equals port`);
      }
    }
    for (let ip = 0; ip < hosts.length; ip++) {
      for (let p = 0; p < ports.length; p++) {
        const on: SlotIndex = { ip: ip as 0 | 1, port: p as 0 | 1 };
        const socket = grid[ip]![p]!;
        socket.onError((error) => {
          stats.socketErrors++;
          logger.debug({ err: error }, 'stun socket error');
        });
        socket.onMessage((data, from) => {
          stats.received++;
          if (limiter && !limiter.allow(from.address, clock.now())) {
            stats.drops['rate-limited']++;
            return;
          }
          const outcome = respond(data, from, on);
          if (outcome.action === 'drop') {
            stats.drops[outcome.reason]++;
            return;
          }
          stats.requests++;
          if (outcome.kind === 'success') stats.successResponses++;
          else stats.errorResponses++;
          grid[outcome.via.ip]![outcome.via.port]!.send(outcome.bytes, outcome.to.port, outcome.to.address);
        });
      }
    }
  }

  return {
    endpoints: () => endpoints.map((endpoint) => ({ ...endpoint })),
    address(family = 'IPv4') {
      const primary = endpoints.find((e) => e.role === 'primary' && e.family === family);
      return primary && { address: primary.address, port: primary.port, family: primary.family };
    },
    stats: () => ({ ...stats, drops: { ...stats.drops } }),
    udpIo: () => udpIo,
    close,
  };
}

function invalid(message: string): PunchthroughError {
  return new PunchthroughError('INVALID_OPTIONS', `createStunServer: ${message}`);
}

/** Ports, buffer and rate limit in range, or INVALID_OPTIONS naming the option: a 0 rate or burst would answer no one. */
function checkNumbers(options: StunServerOptions): void {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const listen = options[family];
    if (listen) checkIntegerOptions('createStunServer', listen, { port: PORT, alternatePort: PORT }, `${family}.`);
  }
  checkIntegerOptions('createStunServer', options, { receiveBufferBytes: POSITIVE });
  if (!options.rateLimit) return;
  checkIntegerOptions('createStunServer', options.rateLimit, { burst: POSITIVE, maxSources: POSITIVE }, 'rateLimit.');
  const rate: unknown = options.rateLimit.ratePerSecond;
  if (rate !== undefined && !(typeof rate === 'number' && Number.isFinite(rate) && rate > 0)) {
    throw invalid(`rateLimit.ratePerSecond must be a number above 0, got ${typeof rate === 'number' ? rate : typeof rate}`);
  }
}
