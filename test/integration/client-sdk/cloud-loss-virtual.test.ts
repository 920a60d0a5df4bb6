// Cloud loss and rejoin on the virtual network, one ManualClock, no real socket: the signaling
// link drops (the runners resume unseen within the cloud's grace), the session service restarts
// empty (the host restores its session, the client rejoins it), the cloud never comes back (the
// runner gives up: `cloudTimeout`), and a host that never restores (its client gives up:
// `gameClosed`). Game traffic carries on throughout.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/index.js';
import { NetworkRunner, type CloudConnectionRestoredEvent, type NetworkRunnerOptions, type ShutdownEvent } from '../../../client-sdk/index.js';
import type { Signaling, SignalingConnector } from '../../../client-sdk/signaling.js';
import { PunchthroughError } from '../../../core/index.js';
import { RequestType, type ListResult } from '../../../src/protocol/index.js';
import { createSignalingHub, type SignalingHub } from '../../../src/session/hub.js';
import { createSessionMetrics } from '../../../src/session/metrics.js';
import { resolveOptions } from '../../../src/session/options.js';
import type { VirtualNetwork } from '../../../vnet/index.js';
import { advanceUntilSettled } from '../../support/drive.js';
import { memorySignaling } from '../../support/memory-signaling.js';
import { STUN_PORT, STUN_ADDRESS, createVirtualServers } from '../../support/virtual-cloud.js';

/** A session service that can be cut off from its peers and restarted empty. */
interface Cloud {
  clock: ManualClock;
  network: VirtualNetwork;
  hub: SignalingHub;
  connector: SignalingConnector;
  /** Every connection dropped at once, as a crash or a network cut looks to the SDK. */
  cut(): void;
  down: boolean;
  /** A new, empty session service (the old one's sessions are gone). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function createCloud(seed: number): Promise<Cloud> {
  const clock = new ManualClock();
  const { network, stun, relay } = await createVirtualServers(clock, seed, 'punchthrough-cloud-loss-test-relay-secret-0123456789');
  const makeHub = () =>
    createSignalingHub(resolveOptions({ clock, stunServers: [{ address: STUN_ADDRESS, port: STUN_PORT }], heartbeatIntervalMs: 3_600_000 }), createSessionMetrics());
  const open = new Set<Signaling>();
  const inner = memorySignaling({ connect: (socket, address) => cloud.hub.connect(socket, address) });
  const cloud: Cloud = {
    clock,
    network,
    hub: makeHub(),
    down: false,
    connector: async (options) => {
      if (cloud.down) throw new PunchthroughError('CLOUD_UNREACHABLE', 'connection refused');
      const signaling = await inner(options);
      open.add(signaling);
      signaling.onClose(() => open.delete(signaling));
      return signaling;
    },
    cut() {
      for (const signaling of [...open]) void signaling.close();
    },
    async restart() {
      cloud.down = true;
      cloud.cut();
      await clock.advanceAsync(0);
      await cloud.hub.shutdown();
      cloud.hub = makeHub();
    },
    async close() {
      await cloud.hub.shutdown();
      await Promise.all([stun.close(), relay.close()]);
      await network.close();
    },
  };
  return cloud;
}

let cloud: Cloud | undefined;
const runners: NetworkRunner[] = [];
afterEach(async () => {
  if (cloud) await advanceUntilSettled(cloud.clock, Promise.allSettled(runners.splice(0).map((r) => r.shutdown())), 'shutdown');
  await cloud?.close();
  cloud = undefined;
});

async function connectedPair(seed: number, clientOptions: Partial<NetworkRunnerOptions> = {}, hostOptions: Partial<NetworkRunnerOptions> = clientOptions) {
  const c = (cloud = await createCloud(seed));
  const make = (options: Partial<NetworkRunnerOptions> = {}): NetworkRunner => {
    const host = c.network.addNat({ preset: 'port-restricted-cone' }).addHost();
    const runner = new NetworkRunner({
      cloudUrl: 'http://memory.invalid',
      appId: 'cloud-loss',
      socketFactory: host,
      clock: c.clock,
      localAddresses: () => host.addresses,
      signaling: c.connector,
      ...options,
    });
    runners.push(runner);
    return runner;
  };
  const host = make(hostOptions);
  const client = make(clientOptions);
  await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'lossy', sessionProperties: { map: 'dust' } }), 'host start');
  await advanceUntilSettled(c.clock, client.startGame({ mode: 'client', sessionName: 'lossy' }), 'client start');
  let received = 0;
  client.on('message', () => received++);
  const ticker = c.clock.setInterval(() => host.broadcast(new Uint8Array([7])), 100);
  const disconnects: unknown[] = [];
  host.on('peerDisconnected', (event) => disconnects.push(event));
  client.on('peerDisconnected', (event) => disconnects.push(event));
  return { c, host, client, received: () => received, disconnects, stopTicker: () => c.clock.clearInterval(ticker), make };
}

const restoredEvent = (runner: NetworkRunner) => new Promise<CloudConnectionRestoredEvent>((resolve) => runner.once('cloudConnectionRestored', resolve));
const shutdownEvent = (runner: NetworkRunner) => new Promise<ShutdownEvent>((resolve) => runner.once('shutdown', resolve));

async function lobby(c: Cloud): Promise<ListResult> {
  const signaling = await advanceUntilSettled(c.clock, c.connector({ url: 'x', appId: 'cloud-loss', appVersion: '1', clock: c.clock, logger: silent, connectTimeoutMs: 1_000, requestTimeoutMs: 1_000 }), 'lobby connect');
  const listed = await advanceUntilSettled(c.clock, signaling.request({ type: RequestType.LIST }), 'list');
  await signaling.close();
  return listed;
}
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent } as never;

describe('cloud loss on the virtual network', () => {
  it('the signaling link drops: both runners reconnect and resume unseen; the game traffic never stops', async () => {
    const { c, host, client, received, disconnects } = await connectedPair(1);
    const lost: unknown[] = [];
    const legacy: unknown[] = [];
    host.on('cloudConnectionLost', (event) => lost.push(event));
    host.on('signalingLost', (event) => legacy.push(event));
    const hostBack = restoredEvent(host);
    const clientBack = restoredEvent(client);
    c.cut();
    const before = received();
    expect(await advanceUntilSettled(c.clock, hostBack, 'host back')).toMatchObject({ how: 'resumed', actor: 1 });
    expect(await advanceUntilSettled(c.clock, clientBack, 'client back')).toMatchObject({ how: 'resumed', actor: 2 });
    expect(lost).toMatchObject([{ code: 'CLOUD_UNREACHABLE', reconnecting: true }]);
    expect(legacy).toHaveLength(1);
    await c.clock.advanceAsync(1_000);
    expect(received()).toBeGreaterThan(before);
    expect(disconnects).toEqual([]);
    expect((await lobby(c)).sessions).toMatchObject([{ name: 'lossy', players: 2 }]);
  });

  it('the session service restarts empty: the host restores its session, the client rejoins it, a new client joins', async () => {
    const { c, host, client, received, disconnects, make } = await connectedPair(2);
    const hostBack = restoredEvent(host);
    const clientBack = restoredEvent(client);
    await c.restart();
    await c.clock.advanceAsync(3_000);
    const before = received();
    expect(before).toBeGreaterThan(0);
    c.down = false;
    const restartedAt = c.clock.now();
    expect(await advanceUntilSettled(c.clock, hostBack, 'host back')).toMatchObject({ how: 'restored', actor: 1 });
    expect(c.clock.now() - restartedAt).toBeLessThanOrEqual(2_000 + 100);
    expect(await advanceUntilSettled(c.clock, clientBack, 'client back')).toMatchObject({ how: 'resumed', actor: 2 });
    expect((await lobby(c)).sessions).toMatchObject([{ name: 'lossy', players: 2, properties: { map: 'dust' } }]);
    const newcomer = make();
    const joined = await advanceUntilSettled(c.clock, newcomer.startGame({ mode: 'client', sessionName: 'lossy' }), 'newcomer start');
    expect(joined.actor).toBe(3);
    await c.clock.advanceAsync(1_000);
    expect(received()).toBeGreaterThan(before);
    expect(disconnects).toEqual([]);
  });

  it('the cloud never comes back: after cloudReconnect.timeoutMs the runner shuts down with reason cloudTimeout', async () => {
    const { c, host, client, received } = await connectedPair(3, { cloudReconnect: { timeoutMs: 20_000 } });
    const hostDown = shutdownEvent(host);
    await c.restart();
    const before = received();
    await c.clock.advanceAsync(10_000);
    // Meanwhile the game goes on.
    expect(received()).toBeGreaterThan(before);
    expect(client.connectedPeers()).toHaveLength(1);
    expect(await advanceUntilSettled(c.clock, hostDown, 'host gives up')).toMatchObject({ reason: 'cloudTimeout', code: 'CLOUD_UNREACHABLE' });
  });

  it('a client whose host never restores the session gives up after restoreWaitMs with reason gameClosed', async () => {
    // The host does not reconnect: the client finds an empty cloud and nobody restores the session.
    const { c, client } = await connectedPair(4, { cloudReconnect: { restoreWaitMs: 5_000 } }, { cloudReconnect: { enabled: false } });
    const clientDown = shutdownEvent(client);
    await c.restart();
    c.down = false;
    expect(await advanceUntilSettled(c.clock, clientDown, 'client gives up')).toMatchObject({ reason: 'gameClosed', code: 'SESSION_NOT_FOUND' });
  });
});
