// The demo: a cloud, a host and clients behind virtual NATs connecting, reported as a timeline.
import { NetworkRunner, type ConnectPath } from '../../client-sdk/index.js';
import { createVirtualNetwork, type NatPreset, type VirtualHost } from '../../vnet/index.js';
import { createCloud } from '../../src/index.js';
import { createRealClock, isPunchthroughError, type Logger } from '../../core/index.js';
import { DEMO_APP_ID, DEMO_CLOUD_ADDRESS, DEMO_LINK_LATENCY_MS } from '../constants.js';

/** `open` puts the peer on the internet with no NAT; the rest are the virtual network's presets. */
export type DemoNatKind = 'open' | NatPreset;
export const DEMO_NAT_KINDS: readonly DemoNatKind[] = ['open', 'full-cone', 'restricted-cone', 'port-restricted-cone', 'symmetric'];

export interface DemoOptions {
  hostNat: DemoNatKind;
  clientNat: DemoNatKind;
  clients: number;
  /** One-way latency of every peer's access link, ms. */
  latencyMs?: number;
  /** Seeds the virtual network (port allocation). */
  seed?: number;
  logger: Logger;
}

/** One line of the demo's timeline. `t` is ms since the demo started. */
export type DemoEvent =
  | { event: 'step'; t: number; peer: string; flow: string; step: number; name: string }
  | { event: 'attempt'; t: number; peer: string; n: number; path: ConnectPath }
  | { event: 'connected'; t: number; peer: string; path: ConnectPath; attempt: number; ms: number }
  | { event: 'failed'; t: number; peer: string; code: string; message: string };

export interface DemoResult {
  clients: Array<{ peer: string; path: ConnectPath | null; code?: string }>;
}

/**
 * The whole connection process (docs/connection-process.md) on the virtual NAT network: a
 * cloud on a public virtual host (signaling on real loopback), a host and `clients` clients
 * each behind its own NAT.
 * Runs on the real clock so a person sees the schedule as it happens.
 */
export async function runDemo(options: DemoOptions, onEvent: (event: DemoEvent) => void): Promise<DemoResult> {
  const clock = createRealClock();
  let startedAt = clock.now();
  const t = (): number => Math.round(clock.now() - startedAt);
  const network = createVirtualNetwork({ clock, seed: options.seed ?? 1 });
  const latencyMs = options.latencyMs ?? DEMO_LINK_LATENCY_MS;
  const runners: NetworkRunner[] = [];
  const cloudHost = network.addHost({ name: 'cloud', addresses: [DEMO_CLOUD_ADDRESS] });
  const cloud = await createCloud({
    host: '127.0.0.1',
    httpPort: 0,
    udpHost: DEMO_CLOUD_ADDRESS,
    socketFactory: cloudHost,
    clock,
    logger: options.logger.child({ peer: 'cloud' }),
  });
  const cloudUrl = `http://127.0.0.1:${cloud.http.port}`;

  const machine = (name: string, kind: DemoNatKind): VirtualHost => {
    const link = { latencyMs };
    if (kind === 'open') return network.addHost({ name, link });
    return network.addNat({ name: `${name}-nat`, preset: kind, link }).addHost({ name });
  };
  const runnerOn = (peer: string, host: VirtualHost): NetworkRunner => {
    const runner = new NetworkRunner({
      cloudUrl,
      appId: DEMO_APP_ID,
      socketFactory: host,
      bindAddress: host.address,
      clock,
      logger: options.logger.child({ peer }),
    });
    runners.push(runner);
    runner.on('progress', (p) => onEvent({ event: 'step', t: t(), peer, flow: p.flow, step: p.step, name: p.name }));
    runner.on('attempt', (a) => onEvent({ event: 'attempt', t: t(), peer, n: a.n, path: a.path }));
    return runner;
  };

  try {
    // The timeline starts when the host starts its game (creation step 1, docs/connection-process.md).
    startedAt = clock.now();
    const hostRunner = runnerOn('host', machine('host', options.hostNat));
    const session = await hostRunner.startGame({ mode: 'server', sessionName: 'demo' });
    const results = await Promise.all(
      Array.from({ length: options.clients }, async (_, index) => {
        const peer = `client-${index + 1}`;
        const runner = runnerOn(peer, machine(peer, options.clientNat));
        try {
          const { server } = await runner.startGame({ mode: 'client', sessionName: session.sessionName });
          const path = server!.path;
          onEvent({ event: 'connected', t: t(), peer, path, attempt: server!.attempt, ms: Math.round(server!.ms) });
          return { peer, path };
        } catch (error) {
          const code = isPunchthroughError(error) ? error.code : 'FAILED';
          onEvent({ event: 'failed', t: t(), peer, code, message: (error as Error).message });
          return { peer, path: null, code };
        }
      }),
    );
    return { clients: results };
  } finally {
    await Promise.allSettled(runners.map((runner) => runner.shutdown()));
    await cloud.close();
    await network.close();
  }
}
