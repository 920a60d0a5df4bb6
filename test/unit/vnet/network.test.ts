import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type UdpSocket, isPunchthroughError } from '../../../core/index.js';
import {
  type NatPreset,
  type VirtualNetwork,
  type VirtualNetworkOptions,
  createVirtualNetwork,
} from '../../../vnet/index.js';

interface Received {
  text: string;
  from: string;
  atMs: number;
}

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

function collect(socket: UdpSocket): Received[] {
  const received: Received[] = [];
  socket.onMessage((data, from) => {
    received.push({ text: data.toString(), from: `${from.address}:${from.port}`, atMs: clock.now() });
  });
  return received;
}

const endpoint = (e: { address: string; port: number }): string => `${e.address}:${e.port}`;

describe('virtual network: delivery and the socket contract', () => {
  it('delivers asynchronously on the clock, never inside send(), with zero latency at now+0', async () => {
    const net = setup();
    const a = await net.addHost({ addresses: ['203.0.113.10'] }).bind({ type: 'udp4', port: 1000 });
    const b = await net.addHost({ addresses: ['203.0.113.20'] }).bind({ type: 'udp4', port: 2000 });
    const got = collect(b);
    a.send(Buffer.from('hello'), 2000, '203.0.113.20');
    expect(got).toEqual([]);
    expect(net.inFlight).toBe(1);
    clock.advance(0);
    expect(got).toEqual([{ text: 'hello', from: '203.0.113.10:1000', atMs: 0 }]);
    expect(net.counters()).toMatchObject({ sent: 1, delivered: 1 });
  });

  it('copies the payload at send, so the sender may reuse its buffer', async () => {
    const net = setup();
    const a = await net.addHost().bind({ type: 'udp4' });
    const bHost = net.addHost();
    const b = await bHost.bind({ type: 'udp4', port: 9 });
    const got = collect(b);
    const buffer = Buffer.from('one');
    a.send(buffer, 9, bHost.address);
    buffer.write('two');
    clock.advance(0);
    expect(got.map((r) => r.text)).toEqual(['one']);
  });

  it('supports several message handlers, removable, and an idempotent close', async () => {
    const net = setup();
    const host = net.addHost();
    const a = await host.bind({ type: 'udp4' });
    const b = await host.bind({ type: 'udp4' });
    const first: string[] = [];
    const second: string[] = [];
    const removeFirst = b.onMessage((data) => first.push(data.toString()));
    b.onMessage((data) => second.push(data.toString()));
    a.send(Buffer.from('1'), b.address().port, host.address);
    clock.advance(0);
    removeFirst();
    a.send(Buffer.from('2'), b.address().port, host.address);
    clock.advance(0);
    expect(first).toEqual(['1']);
    expect(second).toEqual(['1', '2']);
    const closing = b.close();
    expect(b.close()).toBe(closing);
    await closing;
    a.send(Buffer.from('3'), b.address().port, host.address);
    clock.advance(0);
    expect(second).toEqual(['1', '2']);
    expect(net.counters().droppedNoSocket).toBe(1);
    expect(host.sockets()).toEqual([a.address()]);
  });

  it('still delivers a datagram sent just before close() (a goodbye), and nothing sent after', async () => {
    const net = setup();
    const a = await net.addHost().bind({ type: 'udp4' });
    const bHost = net.addHost();
    const b = await bHost.bind({ type: 'udp4', port: 7 });
    const got = collect(b);
    a.send(Buffer.from('goodbye'), 7, bHost.address);
    const closed = a.close();
    a.send(Buffer.from('too late'), 7, bHost.address);
    await closed;
    clock.advance(0);
    expect(got.map((r) => r.text)).toEqual(['goodbye']);
  });

  it('picks a free ephemeral port for port 0 and refuses a port in use', async () => {
    const net = setup();
    const host = net.addHost({ addresses: ['203.0.113.5', '203.0.113.6'] });
    const wildcard = await host.bind({ type: 'udp4', port: 0 });
    expect(wildcard.address()).toEqual({ address: '0.0.0.0', port: expect.any(Number), family: 'IPv4' });
    expect(wildcard.address().port).toBeGreaterThanOrEqual(49_152);
    const taken = wildcard.address().port;
    await expect(host.bind({ type: 'udp4', port: taken })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await expect(host.bind({ type: 'udp4', address: '203.0.113.6', port: taken })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    await expect(host.bind({ type: 'udp4', address: '198.51.100.1' })).rejects.toMatchObject({
      code: 'EADDRNOTAVAIL',
    });
    await expect(host.bind({ type: 'udp4', port: 70_000 })).rejects.toMatchObject({ code: 'ERR_SOCKET_BAD_PORT' });
    const specific = await host.bind({ type: 'udp4', address: '203.0.113.6', port: 3478 });
    await expect(host.bind({ type: 'udp4', port: 3478 })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(await host.bind({ type: 'udp4', address: '203.0.113.5', port: 3478 })).toBeDefined();
    expect(specific.address()).toEqual({ address: '203.0.113.6', port: 3478, family: 'IPv4' });
  });

  it('sends from the bound address of a multi-address host, and from the primary one when bound to the wildcard', async () => {
    const net = setup();
    const stunHost = net.addHost({ addresses: ['203.0.113.1', '203.0.113.2'] });
    const primary = await stunHost.bind({ type: 'udp4', port: 7 });
    const alternate = await stunHost.bind({ type: 'udp4', address: '203.0.113.2', port: 8 });
    const peer = await net.addHost({ addresses: ['198.51.100.9'] }).bind({ type: 'udp4', port: 9 });
    const got = collect(peer);
    primary.send(Buffer.from('p'), 9, '198.51.100.9');
    alternate.send(Buffer.from('a'), 9, '198.51.100.9');
    clock.advance(0);
    expect(got.map((r) => r.from)).toEqual(['203.0.113.1:7', '203.0.113.2:8']);
  });

  it('reports bad sends to the error handlers, later and never from inside send()', async () => {
    const net = setup();
    const socket = await net.addHost().bind({ type: 'udp4' });
    const errors: string[] = [];
    socket.onError((error) => errors.push((error as NodeJS.ErrnoException).code ?? error.message));
    socket.send(Buffer.from('x'), 0, '203.0.113.1');
    socket.send(Buffer.from('x'), 1, 'example.com');
    socket.send(Buffer.from('x'), 1, '2001:db8::1');
    socket.send(Buffer.alloc(65_508), 1, '203.0.113.1');
    expect(errors).toEqual([]);
    clock.advance(0);
    expect(errors).toEqual(['ERR_SOCKET_BAD_PORT', 'ENOTFOUND', 'EINVAL', 'EMSGSIZE']);
    expect(net.counters().sent).toBe(0);
  });

  it('delivers loopback and own-address traffic inside the host, even with UDP switched off', async () => {
    const net = setup();
    const host = net.addHost();
    const a = await host.bind({ type: 'udp4', address: '127.0.0.1' });
    const b = await host.bind({ type: 'udp4' });
    const got = collect(b);
    host.setUdpBlocked(true);
    a.send(Buffer.from('lo'), b.address().port, '127.0.0.1');
    b.send(Buffer.from('self'), b.address().port, host.address);
    clock.advance(0);
    expect(got.map((r) => `${r.text} from ${r.from.split(':')[0]}`)).toEqual([
      'lo from 127.0.0.1',
      `self from ${host.address}`,
    ]);
  });

  it('routes IPv6 between public hosts', async () => {
    const net = setup();
    const a = await net.addHost({ addresses: ['2001:db8::1'] }).bind({ type: 'udp6', port: 1 });
    const b = await net.addHost({ addresses: ['2001:db8::2', '203.0.113.2'] }).bind({ type: 'udp6', port: 2 });
    const got = collect(b);
    a.send(Buffer.from('v6'), 2, '2001:db8::2');
    clock.advance(0);
    expect(got).toEqual([{ text: 'v6', from: '2001:db8::1:1', atMs: 0 }]);
  });

  it('drops packets to unknown addresses and counts them', async () => {
    const net = setup();
    const socket = await net.addHost().bind({ type: 'udp4' });
    socket.send(Buffer.from('?'), 1, '192.168.77.7');
    clock.advance(0);
    expect(net.counters()).toMatchObject({ sent: 1, delivered: 0, droppedUnroutable: 1 });
  });

  it('rejects bad configuration with INVALID_OPTIONS', () => {
    const net = setup();
    net.addHost({ addresses: ['203.0.113.1'] });
    const attempts = [
      () => net.addHost({ addresses: ['203.0.113.1'] }),
      () => net.addHost({ addresses: ['not-an-ip'] }),
      () => net.addHost({ addresses: [] }),
      () => net.addNat({ preset: 'bogus' as NatPreset }),
      () => net.addNat({ mappingLifetimeMs: 0 }),
      () => net.addNat({ portRange: { min: 10, max: 5 } }),
      () => net.addHost({ link: { lossRate: 2 } }),
    ];
    for (const attempt of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (error) {
        caught = error;
      }
      expect(isPunchthroughError(caught) && caught.code).toBe('INVALID_OPTIONS');
    }
  });

  it('close() closes every socket and cancels everything in flight', async () => {
    const net = setup();
    const a = await net.addHost().bind({ type: 'udp4' });
    const bHost = net.addHost({ link: { latencyMs: 50 } });
    const b = await bHost.bind({ type: 'udp4' });
    const got = collect(b);
    a.send(Buffer.from('late'), b.address().port, bHost.address);
    expect(clock.pendingTimers).toBe(1);
    await net.close();
    await net.close();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(100);
    expect(got).toEqual([]);
    expect(bHost.sockets()).toEqual([]);
    await expect(bHost.bind({ type: 'udp4' })).rejects.toMatchObject({ code: 'ENETDOWN' });
  });
});

describe('virtual network: NATs', () => {
  /**
   * A host behind a NAT talks to the STUN-like public host on 203.0.113.1:3478; then three
   * remotes (same endpoint, same address other port, other address) try to reach the mapping.
   */
  async function probe(preset: NatPreset) {
    const net = setup();
    const server = net.addHost({ addresses: ['203.0.113.1', '203.0.113.2'] });
    const s1 = await server.bind({ type: 'udp4', address: '203.0.113.1', port: 3478 });
    const s1OtherPort = await server.bind({ type: 'udp4', address: '203.0.113.1', port: 3479 });
    const s2 = await server.bind({ type: 'udp4', address: '203.0.113.2', port: 3478 });
    const nat = net.addNat({ preset, publicAddress: '198.51.100.1' });
    const client = await nat.addHost({ addresses: ['192.168.1.10'] }).bind({ type: 'udp4', port: 5000 });
    const seen = [collect(s1), collect(s1OtherPort), collect(s2)];
    const got = collect(client);
    client.send(Buffer.from('to s1'), 3478, '203.0.113.1');
    client.send(Buffer.from('to s2'), 3478, '203.0.113.2');
    clock.advance(0);
    const mappedAtS1 = seen[0]![0]!.from;
    const mappedAtS2 = seen[2]![0]!.from;
    const [address, port] = mappedAtS1.split(':');
    // Each remote answers the mapping s1 saw.
    s1.send(Buffer.from('s1'), Number(port), address!);
    s1OtherPort.send(Buffer.from('s1:3479'), Number(port), address!);
    s2.send(Buffer.from('s2'), Number(port), address!);
    clock.advance(0);
    return { net, nat, mappedAtS1, mappedAtS2, admitted: got.map((r) => r.text) };
  }

  it('full cone: one mapping for all remotes, and anyone may send to it', async () => {
    const result = await probe('full-cone');
    expect(result.mappedAtS1).toBe('198.51.100.1:5000');
    expect(result.mappedAtS2).toBe(result.mappedAtS1);
    expect(result.admitted).toEqual(['s1', 's1:3479', 's2']);
  });

  it('restricted cone: one mapping; only addresses the inside has sent to may send', async () => {
    const net = setup();
    const server = net.addHost({ addresses: ['203.0.113.1', '203.0.113.2'] });
    const s1 = await server.bind({ type: 'udp4', address: '203.0.113.1', port: 3478 });
    const s1OtherPort = await server.bind({ type: 'udp4', address: '203.0.113.1', port: 3479 });
    const s2 = await server.bind({ type: 'udp4', address: '203.0.113.2', port: 3478 });
    const nat = net.addNat({ preset: 'restricted-cone', publicAddress: '198.51.100.1' });
    const client = await nat.addHost().bind({ type: 'udp4', port: 5000 });
    const got = collect(client);
    client.send(Buffer.from('hi'), 3478, '203.0.113.1');
    clock.advance(0);
    for (const [socket, text] of [
      [s1, 's1'],
      [s1OtherPort, 's1:3479'],
      [s2, 's2'],
    ] as const) {
      socket.send(Buffer.from(text), 5000, '198.51.100.1');
    }
    clock.advance(0);
    expect(got.map((r) => r.text)).toEqual(['s1', 's1:3479']);
    expect(nat.counters()).toMatchObject({ forwardedOutbound: 1, forwardedInbound: 2, droppedByFiltering: 1 });
    expect(net.counters().droppedByFiltering).toBe(1);
  });

  it('port-restricted cone: one mapping; only endpoints the inside has sent to may send', async () => {
    const result = await probe('port-restricted-cone');
    expect(result.mappedAtS2).toBe(result.mappedAtS1);
    expect(result.admitted).toEqual(['s1', 's2']);
    expect(result.nat.counters().droppedByFiltering).toBe(1);
  });

  it('symmetric: a mapping per remote endpoint, admitting only that endpoint', async () => {
    const result = await probe('symmetric');
    expect(result.mappedAtS2).not.toBe(result.mappedAtS1);
    expect(result.admitted).toEqual(['s1']);
    const mappings = result.nat.mappings();
    expect(mappings).toHaveLength(2);
    expect(mappings[0]).toMatchObject({
      internal: { address: '192.168.1.10', port: 5000 },
      external: { address: '198.51.100.1' },
      remote: { address: '203.0.113.1', port: 3478 },
      admits: ['203.0.113.1:3478'],
      expiresAtMs: 30_000,
    });
  });

  it('drops unsolicited inbound packets on the WAN side without creating a mapping', async () => {
    const net = setup();
    const outsiderHost = net.addHost();
    const outsider = await outsiderHost.bind({ type: 'udp4', port: 1 });
    const nat = net.addNat({ preset: 'full-cone', publicAddress: '198.51.100.1' });
    const inside = await nat.addHost().bind({ type: 'udp4', port: 5000 });
    const got = collect(inside);
    outsider.send(Buffer.from('early punch'), 5000, '198.51.100.1');
    clock.advance(0);
    expect(got).toEqual([]);
    expect(nat.mappings()).toEqual([]);
    expect(nat.counters().droppedNoMapping).toBe(1);
    // The inside's first packet still gets its preserved port: the early punch took nothing.
    const seen = collect(outsider);
    inside.send(Buffer.from('hi'), 1, outsiderHost.address);
    clock.advance(0);
    expect(seen.map((r) => r.from)).toEqual(['198.51.100.1:5000']);
  });

  it('expires a mapping without outbound traffic; keepalives hold it; inbound traffic does not', async () => {
    const net = setup();
    const server = net.addHost({ addresses: ['203.0.113.1'] });
    const s = await server.bind({ type: 'udp4', port: 3478 });
    const nat = net.addNat({ preset: 'port-restricted-cone', mappingLifetimeMs: 30_000 });
    const inside = await nat.addHost().bind({ type: 'udp4', port: 5000 });
    const got = collect(inside);
    const ping = (): void => s.send(Buffer.from('ping'), 5000, nat.publicAddress);
    inside.send(Buffer.from('open'), 3478, '203.0.113.1');
    // Keepalive every 20 s: the mapping survives 100 s.
    for (let t = 0; t < 100_000; t += 20_000) {
      clock.advance(20_000);
      inside.send(Buffer.from('keepalive'), 3478, '203.0.113.1');
      ping();
      clock.advance(0);
    }
    expect(got).toHaveLength(5);
    // Only inbound traffic from now on: it does not refresh, so the mapping dies 30 s later.
    for (let t = 0; t < 40_000; t += 10_000) {
      clock.advance(10_000);
      ping();
      clock.advance(0);
    }
    expect(got).toHaveLength(7);
    expect(nat.mappings()).toEqual([]);
    expect(nat.counters().droppedNoMapping).toBe(2);
  });

  it('lets hosts behind one NAT reach each other by their local addresses, without translation', async () => {
    const net = setup();
    const nat = net.addNat({ preset: 'symmetric' });
    const aHost = nat.addHost({ addresses: ['192.168.1.2'] });
    const bHost = nat.addHost({ addresses: ['192.168.1.3'] });
    const a = await aHost.bind({ type: 'udp4', port: 1111 });
    const b = await bHost.bind({ type: 'udp4', port: 2222 });
    const got = collect(b);
    a.send(Buffer.from('lan'), 2222, '192.168.1.3');
    clock.advance(0);
    expect(got).toEqual([{ text: 'lan', from: '192.168.1.2:1111', atMs: 0 }]);
    expect(nat.mappings()).toEqual([]);
  });

  it('hairpins packets to its own public address only when hairpinning is on', async () => {
    for (const hairpinning of [false, true]) {
      const net = setup();
      const server = await net.addHost({ addresses: ['203.0.113.1'] }).bind({ type: 'udp4', port: 3478 });
      const nat = net.addNat({ preset: 'full-cone', hairpinning, publicAddress: '198.51.100.1' });
      const a = await nat.addHost({ addresses: ['192.168.1.2'] }).bind({ type: 'udp4', port: 1111 });
      const b = await nat.addHost({ addresses: ['192.168.1.3'] }).bind({ type: 'udp4', port: 2222 });
      const got = collect(b);
      b.send(Buffer.from('open'), 3478, '203.0.113.1');
      a.send(Buffer.from('open'), 3478, '203.0.113.1');
      clock.advance(0);
      expect(server.address().port).toBe(3478);
      a.send(Buffer.from('hairpin'), 2222, '198.51.100.1');
      clock.advance(0);
      if (hairpinning) {
        // The receiver sees the sender's external endpoint (RFC 4787 REQ-9).
        expect(got).toEqual([{ text: 'hairpin', from: '198.51.100.1:1111', atMs: 0 }]);
        expect(nat.counters().hairpinned).toBe(1);
      } else {
        expect(got).toEqual([]);
        expect(nat.counters().droppedHairpinDisabled).toBe(1);
      }
      await net.close();
    }
  });

  it('nests NATs: a home router behind a carrier-grade NAT', async () => {
    const net = setup();
    const server = net.addHost({ addresses: ['203.0.113.1'] });
    const s = await server.bind({ type: 'udp4', port: 3478 });
    const carrier = net.addNat({ preset: 'symmetric', publicAddress: '198.51.100.1' });
    const home = carrier.addNat({ preset: 'full-cone', publicAddress: '100.64.0.2' });
    const inside = await home.addHost({ addresses: ['192.168.1.2'] }).bind({ type: 'udp4', port: 5000 });
    const seen = collect(s);
    const got = collect(inside);
    inside.send(Buffer.from('out'), 3478, '203.0.113.1');
    clock.advance(0);
    expect(seen[0]!.from).toMatch(/^198\.51\.100\.1:\d+$/);
    const [address, port] = seen[0]!.from.split(':');
    s.send(Buffer.from('back'), Number(port), address!);
    clock.advance(0);
    expect(got.map((r) => r.text)).toEqual(['back']);
    expect(home.mappings()[0]!.external).toEqual({ address: '100.64.0.2', port: 5000 });
  });

  it('drops IPv6 at an IPv4-only NAT', async () => {
    const net = setup();
    net.addHost({ addresses: ['2001:db8::1'] });
    const nat = net.addNat();
    const inside = await nat.addHost({ addresses: ['192.168.1.2', 'fd00::2'] }).bind({ type: 'udp6' });
    inside.send(Buffer.from('v6'), 1, '2001:db8::1');
    clock.advance(0);
    expect(net.counters().droppedUnroutable).toBe(1);
  });
});

describe('virtual network: links, firewall and switch', () => {
  async function pair(net: VirtualNetwork) {
    const aHost = net.addHost({ addresses: ['203.0.113.10'] });
    const bHost = net.addHost({ addresses: ['203.0.113.20'] });
    const a = await aHost.bind({ type: 'udp4', port: 1 });
    const b = await bHost.bind({ type: 'udp4', port: 2 });
    return { aHost, bHost, a, b };
  }

  it('adds latency per link crossed', async () => {
    const net = setup();
    const nat = net.addNat({ preset: 'full-cone', link: { latencyMs: 30 } });
    const inside = await nat.addHost({ link: { latencyMs: 5 } }).bind({ type: 'udp4' });
    const server = net.addHost({ link: { latencyMs: 10 } });
    const s = await server.bind({ type: 'udp4', port: 3478 });
    const got = collect(s);
    inside.send(Buffer.from('x'), 3478, server.address);
    clock.advance(44);
    expect(got).toEqual([]);
    clock.advance(1);
    expect(got.map((r) => r.atMs)).toEqual([45]);
  });

  async function lossyRun(seed: number) {
    const net = setup({ seed });
    const { a, b, bHost } = await pair(net);
    bHost.setLink({ latencyMs: 20, jitterMs: 15, lossRate: 0.2 });
    const got = collect(b);
    for (let i = 0; i < 500; i++) {
      a.send(Buffer.from(String(i)), 2, '203.0.113.20');
      clock.advance(1);
    }
    clock.advance(100);
    const counters = net.counters();
    await net.close();
    return { got, counters };
  }

  it('loses, delays and reorders packets reproducibly for a seed', async () => {
    const first = await lossyRun(42);
    const again = await lossyRun(42);
    const other = await lossyRun(43);
    expect(again.got).toEqual(first.got);
    expect(other.got).not.toEqual(first.got);
    // 20% loss of 500 packets, within a generous band (the run itself is exact per seed).
    expect(first.counters.droppedByLoss).toBeGreaterThan(60);
    expect(first.counters.droppedByLoss).toBeLessThan(140);
    expect(first.counters.delivered + first.counters.droppedByLoss).toBe(500);
    for (const { text, atMs } of first.got) {
      const sentAt = Number(text);
      expect(atMs - sentAt).toBeGreaterThanOrEqual(20);
      expect(atMs - sentAt).toBeLessThanOrEqual(36);
    }
    const order = first.got.map((r) => Number(r.text));
    expect(order).not.toEqual([...order].sort((x, y) => x - y));
  });

  it('a firewall rule drops UDP between two addresses, both ways, until removed', async () => {
    const net = setup();
    const { a, b } = await pair(net);
    const third = await net.addHost({ addresses: ['203.0.113.30'] }).bind({ type: 'udp4', port: 3 });
    const atA = collect(a);
    const atB = collect(b);
    const unblock = net.blockUdp('203.0.113.10', '203.0.113.20');
    a.send(Buffer.from('a→b'), 2, '203.0.113.20');
    b.send(Buffer.from('b→a'), 1, '203.0.113.10');
    third.send(Buffer.from('3→b'), 2, '203.0.113.20');
    clock.advance(0);
    expect(atA).toEqual([]);
    expect(atB.map((r) => r.text)).toEqual(['3→b']);
    expect(net.counters().droppedByFirewall).toBe(2);
    unblock();
    a.send(Buffer.from('a→b'), 2, '203.0.113.20');
    clock.advance(0);
    expect(atB.map((r) => r.text)).toEqual(['3→b', 'a→b']);
  });

  it('a firewall rule between public addresses blocks the direct path between two NATs', async () => {
    const net = setup();
    const natA = net.addNat({ preset: 'full-cone', publicAddress: '198.51.100.1' });
    const natB = net.addNat({ preset: 'full-cone', publicAddress: '198.51.100.2' });
    const a = await natA.addHost().bind({ type: 'udp4', port: 1000 });
    const b = await natB.addHost().bind({ type: 'udp4', port: 2000 });
    const got = collect(b);
    net.blockUdp('198.51.100.1', '198.51.100.2');
    b.send(Buffer.from('open'), 1000, '198.51.100.1');
    a.send(Buffer.from('direct'), 2000, '198.51.100.2');
    clock.advance(0);
    expect(got).toEqual([]);
    expect(net.counters().droppedByFirewall).toBe(2);
  });

  it('a switch drops all UDP from and to a host', async () => {
    const net = setup();
    const { aHost, a, b } = await pair(net);
    const atA = collect(a);
    const atB = collect(b);
    aHost.setUdpBlocked(true);
    a.send(Buffer.from('out'), 2, '203.0.113.20');
    b.send(Buffer.from('in'), 1, '203.0.113.10');
    clock.advance(0);
    expect([atA, atB]).toEqual([[], []]);
    expect(net.counters().droppedBySwitch).toBe(2);
    aHost.setUdpBlocked(false);
    a.send(Buffer.from('out'), 2, '203.0.113.20');
    clock.advance(0);
    expect(atB.map((r) => r.text)).toEqual(['out']);
  });

  it('traces every step of a packet for debugging', async () => {
    const net = setup();
    const nat = net.addNat({ preset: 'full-cone', publicAddress: '198.51.100.1', name: 'home' });
    const inside = await nat.addHost({ name: 'laptop', addresses: ['192.168.1.2'] }).bind({ type: 'udp4', port: 5 });
    const events: string[] = [];
    net.onPacket((event) => events.push(`${event.kind}@${event.node} ${endpoint(event.src)}>${endpoint(event.dst)}${event.reason ? ` ${event.reason}` : ''}`));
    inside.send(Buffer.from('x'), 9, '203.0.113.99');
    clock.advance(0);
    expect(events).toEqual([
      'send@laptop 192.168.1.2:5>203.0.113.99:9',
      'translate@home 198.51.100.1:5>203.0.113.99:9',
      'drop@internet 198.51.100.1:5>203.0.113.99:9 unroutable',
    ]);
  });
});

describe('virtual network: routed IPv6 beside a NAT44', () => {
  it('routes the LAN’s IPv6 untranslated both ways when routeIpv6 is on; unroutable otherwise', async () => {
    const net = setup();
    const server = net.addHost({ addresses: ['2001:db8::1'] });
    const routed = net.addNat({ preset: 'symmetric', routeIpv6: true }).addHost({ addresses: ['10.9.0.2', '2001:db8:9::2'] });
    const plain = net.addNat({ preset: 'symmetric' }).addHost({ addresses: ['10.8.0.2', '2001:db8:8::2'] });
    const serverSocket = await server.bind({ type: 'udp6', port: 4000 });
    const atServer = collect(serverSocket);
    const routedSocket = await routed.bind({ type: 'udp6', port: 5000 });
    const atRouted = collect(routedSocket);
    const plainSocket = await plain.bind({ type: 'udp6', port: 5000 });
    routedSocket.send(Buffer.from('out'), 4000, '2001:db8::1');
    plainSocket.send(Buffer.from('lost'), 4000, '2001:db8::1');
    serverSocket.send(Buffer.from('unsolicited in'), 5000, '2001:db8:9::2');
    clock.advance(100);
    expect(atServer.map((r) => [r.text, r.from])).toEqual([['out', '2001:db8:9::2:5000']]);
    expect(atRouted.map((r) => r.text)).toEqual(['unsolicited in']);
  });
});
