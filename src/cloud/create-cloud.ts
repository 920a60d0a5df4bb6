// createCloud: the one-process cloud (session service, STUN server and relay) started together.
import {
  createRelayServer,
  createTicketIssuer,
  generateTicketSecret,
  relayDefaults,
  type RelayServer,
} from '../../relay/index.js';
import { createStunServer, DEFAULT_STUN_PORT, type StunServer } from '../../stun-server/index.js';
import { formatEndpoint, createRealClock, createSilentLogger, type UdpEndpoint } from '../../core/index.js';
import { SIGNALING_PATH } from '../protocol/index.js';
import { buildSessionService, type SessionService } from '../session/service.js';
import {
  DEFAULT_CLOUD_HOST,
  DEFAULT_HTTP_PORT,
  DEFAULT_METRICS_HOST,
  DEFAULT_STUN_ALT_PORT,
} from '../constants.js';
import { registerUdpServiceMetrics } from './metrics.js';
import { serveMetrics } from './metrics-server.js';
import type { CloudOptions } from './options.js';
import { advertisedAddress } from './public-ip.js';

export interface Cloud {
  /** Base URL of the session service, with the advertised address: `http://IP:7070`. */
  readonly httpUrl: string;
  /** The WebSocket URL peers connect to (what `NetworkRunner`'s `cloudUrl` takes). */
  readonly signalingUrl: string;
  /** The HTTP listener as bound (differs from `httpUrl` when a public IP is advertised). */
  readonly http: UdpEndpoint;
  /** The STUN endpoint handed to peers. */
  readonly stun: UdpEndpoint;
  /** The relay endpoint handed to peers. */
  readonly relay: UdpEndpoint;
  readonly sessionService: SessionService;
  readonly stunServer: StunServer;
  readonly relayServer: RelayServer;
  /** Where `/metrics` is served when `metricsPort` is set (else on the HTTP port). */
  readonly metricsEndpoint?: UdpEndpoint;
  /** Prometheus text of every service (what `GET /metrics` serves). */
  metrics(): Promise<string>;
  /** Tells every session the cloud is going away, then closes every socket. Idempotent. */
  close(): Promise<void>;
}

/**
 * The one-process cloud: session service + STUN server + relay, on the in-memory store, with
 * a relay secret generated at start unless given.
 */
export async function createCloud(options: CloudOptions = {}): Promise<Cloud> {
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
    const stunServer = await createStunServer({
      ipv4: {
        host: udpHost,
        port: options.stunPort ?? DEFAULT_STUN_PORT,
        ...(stunAltPort === null ? {} : { alternatePort: stunAltPort }),
      },
      ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
      clock,
      logger: logger.child({ service: 'stun' }),
    });
    opened.push(stunServer);
    const relayServer = await createRelayServer({
      secret,
      // Revocations must outlive the tickets they cover: the issuer below uses this TTL.
      ticketTtlMs: relayDefaults.DEFAULT_TICKET_TTL_MS,
      host: udpHost,
      port: options.relayPort ?? relayDefaults.DEFAULT_RELAY_PORT,
      ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
      clock,
      logger: logger.child({ service: 'relay' }),
    });
    opened.push(relayServer);

    const advertise = (endpoint: UdpEndpoint | undefined): UdpEndpoint => ({
      address: publicIp,
      port: endpoint?.port ?? 0,
      family: publicIp.includes(':') ? 'IPv6' : 'IPv4',
    });
    const stun = advertise(stunServer.address('IPv4'));
    const relay = advertise(relayServer.address());
    const issuer = createTicketIssuer({ secret, clock, ttlMs: relayDefaults.DEFAULT_TICKET_TTL_MS });
    const sessionService = buildSessionService({
      ...options.session,
      ...(options.hooks ? { hooks: options.hooks } : {}),
      metricsElsewhere: options.metricsPort !== undefined,
      clock,
      logger: logger.child({ service: 'session' }),
      stunServers: [{ address: stun.address, port: stun.port }],
      relay: {
        endpoint: { address: relay.address, port: relay.port },
        issueTicket: (sessionId, actor) => issuer.issue(sessionId, actor),
        revoke: (sessionId, actor) => relayServer.revoke(sessionId, actor),
      },
    });
    opened.push(sessionService);
    registerUdpServiceMetrics(sessionService.metrics.registry, () => stunServer.stats(), () => relayServer.stats());
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
    logger.info({ http: httpUrl, stun: formatEndpoint(stun), relay: formatEndpoint(relay) }, 'cloud ready');

    let closing: Promise<void> | undefined;
    return {
      httpUrl,
      signalingUrl: `${httpUrl.replace(/^http/, 'ws')}${SIGNALING_PATH}`,
      http: { address: http.address, port: http.port, family: http.address.includes(':') ? 'IPv6' : 'IPv4' },
      stun,
      relay,
      sessionService,
      stunServer,
      relayServer,
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
