/**
 * Loss on both NAT links (issue 13; paths.md §2 #17): 20 % each way on the server's and the
 * client's NAT link, port-restricted cones, the default (sequential) schedule. Each attempt is
 * sent twice within its interval, so a pair rarely loses all of its direct attempts; the test
 * counts the seeded runs that end direct. Everything runs in memory on one ManualClock. (Of these
 * 20 seeds one ends on the relay for another reason: all five of the host's STUN requests or
 * answers are lost, so it reports no reflexive address and the client has nothing to punch to.)
 */
import { afterEach, expect, it } from 'vitest';
import { advanceUntilSettled } from '../support/drive.js';
import { createMemoryCloud, type MemoryCloud } from '../support/memory-cloud.js';

let cloud: MemoryCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

const LOSSY = { lossRate: 0.2 };

it('20 % loss each way on both NAT links: cone ↔ cone ends direct in ≥ 19 of 20 seeded runs (default schedule)', async () => {
  const paths: (string | undefined)[] = [];
  for (let seed = 1; seed <= 20; seed++) {
    const c = (cloud = await createMemoryCloud(1000 + seed));
    const host = c.runner(c.network.addNat({ preset: 'port-restricted-cone', link: LOSSY }).addHost());
    const client = c.runner(c.network.addNat({ preset: 'port-restricted-cone', link: LOSSY }).addHost());
    await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: `loss-${seed}` }), 'host start');
    try {
      const started = await advanceUntilSettled(c.clock, client.startGame({ mode: 'client', sessionName: `loss-${seed}` }), 'client start');
      // Past the attempt window, so a late direct accept has had its chance to take over.
      await c.clock.advanceAsync(5_000);
      paths.push(client.connectionType(started.server!.peerId));
    } catch {
      paths.push('failed');
    }
    expect(c.network.counters().droppedByLoss).toBeGreaterThan(0);
    await c.close();
    cloud = undefined;
  }
  expect(paths.filter((p) => p === 'direct').length, paths.join(', ')).toBeGreaterThanOrEqual(19);
});
