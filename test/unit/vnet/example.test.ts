// The bare-socket example of docs/testing.md, verbatim (test/unit/docs/examples.test.ts keeps the
// two in step; in your project the imports read 'punchthrough' and 'punchthrough/testing').
import { afterEach, expect, it } from 'vitest';
import { ManualClock, type UdpSocket } from '../../../client-sdk/index.js';
import { createVirtualNetwork } from '../../../vnet/index.js';

const clock = new ManualClock();
const network = createVirtualNetwork({ clock, seed: 1 });
afterEach(() => network.close());

/** Resolves with the next datagram a socket receives. */
function nextMessage(socket: UdpSocket): Promise<{ text: string; from: string }> {
  return new Promise((resolve) => {
    const remove = socket.onMessage((data, from) => {
      remove();
      resolve({ text: data.toString(), from: `${from.address}:${from.port}` });
    });
  });
}

it('two players behind port-restricted cone NATs punch a hole to each other', async () => {
  // A public echo server tells each player its reflexive (public) address, as STUN would.
  const server = network.addHost({ addresses: ['203.0.113.1'] });
  const echo = await server.bind({ type: 'udp4', port: 3478 });
  echo.onMessage((_data, from) => echo.send(Buffer.from(`${from.address}:${from.port}`), from.port, from.address));

  // Two home routers; Bob's line is slow and lossy.
  const homeA = network.addNat({ preset: 'port-restricted-cone', publicAddress: '198.51.100.1' });
  const homeB = network.addNat({
    preset: 'port-restricted-cone',
    publicAddress: '198.51.100.2',
    link: { latencyMs: 40, jitterMs: 10, lossRate: 0.1 },
  });
  const alice = await homeA.addHost({ addresses: ['192.168.1.10'] }).bind({ type: 'udp4' });
  const bob = await homeB.addHost({ addresses: ['192.168.1.20'] }).bind({ type: 'udp4' });

  // Each learns its public address (retrying, because Bob's line loses packets).
  async function reflexive(socket: UdpSocket): Promise<string> {
    const reply = nextMessage(socket);
    let answered = false;
    void reply.then(() => (answered = true));
    while (!answered) {
      socket.send(Buffer.from('who am i'), 3478, '203.0.113.1');
      await clock.advanceAsync(200);
    }
    return (await reply).text;
  }
  const alicePublic = await reflexive(alice);
  const bobPublic = await reflexive(bob);
  expect(alicePublic).toMatch(/^198\.51\.100\.1:/);

  // Unsolicited packets are dropped: Bob cannot reach Alice until she has sent to him.
  const [aliceHost, alicePort] = alicePublic.split(':');
  const [bobHost, bobPort] = bobPublic.split(':');
  const atBob = nextMessage(bob);
  let punched = false;
  void atBob.then(() => (punched = true));
  for (let attempt = 0; attempt < 20 && !punched; attempt++) {
    alice.send(Buffer.from('punch from alice'), Number(bobPort), bobHost!);
    bob.send(Buffer.from('punch from bob'), Number(alicePort), aliceHost!);
    await clock.advanceAsync(100);
  }
  expect(await atBob).toEqual({ text: 'punch from alice', from: alicePublic });

  // What the NAT did, for assertions or debugging.
  expect(homeA.mappings()).toHaveLength(1);
  expect(homeB.counters().forwardedInbound).toBeGreaterThan(0);
});
