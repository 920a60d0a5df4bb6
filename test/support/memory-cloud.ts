/**
 * A whole punchthrough on one ManualClock with no real socket: the session service's core (the
 * signaling hub, reached through the in-memory signaling pair), the STUN server and the relay on
 * public hosts of a virtual network, and NetworkRunners on virtual hosts.
 */
import { ManualClock } from '../../core/index.js';
import { NetworkRunner, type NetworkRunnerOptions } from '../../client-sdk/index.js';
import { createTicketIssuer, type RelayServer } from '../../relay/index.js';
import { createSignalingHub, type SignalingHub } from '../../src/session/hub.js';
import { createSessionMetrics, type SessionMetrics } from '../../src/session/metrics.js';
import { resolveOptions, type SessionServiceOptions } from '../../src/session/options.js';
import type { StunServer } from '../../stun-server/index.js';
import type { VirtualHost, VirtualNetwork } from '../../vnet/index.js';
import { memorySignaling } from './memory-signaling.js';
import type { HasLink } from './signaling-link.js';
import { RELAY_ADDRESS, RELAY_PORT, STUN_ADDRESS, STUN_PORT, createVirtualServers } from './virtual-cloud.js';

const RELAY_SECRET = 'punchthrough-memory-cloud-relay-secret-0123456789';

export interface MemoryCloud {
  clock: ManualClock;
  network: VirtualNetwork;
  hub: SignalingHub;
  metrics: SessionMetrics;
  stun: StunServer;
  relay: RelayServer;
  /**
   * A runner whose sockets live on `host` and whose signaling is the in-memory pair; with
   * `signalingLinks` (e.g. `[host, nat]`) its signaling frames cross those links' delay and loss.
   */
  runner(host: VirtualHost, overrides?: Partial<NetworkRunnerOptions>, auth?: string, signalingLinks?: readonly HasLink[]): NetworkRunner;
  close(): Promise<void>;
}

export async function createMemoryCloud(seed: number, session: SessionServiceOptions = {}): Promise<MemoryCloud> {
  const clock = new ManualClock();
  const { network, stun, relay } = await createVirtualServers(clock, seed, RELAY_SECRET);
  const issuer = createTicketIssuer({ secret: RELAY_SECRET, clock });
  const metrics = createSessionMetrics();
  const hub = createSignalingHub(
    resolveOptions({
      clock,
      stunServers: [{ address: STUN_ADDRESS, port: STUN_PORT }],
      relay: {
        endpoint: { address: RELAY_ADDRESS, port: RELAY_PORT },
        issueTicket: (sessionId, actor) => issuer.issue(sessionId, actor),
        revoke: (sessionId, actor) => relay.revoke(sessionId, actor),
      },
      ...session,
    }),
    metrics,
  );
  const runners: NetworkRunner[] = [];
  return {
    clock,
    network,
    hub,
    metrics,
    stun,
    relay,
    runner(host, overrides = {}, auth, signalingLinks) {
      const signaling = memorySignaling({
        connect: hub.connect,
        remoteAddress: host.addresses[0] ?? '198.51.100.10',
        ...(auth ? { auth } : {}),
        ...(signalingLinks ? { links: signalingLinks, seed } : {}),
      });
      const runner = new NetworkRunner({
        cloudUrl: 'http://memory.invalid',
        appId: 'memory-tests',
        socketFactory: host,
        clock,
        localAddresses: () => host.addresses,
        signaling,
        ...overrides,
      });
      runners.push(runner);
      return runner;
    },
    async close() {
      await Promise.all(runners.map((runner) => runner.shutdown()));
      await hub.shutdown();
      await Promise.all([stun.close(), relay.close()]);
      await network.close();
    },
  };
}
