// The README's NAT test, verbatim (test/unit/docs/examples.test.ts keeps the two in step; in your
// project the imports read 'punchthrough', 'punchthrough/cloud' and 'punchthrough/testing').
import { expect, it } from 'vitest';
import { NetworkRunner } from '../../../client-sdk/index.js';
import { createCloud } from '../../../src/index.js';
import { createVirtualNetwork, type VirtualHost } from '../../../vnet/index.js';

it('a player behind a symmetric NAT reaches a host behind a full-cone NAT directly', async () => {
  const network = createVirtualNetwork(); // on the real clock: packets move by themselves
  const cloudHost = network.addHost({ addresses: ['203.0.113.1'] });
  const cloud = await createCloud({ host: '127.0.0.1', httpPort: 0, udpHost: '203.0.113.1', socketFactory: cloudHost });
  const cloudUrl = `http://127.0.0.1:${cloud.http.port}`;
  const runnerOn = (host: VirtualHost): NetworkRunner =>
    new NetworkRunner({ cloudUrl, appId: 'my-game', socketFactory: host, localAddresses: () => host.addresses });

  const gameHost = runnerOn(network.addNat({ preset: 'full-cone' }).addHost());
  const player = runnerOn(network.addNat({ preset: 'symmetric' }).addHost());
  const { sessionName } = await gameHost.startGame({ mode: 'server' });
  const { server } = await player.startGame({ mode: 'client', sessionName });
  expect(server?.path).toBe('direct');

  await Promise.all([player.shutdown(), gameHost.shutdown()]);
  await cloud.close();
  network.close();
});
