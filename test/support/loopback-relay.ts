// A relay on loopback for the relay's integration tests: real sockets, a manual clock, the
// per-peer rate limits lifted, and one place that closes every socket, client and server made.
import { ManualClock, createNodeUdpSocketFactory, type UdpSocket } from '../../core/index.js';
import { LIFTED_GAME_TRAFFIC_LIMITS } from './relay-limits.js';
import { createRelayServer, createTicketIssuer, type RelayClient, type RelayServer, type RelayServerOptions } from '../../relay/index.js';

/** The secret the relay and the tests' ticket issuers share. */
export const RELAY_TEST_SECRET = 'loopback relay test secret, 32 B';
/** The tickets' lifetime, ms; the server is told the same. */
const TICKET_TTL_MS = 60_000;

export interface LoopbackRelays {
  /** A UDP socket on `address` (another loopback address plays another host; `::1` is IPv6). */
  socket(address?: string): Promise<UdpSocket>;
  /** A relay with the game-traffic rate limits lifted, overridable by `options`. */
  relay(options?: Partial<RelayServerOptions>): Promise<{
    clock: ManualClock;
    server: RelayServer;
    issuer: ReturnType<typeof createTicketIssuer>;
    endpoint: { address: string; port: number };
  }>;
  /** Remembers a client or server so `closeAll` closes it. */
  track<T extends RelayClient | RelayServer>(made: T): T;
  /** Closes every client, server and socket made since the last call (for afterEach). */
  closeAll(): Promise<void>;
}

export function loopbackRelays(): LoopbackRelays {
  const factory = createNodeUdpSocketFactory();
  const sockets: UdpSocket[] = [];
  const clients: RelayClient[] = [];
  const servers: RelayServer[] = [];
  return {
    async socket(address = '127.0.0.1') {
      const type = address.includes(':') ? 'udp6' : 'udp4';
      const bound = await factory.bind({ type, address, receiveBufferSize: 1 << 21, sendBufferSize: 1 << 21 });
      sockets.push(bound);
      return bound;
    },
    async relay(options = {}) {
      const clock = new ManualClock();
      const server = await createRelayServer({
        secret: RELAY_TEST_SECRET,
        clock,
        host: '127.0.0.1',
        port: 0,
        ...LIFTED_GAME_TRAFFIC_LIMITS,
        ticketTtlMs: TICKET_TTL_MS,
        ...options,
      });
      servers.push(server);
      const issuer = createTicketIssuer({ secret: RELAY_TEST_SECRET, clock, ttlMs: TICKET_TTL_MS });
      return { clock, server, issuer, endpoint: { address: '127.0.0.1', port: server.address().port } };
    },
    track(made) {
      if ('stats' in made) servers.push(made);
      else clients.push(made);
      return made;
    },
    async closeAll() {
      for (const client of clients.splice(0)) client.close();
      await Promise.all(servers.splice(0).map((server) => server.close()));
      await Promise.all(sockets.splice(0).map((socket) => socket.close()));
    },
  };
}
