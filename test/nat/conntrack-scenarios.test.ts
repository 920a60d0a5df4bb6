/**
 * Scenarios on NATs that behave like the measured Linux kernel (LINUX_CONNTRACK_NAT: no INPUT
 * drop, so unsolicited packets create state and steal ports; paths.md §2 #7–#9, #20), and a NAT
 * flushed mid-session. The SDK, STUN and relay run on virtual hosts on one ManualClock.
 */
import { describe, expect, it } from 'vitest';
import type { NetworkRunnerOptions } from '../../client-sdk/index.js';
import { LINUX_CONNTRACK_NAT } from '../../vnet/index.js';
import { advanceUntil } from '../support/drive.js';
import { connectPair } from '../support/virtual-cloud.js';
import { connected, inbox, useVirtualWorlds } from '../support/virtual-worlds.js';

const worlds = useVirtualWorlds();

/**
 * The host's first ping reaches the client's NAT before the client's CONNECT leaves it: the
 * client's LAN is 20 ms slow, and both schedules start at the same clock time (paths.md §2 #7:
 * "the host's pings always leave first" in the kernel lab).
 */
async function kernelPair(serverExposed: boolean, clientExposed: boolean, options: Partial<NetworkRunnerOptions> = {}) {
  const world = await worlds.open(11);
  const serverNat = world.network.addNat(serverExposed ? LINUX_CONNTRACK_NAT : {});
  const clientNat = world.network.addNat(clientExposed ? LINUX_CONNTRACK_NAT : {});
  const outcome = await connectPair(world, serverNat.addHost(), clientNat.addHost({ link: { latencyMs: 20 } }), { server: options, client: options });
  return { serverNat, clientNat, event: connected(outcome) };
}

/** The seed's packets, as the kernel lab measured them: no low-TTL priming. */
const UNPRIMED = { lowTtlPriming: false };

describe('kernel-like NATs (LINUX_CONNTRACK_NAT): port stealing decides the path, as measured (priming off)', () => {
  it('both routers exposed (nofw): the host’s early ping steals the client’s port, and the pair ends on the relay (#7)', async () => {
    const { serverNat, clientNat, event } = await kernelPair(true, true, UNPRIMED);
    expect(event).toMatchObject({ path: 'relay', attempt: 6 });
    expect(clientNat.counters()).toMatchObject({ unrepliedEntriesCreated: 1, portClashes: 1 });
    // The client's CONNECTs from the detour port then leave their own unreplied entry at the host's NAT.
    expect(serverNat.counters().unrepliedEntriesCreated).toBeGreaterThan(0);
  });

  it('only the client’s router exposed (nofw2): relay (#8)', async () => {
    const { clientNat, event } = await kernelPair(false, true, UNPRIMED);
    expect(event).toMatchObject({ path: 'relay', attempt: 6 });
    expect(clientNat.counters().portClashes).toBe(1);
  });

  it('only the host’s router exposed (nofw1): direct at attempt 0 (#9)', async () => {
    const { event } = await kernelPair(true, false, UNPRIMED);
    expect(event).toMatchObject({ path: 'direct', attempt: 0 });
  });
});

describe('the same routers with low-TTL priming (the default)', () => {
  for (const [label, serverExposed, clientExposed] of [
    ['both routers exposed', true, true],
    ['only the client’s router exposed', false, true],
    ['only the host’s router exposed', true, false],
  ] as const) {
    it(`${label}: the primes die one router out, nothing is stolen, direct at attempt 0`, async () => {
      const { serverNat, clientNat, event } = await kernelPair(serverExposed, clientExposed);
      expect(event).toMatchObject({ path: 'direct', attempt: 0 });
      expect(clientNat.counters().portClashes + serverNat.counters().portClashes).toBe(0);
    });
  }
});

describe('a NAT flushed mid-session', () => {
  it('a port-preserving client NAT flushed while direct gives the same port back, and the pair survives (#20)', async () => {
    const world = await worlds.open(12);
    const serverNat = world.network.addNat({ preset: 'port-restricted-cone' });
    const clientNat = world.network.addNat({ preset: 'port-restricted-cone' });
    const outcome = await connectPair(world, serverNat.addHost(), clientNat.addHost());
    const event = connected(outcome);
    expect(event.path).toBe('direct');
    const before = clientNat.mappings().map((mapping) => mapping.external.port);
    clientNat.flush();
    expect(clientNat.mappings()).toEqual([]);
    const atServer = inbox(outcome.server);
    const atClient = inbox(outcome.client);
    outcome.client.send(event.peerId, Buffer.from('after the flush'));
    await advanceUntil(world.clock, () => atServer.length > 0, 'update to the host', { maxMs: 5_000 });
    outcome.server.broadcast(Buffer.from('echo'));
    await advanceUntil(world.clock, () => atClient.length > 0, 'update to the client', { maxMs: 5_000 });
    expect([atServer, atClient]).toEqual([['after the flush'], ['echo']]);
    expect(clientNat.mappings().map((mapping) => mapping.external.port)).toEqual(expect.arrayContaining([before[0]]));
  });
});
