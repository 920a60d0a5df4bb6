/**
 * The cloud on the virtual network, for the NAT matrix and scenarios: the session service on a
 * real loopback WebSocket (127.0.0.1, port 0), the STUN server and the relay on public virtual
 * hosts, and NetworkRunners on virtual hosts behind virtual NATs, all UDP on one ManualClock.
 */
import { ManualClock, type UdpEndpoint } from '../../core/index.js';
import { buildSessionService, type SessionService } from '../../src/index.js';
import { createStunServer, type StunServer } from '../../stun-server/index.js';
import { createRelayServer, createTicketIssuer, type RelayServer } from '../../relay/index.js';
import {
  NetworkRunner,
  type NetworkRunnerOptions,
  type PeerConnectedEvent,
  type StartGameResult,
} from '../../client-sdk/index.js';
import { type VirtualHost, type VirtualNetwork, createVirtualNetwork } from '../../vnet/index.js';
import { advanceUntilSettled } from './drive.js';

export const STUN_ADDRESS = '203.0.113.1';
export const STUN_ALTERNATE_ADDRESS = '203.0.113.2';
export const STUN_PORT = 3478;
export const STUN_ALTERNATE_PORT = 3479;
export const RELAY_ADDRESS = '203.0.113.3';
export const RELAY_PORT = 5055;
/** Fixed so every virtual world's relay accepts the shared session service's tickets. */
const RELAY_SECRET = 'punchthrough-vnet-tests-relay-secret-0123456789';
/**
 * Signaling runs on real I/O while the manual clock races ahead of it; these keep the runner's
 * signaling timeouts (which use the injected clock) out of the way.
 */
const SIGNALING_TIMEOUT_MS = 3_600_000;

/** The session service, shared by every virtual world of a test file (it only runs signaling). */
export interface SignalingCloud {
  url: string;
  close(): Promise<void>;
}

export async function startSignalingCloud(): Promise<SignalingCloud> {
  // Tickets are dated by wall time; a ManualClock's wall time starts at a fixed epoch, as does
  // every world's relay clock, so the tickets are valid for their 10 minutes of test time.
  const issuer = createTicketIssuer({ secret: RELAY_SECRET, clock: new ManualClock() });
  const service: SessionService = buildSessionService({
    stunServers: [{ address: STUN_ADDRESS, port: STUN_PORT }],
    relay: {
      endpoint: { address: RELAY_ADDRESS, port: RELAY_PORT },
      issueTicket: (sessionId, actor) => issuer.issue(sessionId, actor),
    },
  });
  const endpoint = await service.listen({ host: '127.0.0.1', port: 0 });
  return { url: `http://127.0.0.1:${endpoint.port}`, close: () => service.close() };
}

/** One virtual internet with its STUN server and relay, and a clock that drives it. */
export interface VirtualWorld {
  clock: ManualClock;
  network: VirtualNetwork;
  stun: StunServer;
  relay: RelayServer;
  /** A runner whose sockets live on `host`. */
  runner(host: VirtualHost, overrides?: Partial<NetworkRunnerOptions>): NetworkRunner;
  close(): Promise<void>;
}

/** A virtual internet on `clock` with the STUN server and the relay on their public hosts. */
export async function createVirtualServers(
  clock: ManualClock,
  seed: number,
  relaySecret = RELAY_SECRET,
): Promise<Pick<VirtualWorld, 'network' | 'stun' | 'relay'>> {
  const network = createVirtualNetwork({ clock, seed });
  const stunHost = network.addHost({ name: 'stun', addresses: [STUN_ADDRESS, STUN_ALTERNATE_ADDRESS] });
  const relayHost = network.addHost({ name: 'relay', addresses: [RELAY_ADDRESS] });
  const stun = await createStunServer({
    ipv4: { host: STUN_ADDRESS, port: STUN_PORT, alternateHost: STUN_ALTERNATE_ADDRESS, alternatePort: STUN_ALTERNATE_PORT },
    socketFactory: stunHost,
    clock,
    rateLimit: false,
  });
  const relay = await createRelayServer({ secret: relaySecret, host: RELAY_ADDRESS, port: RELAY_PORT, socketFactory: relayHost, clock });
  return { network, stun, relay };
}

export async function createVirtualWorld(cloud: SignalingCloud, seed: number): Promise<VirtualWorld> {
  const clock = new ManualClock();
  const { network, stun, relay } = await createVirtualServers(clock, seed);
  const runners: NetworkRunner[] = [];
  return {
    clock,
    network,
    stun,
    relay,
    runner(host, overrides = {}) {
      const runner = new NetworkRunner({
        cloudUrl: cloud.url,
        appId: 'vnet-tests',
        socketFactory: host,
        clock,
        localAddresses: () => host.addresses,
        cloudConnectTimeoutMs: SIGNALING_TIMEOUT_MS,
        requestTimeoutMs: SIGNALING_TIMEOUT_MS,
        ...overrides,
      });
      runners.push(runner);
      return runner;
    },
    async close() {
      await Promise.all(runners.map((runner) => runner.shutdown()));
      await Promise.all([stun.close(), relay.close()]);
      await network.close();
    },
  };
}

export interface PairOutcome {
  server: NetworkRunner;
  client: NetworkRunner;
  /** The client's start: connected (with the path) or the error code. */
  result: { ok: true; connected: PeerConnectedEvent; start: StartGameResult } | { ok: false; code: string };
  serverReflexive: UdpEndpoint | undefined;
}

let sessionCounter = 0;

/**
 * Starts a server runner on `serverHost` and a client runner on `clientHost` in a new session
 * and drives the clock until the client connects or gives up. The clock holds while exactly
 * one side has received the other's addresses, so both schedules start at the same clock time
 * however long the real signaling takes.
 */
export async function connectPair(
  world: VirtualWorld,
  serverHost: VirtualHost,
  clientHost: VirtualHost,
  overrides: { server?: Partial<NetworkRunnerOptions>; client?: Partial<NetworkRunnerOptions> } = {},
): Promise<PairOutcome> {
  const sessionName = `vnet-${process.pid}-${++sessionCounter}`;
  const server = world.runner(serverHost, overrides.server);
  const client = world.runner(clientHost, overrides.client);
  let serverLearned = false;
  let clientLearned = false;
  server.on('progress', (event) => {
    if (event.flow === 'connect' && event.step === 2) serverLearned = true;
  });
  client.on('progress', (event) => {
    if (event.flow === 'connect' && event.step === 1) clientLearned = true;
  });
  const started = await advanceUntilSettled(world.clock, server.startGame({ mode: 'server', sessionName }), 'server start');
  let result: PairOutcome['result'];
  try {
    const joined = await advanceUntilSettled(world.clock, client.startGame({ mode: 'client', sessionName }), 'client start', {
      hold: () => serverLearned !== clientLearned,
    });
    result = { ok: true, connected: joined.server!, start: joined };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    result = { ok: false, code };
  }
  return { server, client, result, serverReflexive: started.reflexive };
}
