// The game example of docs/testing.md, verbatim (test/unit/docs/examples.test.ts keeps
// the two in step; in your project the imports read 'punchthrough', 'punchthrough/cloud' and
// 'punchthrough/testing').
import { afterEach, expect, it } from 'vitest';
import { ManualClock, NetworkRunner } from '../../../client-sdk/index.js';
import { createCloud } from '../../../src/index.js';
import { createVirtualNetwork, type VirtualHost } from '../../../vnet/index.js';

const clock = new ManualClock();
const network = createVirtualNetwork({ clock, seed: 42 });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Moves the manual clock until `promise` settles: virtual UDP only moves with the clock, while
 * signaling runs on a real loopback WebSocket, so each step also lets real I/O through.
 */
async function settle<T>(promise: Promise<T>, maxMs = 60_000): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => (settled = true));
  for (const start = clock.now(); !settled; ) {
    if (clock.now() - start > maxMs) throw new Error(`not settled after ${maxMs} ms of clock time`);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await clock.advanceAsync(10);
  }
  return tracked;
}

/** A NetworkRunner whose UDP socket lives on a virtual host. */
function runnerOn(host: VirtualHost, cloudUrl: string): NetworkRunner {
  const runner = new NetworkRunner({
    cloudUrl,
    appId: 'my-game',
    socketFactory: host,
    clock,
    localAddresses: () => host.addresses, // the host's private addresses, not this machine's
  });
  cleanups.push(() => runner.shutdown());
  return runner;
}

it('a player behind a symmetric NAT on a lossy line plays with a host behind a full-cone NAT', async () => {
  // The cloud: signaling on real loopback, STUN and the relay on a public virtual host.
  const cloudHost = network.addHost({ addresses: ['203.0.113.1'] });
  const cloud = await createCloud({ host: '127.0.0.1', httpPort: 0, udpHost: '203.0.113.1', socketFactory: cloudHost, clock });
  cleanups.push(() => cloud.close());
  const cloudUrl = `http://127.0.0.1:${cloud.http.port}`;

  const home = network.addNat({ preset: 'full-cone' });
  const mobile = network.addNat({ preset: 'symmetric', link: { latencyMs: 40, jitterMs: 10, lossRate: 0.05 } });
  const gameHost = runnerOn(home.addHost(), cloudUrl);
  const player = runnerOn(mobile.addHost(), cloudUrl);

  const session = await settle(gameHost.startGame({ mode: 'server' }));
  const joined = await settle(player.startGame({ mode: 'client', sessionName: session.sessionName }));
  // A full-cone host admits the symmetric player's packets from any port: a direct path.
  expect(joined.server).toMatchObject({ path: 'direct' });

  const received = new Promise<string>((resolve) => {
    gameHost.on('message', (message) => resolve(Buffer.from(message.data).toString()));
  });
  // Game updates are unreliable, like UDP: resend until one gets through the lossy line.
  const resend = clock.setInterval(() => player.send(joined.server!.peerId, Buffer.from('jump')), 20);
  expect(await settle(received)).toBe('jump');
  clock.clearInterval(resend);
  expect(mobile.mappings().length).toBeGreaterThan(1); // one mapping per destination
});
