// Virtual network: per-datagram TTL and router hops, and a NAT's rebind() and flush() mid-session.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type UdpSocket, isPunchthroughError } from '../../../core/index.js';
import { type PacketEvent, type VirtualNetwork, type VirtualNetworkOptions, createVirtualNetwork } from '../../../vnet/index.js';

let network: VirtualNetwork | undefined;
let clock: ManualClock;

function setup(options: Omit<VirtualNetworkOptions, 'clock'> = {}): VirtualNetwork {
  clock = new ManualClock();
  network = createVirtualNetwork({ clock, ...options });
  return network;
}

afterEach(async () => {
  await network?.close();
  network = undefined;
});

function collect(socket: UdpSocket): string[] {
  const received: string[] = [];
  socket.onMessage((data, from) => received.push(`${data.toString()} from ${from.address}:${from.port}`));
  return received;
}

/** Two port-restricted cone NATs with one host each, and a public server. */
async function twoNats(options: Omit<VirtualNetworkOptions, 'clock'> = {}) {
  const net = setup(options);
  const server = await net.addHost({ addresses: ['203.0.113.1'] }).bind({ type: 'udp4', port: 3478 });
  const natA = net.addNat({ publicAddress: '198.51.100.1' });
  const natB = net.addNat({ publicAddress: '198.51.100.2' });
  const a = await natA.addHost({ addresses: ['192.168.1.10'] }).bind({ type: 'udp4', port: 5000 });
  const b = await natB.addHost({ addresses: ['192.168.2.10'] }).bind({ type: 'udp4', port: 6000 });
  return { net, server, natA, natB, a, b };
}

describe('virtual network: TTL', () => {
  it('sends with TTL 64 by default; each NAT and the internet hop take one off', async () => {
    const { net, a, server } = await twoNats();
    const events: PacketEvent[] = [];
    net.onPacket((event) => events.push(event));
    const got = collect(server);
    a.send(Buffer.from('hi'), 3478, '203.0.113.1');
    clock.advance(0);
    expect(got).toEqual(['hi from 198.51.100.1:5000']);
    expect(events.map((event) => `${event.kind}@${event.node}:${event.ttl}`)).toEqual([
      'send@host-2:64',
      'translate@nat-1:63',
      'deliver@host-1:62',
    ]);
  });

  it('a TTL-2 prime opens the sender’s own NAT mapping and dies before the peer’s NAT (ttl-expired)', async () => {
    const { net, natA, natB, a, b } = await twoNats();
    const got = collect(b);
    a.send(Buffer.from('prime'), 6000, '198.51.100.2', 2);
    clock.advance(0);
    expect(natA.mappings()).toMatchObject([{ external: { port: 5000 }, admits: ['198.51.100.2:6000'] }]);
    expect(natB.counters().droppedNoMapping).toBe(0);
    expect(net.counters().droppedTtlExpired).toBe(1);
    // The prime's hole now admits b's full-TTL packet, which opens b's own mapping on the way.
    const gotA = collect(a);
    b.send(Buffer.from('hello'), 5000, '198.51.100.1');
    clock.advance(0);
    expect(gotA).toEqual(['hello from 198.51.100.2:6000']);
    a.send(Buffer.from('back'), 6000, '198.51.100.2');
    clock.advance(0);
    expect(got).toEqual(['back from 198.51.100.1:5000']);
    expect(net.counters().droppedTtlExpired).toBe(1);
  });

  it('with internetHops 0 (a shared segment) a TTL-2 prime reaches the peer’s NAT; with 3 a TTL-4 one does not', async () => {
    const shared = await twoNats({ internetHops: 0 });
    shared.a.send(Buffer.from('prime'), 6000, '198.51.100.2', 2);
    clock.advance(0);
    expect(shared.natB.counters().droppedNoMapping).toBe(1);
    await shared.net.close();
    const far = await twoNats({ internetHops: 3 });
    far.a.send(Buffer.from('prime'), 6000, '198.51.100.2', 4);
    clock.advance(0);
    expect(far.natB.counters().droppedNoMapping).toBe(0);
    expect(far.net.counters().droppedTtlExpired).toBe(1);
  });

  it('a TTL-1 packet dies at the sender’s NAT without opening a mapping, counted on the NAT', async () => {
    const { net, natA, a } = await twoNats();
    a.send(Buffer.from('x'), 3478, '203.0.113.1', 1);
    clock.advance(0);
    expect(natA.mappings()).toEqual([]);
    expect(natA.counters().droppedTtlExpired).toBe(1);
    expect(net.counters()).toMatchObject({ sent: 1, delivered: 0, droppedTtlExpired: 1 });
  });

  it('reports a TTL outside 1–255 to the error handlers, and rejects a bad internetHops', async () => {
    const { a } = await twoNats();
    const errors: string[] = [];
    a.onError((error) => errors.push((error as Error & { code?: string }).code ?? ''));
    a.send(Buffer.from('x'), 3478, '203.0.113.1', 0);
    a.send(Buffer.from('x'), 3478, '203.0.113.1', 256);
    clock.advance(0);
    expect(errors).toEqual(['EINVAL', 'EINVAL']);
    let caught: unknown;
    try {
      createVirtualNetwork({ clock, internetHops: -1 });
    } catch (error) {
      caught = error;
    }
    expect(isPunchthroughError(caught) && caught.code).toBe('INVALID_OPTIONS');
  });
});

describe('virtual NAT: rebind() and flush()', () => {
  it('rebind() moves every mapping to a new external port; the peer’s packets to the old one are dropped', async () => {
    const { net, natA, a, server } = await twoNats();
    const fromServer = collect(a);
    const atServer = collect(server);
    a.send(Buffer.from('1'), 3478, '203.0.113.1');
    clock.advance(0);
    const moves = natA.rebind();
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({ internal: { address: '192.168.1.10', port: 5000 }, fromPort: 5000 });
    expect(moves[0]!.toPort).not.toBe(5000);
    server.send(Buffer.from('to old'), 5000, '198.51.100.1');
    clock.advance(0);
    expect(fromServer).toEqual([]);
    expect(net.counters().droppedNoMapping).toBe(1);
    a.send(Buffer.from('2'), 3478, '203.0.113.1');
    clock.advance(0);
    expect(atServer).toEqual(['1 from 198.51.100.1:5000', `2 from 198.51.100.1:${moves[0]!.toPort}`]);
    // The moved mapping kept its filter: the server reaches the new port.
    server.send(Buffer.from('to new'), moves[0]!.toPort, '198.51.100.1');
    clock.advance(0);
    expect(fromServer).toEqual(['to new from 203.0.113.1:3478']);
  });

  it('flush() forgets every mapping; a port-preserving NAT hands the same port back on the next packet', async () => {
    const { natA, a, server } = await twoNats();
    const fromServer = collect(a);
    const atServer = collect(server);
    a.send(Buffer.from('1'), 3478, '203.0.113.1');
    clock.advance(0);
    natA.flush();
    expect(natA.mappings()).toEqual([]);
    server.send(Buffer.from('dropped'), 5000, '198.51.100.1');
    clock.advance(0);
    expect(fromServer).toEqual([]);
    a.send(Buffer.from('2'), 3478, '203.0.113.1');
    clock.advance(0);
    expect(atServer).toEqual(['1 from 198.51.100.1:5000', '2 from 198.51.100.1:5000']);
  });
});
