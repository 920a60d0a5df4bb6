// The Linux conntrack options of the virtual NAT (paths.md §4): unsolicited state and port stealing,
// refresh on inbound, unreplied/assured lifetimes, port overloading, and the LINUX_CONNTRACK_NAT preset.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type UdpSocket } from '../../../core/index.js';
import { MAX_UNREPLIED_ENTRIES } from '../../../vnet/constants.js';
import { type NatBehaviorOptions, NatTable, resolveBehavior } from '../../../vnet/nat.js';
import { createSeededRandom } from '../../../vnet/random.js';
import { LINUX_CONNTRACK_NAT, type NatOptions, type VirtualNetwork, createVirtualNetwork } from '../../../vnet/index.js';

const inside = { address: '10.1.0.2', port: 40_000 };
const insideB = { address: '10.1.0.3', port: 40_000 };
const stun = { address: '203.0.113.1', port: 3478 };
const peer = { address: '198.51.100.11', port: 44_955 };
const otherPeer = { address: '198.51.100.12', port: 7000 };

function table(behavior: Partial<NatBehaviorOptions> = {}): NatTable {
  return new NatTable({
    behavior: {
      mapping: 'endpoint-independent',
      filtering: 'address-and-port-dependent',
      portAllocation: 'preserving',
      mappingLifetimeMs: 30_000,
      hairpinning: false,
      ...behavior,
    },
    portMin: 50_000,
    portMax: 50_009,
    random: createSeededRandom(7),
  });
}

function out(nat: NatTable, from: { address: string; port: number }, to: { address: string; port: number }, now = 0) {
  const result = nat.outbound(from, to, now);
  if (!result.ok) throw new Error(result.reason);
  return result;
}

describe('unsolicitedCreatesState: unreplied entries and port stealing (paths.md §2 #7)', () => {
  it('off (the default): an unsolicited packet leaves no state, and the inside keeps its port for that remote', () => {
    const nat = table();
    out(nat, inside, stun);
    expect(nat.inbound(40_000, peer, 10)).toEqual({ ok: false, reason: 'filtered' });
    expect(nat.listUnreplied('198.51.100.12', 10)).toEqual([]);
    expect(out(nat, inside, peer, 20)).toEqual({ ok: true, externalPort: 40_000, clashed: false });
  });

  it('on: the entry owns (port, remote), so the inside’s packets to that remote leave from another port', () => {
    const nat = table({ unsolicitedCreatesState: true });
    out(nat, inside, stun);
    expect(nat.inbound(40_000, peer, 10)).toEqual({ ok: false, reason: 'filtered', createdState: true });
    expect(nat.listUnreplied('198.51.100.12', 10)).toEqual([
      { external: { address: '198.51.100.12', port: 40_000 }, remote: peer, expiresAtMs: 30_010 },
    ]);
    const stolen = out(nat, inside, peer, 20);
    expect(stolen.clashed).toBe(true);
    expect(stolen.externalPort).not.toBe(40_000);
    // Other remotes still see the mapping's port: only the one pair was taken.
    expect(out(nat, inside, otherPeer, 30)).toMatchObject({ externalPort: 40_000, clashed: false });
    // The peer's packets to the reflexive port keep hitting (and refreshing) the entry ...
    expect(nat.inbound(40_000, peer, 25_000)).toEqual({ ok: false, reason: 'no-mapping' });
    expect(nat.listUnreplied('x', 25_000)[0]!.expiresAtMs).toBe(55_000);
    // ... while the separate flow admits it on the stolen port.
    expect(nat.inbound(stolen.externalPort, peer, 25_000)).toEqual({ ok: true, internal: inside });
  });

  it('an unsolicited packet to a port with no mapping leaves an entry too, and entries expire after the unreplied lifetime', () => {
    const nat = table({ unsolicitedCreatesState: true, unrepliedLifetimeMs: 5_000 });
    expect(nat.inbound(40_000, peer, 0)).toEqual({ ok: false, reason: 'no-mapping', createdState: true });
    // A mapping created while the entry lives avoids the pair: its first remote is that peer.
    expect(out(nat, inside, peer, 1_000).externalPort).not.toBe(40_000);
    const fresh = table({ unsolicitedCreatesState: true, unrepliedLifetimeMs: 5_000 });
    fresh.inbound(40_000, peer, 0);
    expect(fresh.listUnreplied('x', 4_999)).toHaveLength(1);
    expect(fresh.listUnreplied('x', 5_000)).toEqual([]);
    expect(out(fresh, inside, peer, 5_000)).toEqual({ ok: true, externalPort: 40_000, clashed: false });
  });

  it('keeps at most MAX_UNREPLIED_ENTRIES entries: a spray from many remotes cannot grow the table', () => {
    const nat = table({ unsolicitedCreatesState: true });
    for (let i = 0; i < MAX_UNREPLIED_ENTRIES + 10; i++) nat.inbound(40_000, { address: '192.0.2.1', port: 1 + i }, 0);
    expect(nat.listUnreplied('x', 0)).toHaveLength(MAX_UNREPLIED_ENTRIES);
    expect(nat.inbound(40_000, { address: '192.0.2.2', port: 1 }, 0)).toEqual({ ok: false, reason: 'no-mapping' });
    // Expired entries make room again.
    expect(nat.inbound(40_000, { address: '192.0.2.2', port: 1 }, 30_000)).toMatchObject({ createdState: true });
  });
});

describe('refreshOnInbound and unreplied/assured lifetimes', () => {
  it('off (the default): inbound packets do not refresh; on: an admitted inbound packet does', () => {
    for (const refreshOnInbound of [false, true]) {
      const nat = table({ refreshOnInbound });
      out(nat, inside, stun, 0);
      expect(nat.inbound(40_000, stun, 20_000)).toMatchObject({ ok: true });
      expect(nat.inbound(40_000, stun, 40_000)).toMatchObject({ ok: refreshOnInbound });
    }
  });

  it('a mapping lives unrepliedLifetimeMs until it admits an inbound packet, then assuredLifetimeMs', () => {
    const nat = table({ unrepliedLifetimeMs: 30_000, assuredLifetimeMs: 120_000 });
    out(nat, inside, stun, 0);
    expect(nat.list('x', 0)).toMatchObject([{ assured: false, expiresAtMs: 30_000 }]);
    nat.inbound(40_000, stun, 1_000);
    expect(nat.list('x', 1_000)).toMatchObject([{ assured: true, expiresAtMs: 30_000 }]);
    out(nat, inside, stun, 2_000);
    expect(nat.list('x', 2_000)).toMatchObject([{ assured: true, expiresAtMs: 122_000 }]);
    const refreshing = table({ unrepliedLifetimeMs: 30_000, assuredLifetimeMs: 120_000, refreshOnInbound: true });
    out(refreshing, inside, stun, 0);
    refreshing.inbound(40_000, stun, 1_000);
    expect(refreshing.list('x', 1_000)).toMatchObject([{ assured: true, expiresAtMs: 121_000 }]);
  });
});

describe('portOverloading: two inside hosts on one external port (paths.md §2 #14)', () => {
  it('off (the default): the second host gets another port', () => {
    const nat = table();
    expect(out(nat, inside, stun).externalPort).toBe(40_000);
    expect(out(nat, insideB, peer).externalPort).not.toBe(40_000);
  });

  it('on: both hold port 40000 for different remotes, and inbound goes to the one that sent to that remote', () => {
    const nat = table({ portOverloading: true });
    expect(out(nat, inside, stun).externalPort).toBe(40_000);
    expect(out(nat, insideB, peer).externalPort).toBe(40_000);
    expect(nat.inbound(40_000, stun, 1)).toEqual({ ok: true, internal: inside });
    expect(nat.inbound(40_000, peer, 1)).toEqual({ ok: true, internal: insideB });
    // The second host sending to the first one's remote clashes: that flow leaves from another port.
    const clash = out(nat, insideB, stun, 2);
    expect(clash.clashed).toBe(true);
    expect(clash.externalPort).not.toBe(40_000);
    expect(nat.inbound(clash.externalPort, stun, 3)).toEqual({ ok: true, internal: insideB });
  });

  it('on: a second host whose first remote is taken gets another port, and keeps it for every remote (EIM)', () => {
    const nat = table({ portOverloading: true });
    out(nat, inside, stun);
    const second = out(nat, insideB, stun).externalPort;
    expect(second).not.toBe(40_000);
    expect(out(nat, insideB, peer).externalPort).toBe(second);
  });

  it('rebind() moves overloaded mappings to distinct new ports and forgets unreplied entries', () => {
    const nat = table({ portOverloading: true, unsolicitedCreatesState: true });
    out(nat, inside, stun);
    out(nat, insideB, peer);
    nat.inbound(40_000, otherPeer, 0);
    const moves = nat.rebind(1);
    expect(moves.map((move) => move.fromPort)).toEqual([40_000, 40_000]);
    expect(new Set(moves.map((move) => move.toPort)).size).toBe(2);
    expect(moves.every((move) => move.toPort !== 40_000)).toBe(true);
    expect(nat.listUnreplied('x', 1)).toEqual([]);
    nat.flush();
    expect(nat.list('x', 1)).toEqual([]);
  });
});

describe('LINUX_CONNTRACK_NAT', () => {
  it('is a port-preserving EIM/APDF cone with every conntrack option on, 30 s / 120 s', () => {
    expect(resolveBehavior(LINUX_CONNTRACK_NAT)).toEqual({
      mapping: 'endpoint-independent',
      filtering: 'address-and-port-dependent',
      portAllocation: 'preserving',
      hairpinning: false,
      mappingLifetimeMs: 30_000,
      unsolicitedCreatesState: true,
      refreshOnInbound: true,
      unrepliedLifetimeMs: 30_000,
      assuredLifetimeMs: 120_000,
      portOverloading: true,
    });
  });
});

describe('virtual network: the kernel’s port steal, and what heals it', () => {
  let network: VirtualNetwork | undefined;
  let clock: ManualClock;
  afterEach(async () => {
    await network?.close();
    network = undefined;
  });

  function collect(socket: UdpSocket): string[] {
    const got: string[] = [];
    socket.onMessage((data) => got.push(data.toString()));
    return got;
  }

  /** Host h1 behind nat1, client h2 behind nat2, both having told a STUN server their reflexive ports. */
  async function lab(nat: NatOptions) {
    clock = new ManualClock();
    network = createVirtualNetwork({ clock });
    const stunSocket = await network.addHost({ addresses: ['203.0.113.1'] }).bind({ type: 'udp4', port: 3478 });
    const nat1 = network.addNat({ ...nat, publicAddress: '198.51.100.11' });
    const nat2 = network.addNat({ ...nat, publicAddress: '198.51.100.12' });
    const h1 = await nat1.addHost({ addresses: ['10.1.0.2'] }).bind({ type: 'udp4', port: 44_955 });
    const h2 = await nat2.addHost({ addresses: ['10.2.0.2'] }).bind({ type: 'udp4', port: 56_718 });
    h1.send(Buffer.from('stun'), 3478, '203.0.113.1');
    h2.send(Buffer.from('stun'), 3478, '203.0.113.1');
    clock.advance(0);
    void stunSocket;
    return { nat1, nat2, h1, h2, at1: collect(h1), at2: collect(h2) };
  }

  /** The host pings first (its ping reaches nat2 before the client has sent), then both go on every 500 ms. */
  function exchange(h1: UdpSocket, h2: UdpSocket, rounds: number, ttl?: number): void {
    h1.send(Buffer.from('ping'), 56_718, '198.51.100.12', ttl);
    clock.advance(10);
    for (let i = 0; i < rounds; i++) {
      h2.send(Buffer.from('connect'), 44_955, '198.51.100.11', ttl);
      h1.send(Buffer.from('ping'), 56_718, '198.51.100.12', ttl);
      clock.advance(500);
    }
  }

  it('default NATs: the early ping is dropped without state, and the pair connects', async () => {
    const { h1, h2, at1, at2 } = await lab({});
    exchange(h1, h2, 4);
    expect(at1.length).toBeGreaterThan(0);
    expect(at2.length).toBeGreaterThan(0);
  });

  it('LINUX_CONNTRACK_NAT: the early ping steals the client’s port, and the pair deadlocks', async () => {
    const { nat1, nat2, h1, h2, at1, at2 } = await lab(LINUX_CONNTRACK_NAT);
    exchange(h1, h2, 10);
    expect(at1).toEqual([]);
    expect(at2).toEqual([]);
    expect(nat2.counters()).toMatchObject({ unrepliedEntriesCreated: 1, portClashes: 1 });
    expect(nat2.unrepliedEntries()).toMatchObject([{ external: { port: 56_718 }, remote: { port: 44_955 } }]);
    // nat1 holds its own unreplied entry for the client's stolen port (step 3 of the anatomy).
    expect(nat1.counters().unrepliedEntriesCreated).toBe(1);
  });

  it('LINUX_CONNTRACK_NAT: a TTL-2 prime from both sides, then full TTL, connects (paths.md §2 #30)', async () => {
    const { h1, h2, at1, at2 } = await lab(LINUX_CONNTRACK_NAT);
    h1.send(Buffer.from('prime'), 56_718, '198.51.100.12', 2);
    h2.send(Buffer.from('prime'), 44_955, '198.51.100.11', 2);
    clock.advance(500);
    exchange(h1, h2, 4);
    expect(at1.length).toBeGreaterThan(0);
    expect(at2.length).toBeGreaterThan(0);
  });

  it('LINUX_CONNTRACK_NAT: priming cannot undo a live steal, but a primed retry after the unreplied lifetime connects', async () => {
    const { h1, h2, at1, at2 } = await lab(LINUX_CONNTRACK_NAT);
    const primeBoth = (): void => {
      h1.send(Buffer.from('prime'), 56_718, '198.51.100.12', 2);
      h2.send(Buffer.from('prime'), 44_955, '198.51.100.11', 2);
      clock.advance(500);
    };
    exchange(h1, h2, 4);
    primeBoth();
    exchange(h1, h2, 4);
    expect([at1, at2]).toEqual([[], []]);
    // Silence past the 30 s unreplied lifetime: the stolen entries and the detour flows expire.
    clock.advance(30_000);
    primeBoth();
    exchange(h1, h2, 2);
    expect(at1.length).toBeGreaterThan(0);
    expect(at2.length).toBeGreaterThan(0);
  });

  it('refreshOnInbound: inbound-only pushes hold a 5 s mapping (paths.md §2 #31); without it they stop', async () => {
    for (const refreshOnInbound of [true, false]) {
      const { h1, at1 } = await lab({ mappingLifetimeMs: 5_000, refreshOnInbound });
      const server = await network!.addHost({ addresses: ['203.0.113.9'] }).bind({ type: 'udp4', port: 9 });
      h1.send(Buffer.from('hello'), 9, '203.0.113.9');
      clock.advance(0);
      for (let i = 0; i < 8; i++) {
        clock.advance(2_000);
        server.send(Buffer.from('push'), 44_955, '198.51.100.11');
        clock.advance(0);
      }
      expect(at1.filter((text) => text === 'push')).toHaveLength(refreshOnInbound ? 8 : 2);
      await network!.close();
    }
  });
});
