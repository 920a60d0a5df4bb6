import { describe, expect, it } from 'vitest';
import { type NatBehaviorOptions, NatTable } from '../../../vnet/nat.js';
import { createSeededRandom } from '../../../vnet/random.js';

const inside = { address: '10.1.0.2', port: 5000 };
const remoteA = { address: '203.0.113.1', port: 3478 };
const remoteAOtherPort = { address: '203.0.113.1', port: 3479 };
const remoteB = { address: '203.0.113.2', port: 3478 };

function table(behavior: Partial<NatBehaviorOptions> = {}, portMin = 40_000, portMax = 40_009): NatTable {
  return new NatTable({
    behavior: {
      mapping: 'endpoint-independent',
      filtering: 'endpoint-independent',
      portAllocation: 'sequential',
      mappingLifetimeMs: 30_000,
      hairpinning: false,
      ...behavior,
    },
    portMin,
    portMax,
    random: createSeededRandom(7),
  });
}

function port(nat: NatTable, remote: { address: string; port: number }, now = 0): number {
  const result = nat.outbound(inside, remote, now);
  if (!result.ok) throw new Error(result.reason);
  return result.externalPort;
}

describe('NatTable mapping behaviour (RFC 4787 §4.1)', () => {
  it('endpoint-independent: one external port for every remote', () => {
    const nat = table({ mapping: 'endpoint-independent' });
    const ports = [port(nat, remoteA), port(nat, remoteAOtherPort), port(nat, remoteB)];
    expect(new Set(ports).size).toBe(1);
    expect(nat.list('198.51.100.1', 0)).toHaveLength(1);
  });

  it('address-dependent: a new port per remote address, the same for another port there', () => {
    const nat = table({ mapping: 'address-dependent' });
    expect(port(nat, remoteA)).toBe(port(nat, remoteAOtherPort));
    expect(port(nat, remoteB)).not.toBe(port(nat, remoteA));
    expect(nat.list('198.51.100.1', 0).map((m) => m.remote)).toEqual([
      { address: '203.0.113.1' },
      { address: '203.0.113.2' },
    ]);
  });

  it('address-and-port-dependent: a new port per remote endpoint', () => {
    const nat = table({ mapping: 'address-and-port-dependent' });
    const ports = [port(nat, remoteA), port(nat, remoteAOtherPort), port(nat, remoteB)];
    expect(new Set(ports).size).toBe(3);
    expect(port(nat, remoteA)).toBe(ports[0]);
  });
});

describe('NatTable filtering behaviour (RFC 4787 §5)', () => {
  const cases = [
    // filtering, [from remoteA, from A's other port, from B]
    ['endpoint-independent', [true, true, true]],
    ['address-dependent', [true, true, false]],
    ['address-and-port-dependent', [true, false, false]],
  ] as const;
  for (const [filtering, admitted] of cases) {
    it(`${filtering}: admits ${admitted.join('/')} after sending to remote A`, () => {
      const nat = table({ filtering });
      const external = port(nat, remoteA);
      const results = [remoteA, remoteAOtherPort, remoteB].map((from) => nat.inbound(external, from, 1));
      expect(results.map((r) => r.ok)).toEqual(admitted);
      for (const result of results) {
        if (result.ok) expect(result.internal).toEqual(inside);
        else expect(result.reason).toBe('filtered');
      }
    });
  }

  it('drops unsolicited packets and never creates a mapping for them', () => {
    const nat = table();
    expect(nat.inbound(40_000, remoteA, 0)).toEqual({ ok: false, reason: 'no-mapping' });
    expect(nat.list('198.51.100.1', 0)).toEqual([]);
    // The port the unsolicited packet aimed at is still the first one handed out.
    expect(port(nat, remoteA)).toBe(40_000);
  });

  it('lists the remotes a filter admits', () => {
    const nat = table({ filtering: 'address-and-port-dependent' });
    port(nat, remoteA);
    port(nat, remoteB);
    expect(nat.list('198.51.100.1', 0)[0]!.admits).toEqual(['203.0.113.1:3478', '203.0.113.2:3478']);
  });
});

describe('NatTable port allocation (RFC 4787 §4.2)', () => {
  it('preserving keeps the internal port, and falls back to the range when it is taken', () => {
    const nat = table({ portAllocation: 'preserving', mapping: 'address-and-port-dependent' });
    expect(port(nat, remoteA)).toBe(5000);
    expect(port(nat, remoteB)).toBe(40_000);
  });

  it('sequential hands out the next free port after the last, wrapping around the range', () => {
    const nat = table({ portAllocation: 'sequential', mapping: 'address-and-port-dependent' }, 40_000, 40_002);
    const remotes = [1, 2, 3].map((n) => ({ address: `203.0.113.${n}`, port: 1 }));
    expect(remotes.map((remote) => port(nat, remote))).toEqual([40_000, 40_001, 40_002]);
    expect(nat.outbound(inside, { address: '203.0.113.9', port: 1 }, 0)).toEqual({
      ok: false,
      reason: 'port-exhausted',
    });
    // Once the first mapping expires its port is free again.
    expect(port(nat, { address: '203.0.113.9', port: 1 }, 30_000)).toBe(40_000);
  });

  it('random draws from the range, reproducibly for a seed', () => {
    const draw = (): number[] => {
      const nat = table({ portAllocation: 'random', mapping: 'address-and-port-dependent' }, 40_000, 49_999);
      return [1, 2, 3, 4, 5].map((n) => port(nat, { address: `203.0.113.${n}`, port: 1 }));
    };
    const first = draw();
    expect(draw()).toEqual(first);
    expect(new Set(first).size).toBe(5);
    for (const p of first) expect(p).toBeGreaterThanOrEqual(40_000);
    for (const p of first) expect(p).toBeLessThanOrEqual(49_999);
    expect(first).not.toEqual([...first].sort((a, b) => a - b));
  });
});

describe('NatTable mapping lifetime (RFC 4787 §4.3)', () => {
  it('expires a mapping a lifetime after its last outbound packet', () => {
    const nat = table({ mappingLifetimeMs: 30_000 });
    const external = port(nat, remoteA, 0);
    expect(nat.inbound(external, remoteA, 29_999).ok).toBe(true);
    expect(nat.inbound(external, remoteA, 30_000)).toEqual({ ok: false, reason: 'no-mapping' });
    expect(nat.list('198.51.100.1', 30_000)).toEqual([]);
  });

  it('is refreshed by outbound traffic but not by inbound traffic', () => {
    const nat = table({ mappingLifetimeMs: 30_000 });
    const external = port(nat, remoteA, 0);
    port(nat, remoteA, 20_000);
    expect(nat.list('198.51.100.1', 20_000)[0]!.expiresAtMs).toBe(50_000);
    expect(nat.inbound(external, remoteA, 45_000).ok).toBe(true);
    expect(nat.inbound(external, remoteA, 50_000).ok).toBe(false);
  });

  it('forgets what the filter admitted when the mapping expires', () => {
    const nat = table({ filtering: 'address-dependent', portAllocation: 'preserving', mappingLifetimeMs: 1000 });
    port(nat, remoteA, 0);
    const external = port(nat, remoteB, 2000);
    expect(nat.inbound(external, remoteA, 2001)).toEqual({ ok: false, reason: 'filtered' });
  });
});
