// createCloud: the one-process cloud (session service, STUN server and relay) started together.
import {
  createRelayServer,
  createRelayWebSocketServer,
  createTicketIssuer,
  generateTicketSecret,
  relayDefaults,
  type RelayServer,
  type RelayWebSocketServer,
} from '../../relay/index.js';
import { createStunServer, DEFAULT_STUN_PORT, type StunServer, type StunServerOptions } from '../../stun-server/index.js';
import { formatEndpoint, createRealClock, createSilentLogger, PunchthroughError, type UdpEndpoint } from '../../core/index.js';
import { isIP } from 'node:net';
import { SIGNALING_PATH } from '../protocol/index.js';
import { buildSessionService, type SessionService } from '../session/service.js';
import {
  DEFAULT_CLOUD_HOST,
  DEFAULT_CLOUD_HOST6,
  DEFAULT_HTTP_PORT,
  DEFAULT_METRICS_HOST,
  DEFAULT_STUN_ALT_PORT,
} from '../constants.js';
import { registerUdpServiceMetrics } from './metrics.js';
import { registerRelayWsMetrics } from './relay-ws-metrics.js';
import { serveMetrics } from './metrics-server.js';
import type { CloudOptions, ExternalRelayOptions } from './options.js';
import { advertisedAddress, advertisedAddress6 } from './public-ip.js';
import { startClusterMode, type ClusterMode } from './cluster-mode.js';
import { createCloudFleet, embeddedRelayEntry } from './relay-fleet.js';
import { createCloudStats, embeddedRelayRow, statsRelays } from './dashboard.js';
import type { SessionStore } from '../session/store.js';
import type { RelayTicketIssuer } from '../session/options.js';

export interface Cloud {
  /** Base URL of the session service, with the advertised address: `http://IP:7070`. */
  readonly httpUrl: string;
  /** The WebSocket URL peers connect to (what `NetworkRunner`'s `cloudUrl` takes). */
  readonly signalingUrl: string;
  /** The HTTP listener as bound (differs from `httpUrl` when a public IP is advertised). */
  readonly http: UdpEndpoint;
  /** The STUN endpoint handed to peers. */
  readonly stun: UdpEndpoint;
  /** The IPv6 STUN endpoint handed to peers too, when the cloud is dual-stack and has a global IPv6 address. */
  readonly stun6?: UdpEndpoint;
  /** The relay endpoint handed to peers. */
  readonly relay: UdpEndpoint;
  /**
   * The relay's IPv6 endpoint on a dual-stack cloud (same binding table as `relay`: peers bound
   * over either family reach each other). Grants name `relay`, which the SDK binds over IPv4.
   */
  readonly relay6?: UdpEndpoint;
  readonly sessionService: SessionService;
  readonly stunServer: StunServer;
  readonly relayServer: RelayServer;
  /** The embedded relay's WebSocket listener, with `relayWsPort`. */
  readonly relayWs?: RelayWebSocketServer;
  /** The relay WebSocket URL grants name, with `relayWsPort` or `relayWsUrl`. */
  readonly relayWsUrl?: string;
  /** Where `/metrics` is served when `metricsPort` is set (else on the HTTP port). */
  readonly metricsEndpoint?: UdpEndpoint;
  /** Prometheus text of every service (what `GET /metrics` serves). */
  metrics(): Promise<string>;
  /** Tells every session the cloud is going away, then closes every socket. Idempotent. */
  close(): Promise<void>;
}

/** A cloud that hands out an external relay ({@link ExternalRelayOptions}): it runs none itself. */
export type CloudWithExternalRelay = Omit<Cloud, 'relayServer' | 'relay6'>;

/**
 * A cloud of a relay fleet started with `embeddedRelay: false`: only the fleet's relays carry
 * relayed traffic, so it has no relay server, no relay WebSocket listener, and no relay endpoint
 * of its own (`relay` has port 0; grants name each session's fleet relay).
 */
export type CloudWithoutEmbeddedRelay = Omit<Cloud, 'relayServer' | 'relay6' | 'relayWs'>;

/**
 * The one-process cloud: session service + STUN server + relay, on the in-memory store, with
 * a relay secret generated at start unless given. With `relayEndpoint`, peers get that
 * external relay and the built-in one does not start.
 */
export function createCloud(options: CloudOptions & ExternalRelayOptions): Promise<CloudWithExternalRelay>;
export function createCloud(options: CloudOptions & { relayRegistrationToken: string; embeddedRelay: false }): Promise<CloudWithoutEmbeddedRelay>;
export function createCloud(options?: CloudOptions): Promise<Cloud>;
export async function createCloud(options: CloudOptions & Partial<ExternalRelayOptions> = {}): Promise<Cloud | CloudWithExternalRelay | CloudWithoutEmbeddedRelay> {
  const clock = options.clock ?? createRealClock();
  const logger = options.logger ?? createSilentLogger();
  const host = options.host ?? DEFAULT_CLOUD_HOST;
  const udpHost = options.udpHost ?? host;
  const publicIp = options.publicIp ?? advertisedAddress(udpHost);
  const secret = options.relaySecret ?? generateTicketSecret();
  const opened: Array<{ close(): Promise<void> }> = [];
  const closeAll = async (): Promise<void> => {
    await Promise.allSettled(opened.reverse().map((service) => service.close()));
  };

  try {
    const stunAltPort = options.stunAltPort === undefined ? DEFAULT_STUN_ALT_PORT : options.stunAltPort;
    const stunPort = options.stunPort ?? DEFAULT_STUN_PORT;
    const alternate = stunAltPort === null ? {} : { alternatePort: stunAltPort };
    const stunOptions: StunServerOptions = {
      ipv4: { host: udpHost, port: stunPort, ...alternate, ...stunAddresses(options, udpHost, publicIp, stunAltPort) },
      ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
      clock,
      logger: logger.child({ service: 'stun' }),
    };
    // Dual stack beside the IPv4 wildcard (or where asked): the same ports on IPv6.
    const udpHost6 = options.udpHost6 ?? DEFAULT_CLOUD_HOST6;
    const dualStack = (options.ipv6 ?? true) && !udpHost.includes(':') && (options.udpHost6 !== undefined || udpHost === DEFAULT_CLOUD_HOST);
    let stunServer: StunServer;
    try {
      stunServer = await createStunServer(dualStack ? { ...stunOptions, ipv6: { host: udpHost6, port: stunPort, ...alternate } } : stunOptions);
    } catch (error) {
      if (!dualStack) throw error;
      logger.warn({ err: error }, 'STUN over IPv6 unavailable; IPv4 only');
      stunServer = await createStunServer(stunOptions);
    }
    opened.push(stunServer);
    const external = options.relayEndpoint;
    const fleetToken = options.relayRegistrationToken;
    if (fleetToken !== undefined && (options.relaySecret === undefined || fleetToken.length < 16)) {
      throw new PunchthroughError('INVALID_OPTIONS', 'createCloud: a relay fleet needs relaySecret (the master secret) and a relayRegistrationToken of at least 16 characters');
    }
    let relayServer: RelayServer | undefined;
    if (!external && (fleetToken === undefined || options.embeddedRelay !== false)) {
      const relayOptions = {
        secret,
        // Revocations must outlive the tickets they cover: the issuer below uses this TTL.
        ticketTtlMs: relayDefaults.DEFAULT_TICKET_TTL_MS,
        host: udpHost,
        port: options.relayPort ?? relayDefaults.DEFAULT_RELAY_PORT,
        ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
        clock,
        logger: logger.child({ service: 'relay' }),
      };
      try {
        relayServer = await createRelayServer(dualStack ? { ...relayOptions, host6: udpHost6 } : relayOptions);
      } catch (error) {
        // Only a failed IPv6 socket falls back; an option out of range fails either way.
        if (!dualStack || (error instanceof PunchthroughError && error.code === 'INVALID_OPTIONS')) throw error;
        logger.warn({ err: error }, 'relay over IPv6 unavailable; IPv4 only');
        relayServer = await createRelayServer(relayOptions);
      }
      opened.push(relayServer);
    }
    let relayWs: RelayWebSocketServer | undefined;
    if (relayServer && options.relayWsPort !== undefined) {
      // The listener's proxy list takes addresses only; CIDR ranges apply to the HTTP listener.
      const trustedProxies = (options.session?.trustedProxies ?? []).filter((proxy) => isIP(proxy) !== 0);
      const wsLogger = logger.child({ service: 'relay-ws' });
      relayWs = await createRelayWebSocketServer({ clock, logger: wsLogger }, { relay: relayServer, host, port: options.relayWsPort, trustedProxies });
      opened.push(relayWs);
    }

    const advertise = (endpoint: UdpEndpoint | undefined): UdpEndpoint => ({
      address: publicIp,
      port: endpoint?.port ?? 0,
      family: publicIp.includes(':') ? 'IPv6' : 'IPv4',
    });
    const stun = advertise(stunServer.address('IPv4'));
    const listening6 = stunServer.address('IPv6');
    const publicIp6 = listening6 ? (options.publicIp6 ?? advertisedAddress6(udpHost6)) : undefined;
    const stun6: UdpEndpoint | undefined = listening6 && publicIp6 ? { address: publicIp6, port: listening6.port, family: 'IPv6' } : undefined;
    const relayListening6 = relayServer?.address6();
    const relayPublic6 = relayListening6 ? (options.publicIp6 ?? advertisedAddress6(udpHost6)) : undefined;
    const relay6: UdpEndpoint | undefined =
      relayListening6 && relayPublic6 ? { address: relayPublic6, port: relayListening6.port, family: 'IPv6' } : undefined;
    const relay: UdpEndpoint = external
      ? { address: external.address, port: external.port, family: external.address.includes(':') ? 'IPv6' : 'IPv4' }
      : advertise(relayServer?.address());
    if (options.relayWsUrl !== undefined && !/^wss?:\/\/\S+$/.test(options.relayWsUrl)) {
      throw new PunchthroughError('INVALID_OPTIONS', `createCloud: relayWsUrl must be a ws:// or wss:// URL, got ${JSON.stringify(options.relayWsUrl)}`);
    }
    const relayWsUrl =
      options.relayWsUrl ?? (relayWs ? `ws://${formatEndpoint({ address: publicIp, port: relayWs.address().port })}${relayWs.path}` : undefined);
    const issuer = createTicketIssuer({ secret, clock, ttlMs: relayDefaults.DEFAULT_TICKET_TTL_MS });
    const single: RelayTicketIssuer = {
      endpoint: { address: relay.address, port: relay.port },
      ...(relayWsUrl ? { wsUrl: relayWsUrl } : {}),
      issueTicket: (sessionId, actor) => issuer.issue(sessionId, actor),
      ...(relayServer ? { revoke: (sessionId: string, actor?: number) => relayServer.revoke(sessionId, actor) } : {}),
    };
    const embedded = relayServer;
    const cluster: ClusterMode | undefined = options.cluster ? await startClusterMode(options.cluster, logger, options.clock) : undefined;
    if (cluster) opened.push(cluster);
    const fleetClock = cluster?.clock ?? clock;
    const local = embedded ? { issuer: single, stats: () => embedded.stats(), maxBindings: relayDefaults.DEFAULT_MAX_BINDINGS } : undefined;
    // Cluster mode: the table is Redis's (relays report there with --redis-url), failover runs on the reaper holder.
    const clusterTable =
      cluster && fleetToken !== undefined ? await cluster.relayTable(local ? embeddedRelayEntry(fleetClock, local, options.region) : undefined) : undefined;
    const cloudFleet =
      fleetToken === undefined
        ? undefined
        : createCloudFleet(
            { clock: fleetClock, logger: logger.child({ service: 'fleet' }) },
            {
              masterSecret: secret,
              registrationToken: fleetToken,
              ...(options.region ? { regions: [options.region] } : {}),
              ...(options.relayPolicy ? { policy: options.relayPolicy } : {}),
              ...(local ? { local } : {}),
              ...(clusterTable && cluster
                ? { directory: clusterTable.directory, index: clusterTable.index, isMover: () => cluster.isReaper() && clusterTable.settled(fleetClock.now()) }
                : {}),
            },
          );
    // The statistics read the service's store, made below: through a getter.
    const made: { store?: SessionStore } = {};
    const stats = createCloudStats(
      { clock: cluster?.clock ?? clock, logger: logger.child({ service: 'stats' }) },
      {
        store: () => made.store!,
        relays: () => (cloudFleet ? statsRelays(cloudFleet.fleet.directory, (cluster?.clock ?? clock).now()) : embeddedRelayRow(embedded, options.region)),
        ...(cluster ? { peers: () => peerStats!() } : {}),
      },
    );
    // Cluster mode: every node's counts and pairs meet in Redis; any node answers for all.
    const peerStats = cluster?.shareStats(() => ({ aggregates: stats.collector.aggregates(), pairs: stats.collector.pairs() }));
    opened.push({ close: async () => stats.close() });
    const sessionService = buildSessionService({
      ...options.session,
      connectReports: stats.collector,
      ...cluster?.session,
      ...(options.hooks ? { hooks: options.hooks } : {}),
      metricsElsewhere: options.metricsPort !== undefined,
      clock: cluster?.clock ?? clock,
      logger: logger.child({ service: 'session' }),
      // IPv4 first: SDKs ask the first STUN server of their socket's family.
      stunServers: [{ address: stun.address, port: stun.port }, ...(stun6 ? [{ address: stun6.address, port: stun6.port }] : [])],
      ...(relayServer || external ? { relay: single } : {}),
      ...(cloudFleet ? { relays: cloudFleet.fleet } : {}),
    });
    made.store = sessionService.store;
    stats.routes(sessionService.app, options.session?.adminToken);
    stats.metrics(sessionService.metrics.registry);
    if (cloudFleet) {
      cloudFleet.routes(sessionService.app, options.session?.adminToken);
      cloudFleet.metrics(sessionService.metrics.registry);
    }
    if (cluster) {
      cluster.serve(sessionService, sessionService.metrics.registry);
      // Closing a cluster node drains it: its peers rejoin on the other nodes, their sessions live on.
      opened.push({ close: () => cluster.drain(sessionService) });
    } else {
      opened.push(sessionService);
    }
    if (cloudFleet) {
      cloudFleet.start((sessionId, move) => sessionService.moveRelay(sessionId, move));
      opened.push(cloudFleet);
    }
    registerUdpServiceMetrics(sessionService.metrics.registry, () => stunServer.stats(), relayServer ? () => relayServer.stats() : undefined, {
      stun: stunServer.udpIo(),
      ...(relayServer ? { relay: relayServer.udpIo() } : {}),
    });
    if (relayWs) registerRelayWsMetrics(sessionService.metrics.registry, relayWs.stats);
    const http = await sessionService.listen({ host, port: options.httpPort ?? DEFAULT_HTTP_PORT });
    const metricsServer =
      options.metricsPort === undefined
        ? undefined
        : await serveMetrics(
            sessionService.metrics.registry,
            options.metricsHost ?? DEFAULT_METRICS_HOST,
            options.metricsPort,
            options.session?.metricsToken,
          );
    if (metricsServer) opened.push(metricsServer);
    const httpUrl = `http://${formatEndpoint({ address: publicIp, port: http.port })}`;
    const ready = { http: httpUrl, stun: formatEndpoint(stun), relay: formatEndpoint(relay), ...(relayWsUrl ? { relayWs: relayWsUrl } : {}) };
    const ready6 = { ...(stun6 ? { stun6: formatEndpoint(stun6) } : {}), ...(relay6 ? { relay6: formatEndpoint(relay6) } : {}) };
    logger.info({ ...ready, ...ready6 }, 'cloud ready');

    let closing: Promise<void> | undefined;
    return {
      httpUrl,
      signalingUrl: `${httpUrl.replace(/^http/, 'ws')}${SIGNALING_PATH}`,
      http: { address: http.address, port: http.port, family: http.address.includes(':') ? 'IPv6' : 'IPv4' },
      stun,
      ...(stun6 ? { stun6 } : {}),
      relay,
      ...(relay6 ? { relay6 } : {}),
      sessionService,
      stunServer,
      ...(relayServer ? { relayServer } : {}),
      ...(relayWs ? { relayWs } : {}),
      ...(relayWsUrl ? { relayWsUrl } : {}),
      ...(metricsServer ? { metricsEndpoint: metricsServer.endpoint } : {}),
      metrics: () => sessionService.metrics.registry.metrics(),
      close() {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * The STUN server's advertised address (the public IP, so OTHER-ADDRESS names the alternate
 * port even on a wildcard bind) and its second address (`stunAltHost`: RFC 5780's full answer).
 */
function stunAddresses(
  options: CloudOptions,
  udpHost: string,
  publicIp: string,
  stunAltPort: number | null,
): { advertisedHost?: string; alternateHost?: string } {
  const advertised = publicIp.includes(':') ? {} : { advertisedHost: publicIp };
  const altHost = options.stunAltHost;
  if (altHost === undefined) return advertised;
  if (udpHost === DEFAULT_CLOUD_HOST || udpHost.includes(':')) {
    throw new PunchthroughError('INVALID_OPTIONS', `createCloud: stunAltHost needs a specific IPv4 udpHost (or host), got "${udpHost}"`);
  }
  if (stunAltPort === null) throw new PunchthroughError('INVALID_OPTIONS', 'createCloud: stunAltHost needs stunAltPort (RFC 5780 changes address and port)');
  return { ...advertised, alternateHost: altHost };
}
