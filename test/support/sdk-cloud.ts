// The real cloud pieces on loopback, in this process, on port 0: session service, STUN server
// and relay, wired the way the one-process cloud wires them. For SDK integration tests and the
// connect benchmark.
import { buildSessionService, type SessionServiceOptions, type UdpEndpoint, type UdpSocketFactory } from '../../src/index.js';
import { createRelayServer, createTicketIssuer, generateTicketSecret } from '../../relay/index.js';
import { createStunServer } from '../../stun-server/index.js';
import { LIFTED_BIND_LIMITS, LIFTED_GAME_TRAFFIC_LIMITS } from './relay-limits.js';
import { tappingSocketFactory } from './tap-socket.js';

export interface LoopbackCloud {
  /** The session service, `http://127.0.0.1:port`. */
  url: string;
  stun: UdpEndpoint;
  relay: UdpEndpoint;
  close(): Promise<void>;
}

/** `session`: session service options over the defaults (e.g. `reconnectGraceMs`). */
export async function startLoopbackCloud(session: SessionServiceOptions = {}): Promise<LoopbackCloud> {
  // The alternate port lets runners with `discoverNat` run RFC 5780 behaviour discovery.
  const stun = await createStunServer({ ipv4: { host: '127.0.0.1', port: 0, alternatePort: 0 }, ipv6: false, rateLimit: false });
  const secret = generateTicketSecret();
  const relay = await createRelayServer({
    secret,
    host: '127.0.0.1',
    port: 0,
    // Many runs share one loopback source address: lift the per-peer game-traffic limits and
    // the per-address bind limits (test/integration/relay-attacks.test.ts covers those).
    ...LIFTED_GAME_TRAFFIC_LIMITS,
    ...LIFTED_BIND_LIMITS,
  });
  const issuer = createTicketIssuer({ secret });
  const stunEndpoint = stun.address('IPv4')!;
  const relayEndpoint = relay.address();
  const service = buildSessionService({
    ...session,
    stunServers: [{ address: stunEndpoint.address, port: stunEndpoint.port }],
    relay: {
      endpoint: { address: relayEndpoint.address, port: relayEndpoint.port },
      issueTicket: (sessionId, actor) => issuer.issue(sessionId, actor),
    },
  });
  const http = await service.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: `http://127.0.0.1:${http.port}`,
    stun: stunEndpoint,
    relay: relayEndpoint,
    async close() {
      await Promise.allSettled([service.close(), stun.close(), relay.close()]);
    },
  };
}

/**
 * node:dgram sockets whose sends are dropped when `drop(address, port)` says so: a direct path
 * blocked in one direction, without touching the rest of the socket.
 */
export function droppingSocketFactory(drop: (address: string, port: number) => boolean): UdpSocketFactory {
  return tappingSocketFactory(({ address, port }) => !drop(address, port));
}
