/**
 * Low-TTL priming against port stealing (issue 13; paths.md §2 #7–#8, #30): the client's router
 * keeps state for unsolicited inbound (LINUX_CONNTRACK_NAT), and the host starts first, so
 * without priming its first ping reaches the client's NAT before the client has sent anything
 * and steals the client's port. With priming (the default) both first packets are TTL-2 primes
 * that die one router out, and the full-TTL packets find both mappings made. Everything runs in
 * memory on one ManualClock (memory cloud), with the host's head start set by clock time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NetworkRunnerOptions } from '../../client-sdk/index.js';
import { LINUX_CONNTRACK_NAT } from '../../vnet/index.js';
import { advanceUntilSettled } from '../support/drive.js';
import { createMemoryCloud, type MemoryCloud } from '../support/memory-cloud.js';
import { memorySignaling } from '../support/memory-signaling.js';
import { skewedSignaling } from '../support/skewed-signaling.js';

let cloud: MemoryCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** The host's head start in run `seed`: 30–300 ms, all inside the host's prime-to-full-TTL lead (one interval). */
const headStartMs = (seed: number): number => 30 * seed;

/** One run: the path the client ends on 5 s after connecting, and whether the steal happened. */
async function run(seed: number, options: Partial<NetworkRunnerOptions>): Promise<{ path: string | undefined; stolen: number }> {
  const c = (cloud = await createMemoryCloud(seed));
  const hostNat = c.network.addNat({ preset: 'port-restricted-cone' });
  const clientNat = c.network.addNat({ ...LINUX_CONNTRACK_NAT });
  const clientHost = clientNat.addHost();
  const host = c.runner(hostNat.addHost(), options);
  const signaling = skewedSignaling(memorySignaling({ connect: c.hub.connect, remoteAddress: clientHost.addresses[0]! }), headStartMs(seed));
  const client = c.runner(clientHost, { ...options, signaling });
  const name = `steal-${seed}`;
  await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: name }), 'host start');
  const started = await advanceUntilSettled(c.clock, client.startGame({ mode: 'client', sessionName: name }), 'client start');
  await c.clock.advanceAsync(5_000);
  const path = client.connectionType(started.server!.peerId);
  const result = { path, stolen: clientNat.counters().unrepliedEntriesCreated };
  await cloud.close();
  cloud = undefined;
  return result;
}

describe('port stealing on the client side (LINUX_CONNTRACK_NAT), host first', () => {
  it('with low-TTL priming (the default): cone ↔ cone direct in ≥ 9 of 10 seeded runs', async () => {
    const paths: (string | undefined)[] = [];
    for (const seed of SEEDS) paths.push((await run(seed, {})).path);
    expect(paths.filter((p) => p === 'direct').length).toBeGreaterThanOrEqual(9);
  });

  it('without priming the host’s early ping steals the port and the pair ends on the relay', async () => {
    const outcomes = [];
    for (const seed of SEEDS.slice(0, 3)) outcomes.push(await run(seed, { lowTtlPriming: false }));
    for (const outcome of outcomes) {
      expect(outcome.stolen).toBeGreaterThan(0);
      expect(outcome.path).toBe('relay');
    }
  });
});
