/**
 * Connection scenarios on the virtual network (issue 7): loss, latency, mapping expiry with and
 * without keepalives, peers behind one NAT, a firewalled direct path, and a UDP-hostile network.
 * The SDK, the STUN server and the relay run on virtual hosts and one ManualClock; signaling
 * runs on a real loopback WebSocket.
 */
import { describe, expect, it } from 'vitest';
import { type VirtualWorld, connectPair } from '../support/virtual-cloud.js';
import { connected, inbox, useVirtualWorlds } from '../support/virtual-worlds.js';
import { advanceUntil } from '../support/drive.js';

const worlds = useVirtualWorlds();

async function newWorld(seed: number): Promise<VirtualWorld> {
  return worlds.open(seed);
}

describe('NAT scenarios', () => {
  for (const seed of [1, 2, 3]) {
    it(`20% loss each way still connects directly (seed ${seed})`, async () => {
      const w = await newWorld(seed);
      const serverNat = w.network.addNat({ preset: 'port-restricted-cone' });
      const clientNat = w.network.addNat({ preset: 'port-restricted-cone', link: { lossRate: 0.2 } });
      const outcome = await connectPair(w, serverNat.addHost(), clientNat.addHost());
      expect(connected(outcome).path).toBe('direct');
      expect(w.network.counters().droppedByLoss).toBeGreaterThan(0);
    });
  }

  it('100 ms latency each way connects directly, with the handshake RTT to match', async () => {
    const w = await newWorld(4);
    const serverNat = w.network.addNat({ preset: 'port-restricted-cone' });
    const clientNat = w.network.addNat({ preset: 'port-restricted-cone', link: { latencyMs: 100 } });
    const event = connected(await connectPair(w, serverNat.addHost(), clientNat.addHost()));
    expect(event.path).toBe('direct');
    expect(event.rttMs).toBeGreaterThanOrEqual(200);
    expect(event.rttMs).toBeLessThan(300);
  });

  /**
   * The client's NAT maps per destination (symmetric), so the direct path has a mapping of its
   * own that only the pair's traffic refreshes (its relay binding keeps another one alive).
   */
  async function idlePair(keepalives: boolean) {
    const w = await newWorld(5);
    const serverNat = w.network.addNat({ preset: 'full-cone' });
    const clientNat = w.network.addNat({ preset: 'symmetric', mappingLifetimeMs: 30_000 });
    const quiet = keepalives ? {} : { keepaliveIntervalMs: 600_000, peerTimeoutMs: 600_000 };
    const outcome = await connectPair(w, serverNat.addHost(), clientNat.addHost(), { server: quiet, client: quiet });
    expect(connected(outcome).path).toBe('direct');
    const atClient = inbox(outcome.client);
    const before = clientNat.counters().droppedNoMapping;
    await w.clock.advanceAsync(60_000);
    outcome.server.broadcast(Buffer.from('after a minute'));
    await advanceUntil(w.clock, () => atClient.length > 0, 'update', { maxMs: 5_000 }).catch(() => undefined);
    return { atClient, droppedNoMapping: clientNat.counters().droppedNoMapping - before };
  }

  it('a mapping expires without keepalives, and the path breaks', async () => {
    const { atClient, droppedNoMapping } = await idlePair(false);
    expect(atClient).toEqual([]);
    expect(droppedNoMapping).toBeGreaterThan(0);
  });

  it('keepalives hold the mapping open, and the path keeps working', async () => {
    const { atClient, droppedNoMapping } = await idlePair(true);
    expect(atClient).toEqual(['after a minute']);
    expect(droppedNoMapping).toBe(0);
  });

  it('peers behind the same NAT connect through their local addresses, hairpinning off', async () => {
    const w = await newWorld(6);
    const nat = w.network.addNat({ preset: 'symmetric', hairpinning: false });
    const serverHost = nat.addHost();
    const event = connected(await connectPair(w, serverHost, nat.addHost()));
    expect(event.path).toBe('direct');
    expect(event.remote.address).toBe(serverHost.address);
    expect(nat.counters().droppedHairpinDisabled).toBeGreaterThan(0);
  });

  it('a firewall blocking the direct path makes the client fall back to the relay at attempt 6', async () => {
    const w = await newWorld(7);
    const serverNat = w.network.addNat({ preset: 'full-cone' });
    const clientNat = w.network.addNat({ preset: 'full-cone' });
    w.network.blockUdp(serverNat.publicAddress, clientNat.publicAddress);
    const outcome = await connectPair(w, serverNat.addHost(), clientNat.addHost());
    const event = connected(outcome);
    expect(event).toMatchObject({ path: 'relay', attempt: 6 });
    expect(w.network.counters().droppedByFirewall).toBeGreaterThan(0);
    const atServer = inbox(outcome.server);
    outcome.client.send(event.peerId, Buffer.from('through the relay'));
    await advanceUntil(w.clock, () => atServer.length > 0, 'relayed update');
    expect(atServer).toEqual(['through the relay']);
  });

  it('all UDP blocked fails cleanly at the attempt limit with CONNECT_TIMEOUT', async () => {
    const w = await newWorld(8);
    const serverNat = w.network.addNat({ preset: 'full-cone' });
    const clientHost = w.network.addNat({ preset: 'full-cone' }).addHost();
    clientHost.setUdpBlocked(true);
    const outcome = await connectPair(w, serverNat.addHost(), clientHost);
    expect(outcome.result).toEqual({ ok: false, code: 'CONNECT_TIMEOUT' });
    // Its network operations are shut down: no socket left open on the client's host.
    expect(clientHost.sockets()).toEqual([]);
    expect(w.network.counters().droppedBySwitch).toBeGreaterThan(0);
  });
});
