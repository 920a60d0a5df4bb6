import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, type UdpSocket } from '../../../core/index.js';
import { NAT_PRESETS, type NatPreset, createVirtualNetwork } from '../../../vnet/index.js';

const presets = Object.keys(NAT_PRESETS) as NatPreset[];

/** Random traffic between peers behind random NATs; returns every delivery and the counters. */
async function run(seed: number, natPresets: NatPreset[], sends: Array<[number, number, number]>) {
  const clock = new ManualClock();
  const network = createVirtualNetwork({ clock, seed });
  const server = network.addHost({ link: { latencyMs: 5, jitterMs: 20, lossRate: 0.1 } });
  const sockets: UdpSocket[] = [await server.bind({ type: 'udp4', port: 3478 })];
  const addresses: Array<[string, number]> = [[server.address, 3478]];
  for (const preset of natPresets) {
    const nat = network.addNat({ preset, link: { latencyMs: 10, jitterMs: 10, lossRate: 0.2 } });
    const socket = await nat.addHost().bind({ type: 'udp4' });
    sockets.push(socket);
    addresses.push([nat.publicAddress, socket.address().port]);
  }
  const log: string[] = [];
  sockets.forEach((socket, index) =>
    socket.onMessage((data, from) => log.push(`${clock.now()} ${index} ${from.address}:${from.port} ${data.toString()}`)),
  );
  const invariant = (): void => {
    const c = network.counters();
    const dropped = Object.entries(c)
      .filter(([key]) => key.startsWith('dropped'))
      .reduce((sum, [, value]) => sum + value, 0);
    expect(c.sent).toBe(c.delivered + dropped + network.inFlight);
  };
  for (const [from, to, waitMs] of sends) {
    const [address, port] = addresses[to % addresses.length]!;
    sockets[from % sockets.length]!.send(Buffer.from(`m${log.length}`), port, address);
    invariant();
    clock.advance(waitMs);
    invariant();
  }
  clock.advance(1000);
  invariant();
  expect(network.inFlight).toBe(0);
  const counters = network.counters();
  await network.close();
  expect(clock.pendingTimers).toBe(0);
  return { log, counters };
}

describe('virtual network properties', () => {
  it('accounts for every packet, and replays exactly for the same seed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.array(fc.constantFrom(...presets), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(10), fc.nat(10), fc.nat(30)), { maxLength: 60 }),
        async (seed, natPresets, sends) => {
          const first = await run(seed, natPresets, sends);
          expect(await run(seed, natPresets, sends)).toEqual(first);
        },
      ),
      { numRuns: 40 },
    );
  });
});
