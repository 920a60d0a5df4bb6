// A cloud with a scripted mix of NAT pairs on the virtual network, so its dashboard has something to show.
import { NetworkRunner, type ConnectPath } from '../../client-sdk/index.js';
import { createVirtualNetwork, type VirtualHost } from '../../vnet/index.js';
import { createCloud, type Cloud } from '../../src/index.js';
import { createRealClock, isPunchthroughError, type Logger } from '../../core/index.js';
import { DEMO_APP_ID, DEMO_CLOUD_ADDRESS, DEMO_CLOUD_ALT_ADDRESS, DEMO_LINK_LATENCY_MS } from '../constants.js';
import type { DemoNatKind } from './scenario.js';

/** One session of the mix: its host's NAT and its clients' (each client behind its own NAT of that kind). */
export interface MixSession {
  host: DemoNatKind;
  client: DemoNatKind;
  clients: number;
}

/**
 * The default mix: the pairs a real player base shows most (cones both sides: direct), a
 * symmetric side against a cone (direct or not, by filtering), and symmetric against symmetric
 * (relay).
 */
export const DASHBOARD_MIX: readonly MixSession[] = [
  { host: 'open', client: 'port-restricted-cone', clients: 2 },
  { host: 'full-cone', client: 'restricted-cone', clients: 1 },
  { host: 'port-restricted-cone', client: 'port-restricted-cone', clients: 2 },
  { host: 'port-restricted-cone', client: 'symmetric', clients: 1 },
  { host: 'symmetric', client: 'full-cone', clients: 1 },
  { host: 'symmetric', client: 'symmetric', clients: 2 },
];

export interface DashboardMixOptions {
  adminToken: string;
  /** The cloud's HTTP listener. Default 127.0.0.1, port 0. */
  host?: string;
  httpPort?: number;
  mix?: readonly MixSession[];
  /** One-way latency of every access link, ms. */
  latencyMs?: number;
  seed?: number;
  logger: Logger;
}

export interface ClientOutcome {
  session: string;
  host: DemoNatKind;
  client: DemoNatKind;
  path: ConnectPath | null;
  code?: string;
}

export interface DashboardMix {
  readonly cloud: Cloud;
  /** The page, with the token in its fragment (never sent to the server). */
  readonly url: string;
  /** Every client's start, settled. */
  readonly settled: Promise<ClientOutcome[]>;
  /** Replaces one client of a random session (a player leaving and another joining). */
  churn(): Promise<ClientOutcome | undefined>;
  close(): Promise<void>;
}

/** Starts the cloud and the mix's hosts and clients; the clients connect in the background (`settled`). */
export async function startDashboardMix(options: DashboardMixOptions): Promise<DashboardMix> {
  const clock = createRealClock();
  const network = createVirtualNetwork({ clock, seed: options.seed ?? 1 });
  const latencyMs = options.latencyMs ?? DEMO_LINK_LATENCY_MS;
  const cloudHost = network.addHost({ name: 'cloud', addresses: [DEMO_CLOUD_ADDRESS, DEMO_CLOUD_ALT_ADDRESS] });
  const cloud = await createCloud({
    host: options.host ?? '127.0.0.1',
    httpPort: options.httpPort ?? 0,
    udpHost: DEMO_CLOUD_ADDRESS,
    stunAltHost: DEMO_CLOUD_ALT_ADDRESS,
    socketFactory: cloudHost,
    clock,
    logger: options.logger.child({ peer: 'cloud' }),
    session: { adminToken: options.adminToken },
  });
  const cloudUrl = `http://127.0.0.1:${cloud.http.port}`;
  const runners = new Map<string, NetworkRunner>();
  let machines = 0;

  const runnerBehind = (kind: DemoNatKind): NetworkRunner => {
    const name = `peer-${++machines}`;
    const link = { latencyMs };
    const host: VirtualHost = kind === 'open' ? network.addHost({ name, link }) : network.addNat({ name: `${name}-nat`, preset: kind, link }).addHost({ name });
    const runner = new NetworkRunner({ cloudUrl, appId: DEMO_APP_ID, socketFactory: host, bindAddress: host.address, clock, discoverNat: true, logger: options.logger.child({ peer: name }) });
    runners.set(name, runner);
    return runner;
  };

  const sessions = (options.mix ?? DASHBOARD_MIX).map((entry, index) => ({ ...entry, name: `${entry.host} × ${entry.client} #${index + 1}`, joined: [] as NetworkRunner[] }));
  const joinOne = async (session: (typeof sessions)[number]): Promise<ClientOutcome> => {
    const runner = runnerBehind(session.client);
    session.joined.push(runner);
    const outcome = { session: session.name, host: session.host, client: session.client };
    try {
      const { server } = await runner.startGame({ mode: 'client', sessionName: session.name });
      return { ...outcome, path: server?.path ?? null };
    } catch (error) {
      return { ...outcome, path: null, code: isPunchthroughError(error) ? error.code : 'FAILED' };
    }
  };

  for (const session of sessions) await runnerBehind(session.host).startGame({ mode: 'server', sessionName: session.name, maxPlayers: 8 });
  const settled = Promise.all(sessions.flatMap((session) => Array.from({ length: session.clients }, () => session)).map(joinOne));
  let closing: Promise<void> | undefined;

  return {
    cloud,
    url: `${cloudUrl}/dashboard#token=${encodeURIComponent(options.adminToken)}`,
    settled,
    async churn() {
      const session = sessions[Math.floor(Math.random() * sessions.length)];
      if (!session) return undefined;
      await session.joined.shift()?.shutdown();
      return joinOne(session);
    },
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...runners.values()].map((runner) => runner.shutdown()));
        await cloud.close();
        await network.close();
      })();
      return closing;
    },
  };
}
