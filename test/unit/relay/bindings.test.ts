import { describe, expect, it } from 'vitest';
import { ManualClock, type UdpEndpoint } from '../../../core/index.js';
import { BindingTable } from '../../../relay/bindings.js';

const limits = { packetsPerSecond: 100, burstPackets: 10, bytesPerSecond: 10_000, burstBytes: 2_000 };
const at = (port: number, address = '10.0.0.1'): UdpEndpoint => ({ address, port, family: 'IPv4' });

describe('binding table', () => {
  it('indexes a binding by address and by (session, actor); peers are only its own session', () => {
    const table = new BindingTable(limits, 10);
    const a = table.bind('s1', 1, at(1000), 0);
    const b = table.bind('s1', 2, at(1001), 0);
    const other = table.bind('s2', 2, at(1002), 0);
    expect(a).toMatchObject({ ok: true, kind: 'new' });
    expect(table.size).toBe(3);
    expect(table.sessionCount).toBe(2);
    const bindingA = table.lookup('10.0.0.1', 1000)!;
    expect(bindingA.actor).toBe(1);
    expect(bindingA.peers.get(2)).toBe(b.ok && b.binding);
    expect(bindingA.peers.get(2)).not.toBe(other.ok && other.binding);
    expect(table.lookup('10.0.0.2', 1000)).toBeUndefined();
    expect(table.lookup('10.0.0.1', 9999)).toBeUndefined();
  });

  it('refreshes a repeated bind from the same address', () => {
    const table = new BindingTable(limits, 10);
    table.bind('s', 1, at(1000), 0);
    expect(table.bind('s', 1, at(1000), 500)).toMatchObject({ ok: true, kind: 'refreshed' });
    expect(table.lookup('10.0.0.1', 1000)!.lastSeenMs).toBe(500);
    expect(table.size).toBe(1);
  });

  it('moves a binding to a new address: the old address no longer resolves, rate state is kept', () => {
    const table = new BindingTable(limits, 10);
    const first = table.bind('s', 1, at(1000), 0);
    const binding = first.ok ? first.binding : undefined;
    binding!.packetBucket.tokens = 0;
    const moved = table.bind('s', 1, at(2000, '10.9.9.9'), 100);
    expect(moved).toMatchObject({ ok: true, kind: 'moved', from: { address: '10.0.0.1', port: 1000 } });
    expect(table.lookup('10.0.0.1', 1000)).toBeUndefined();
    expect(table.lookup('10.9.9.9', 2000)).toBe(binding);
    expect(binding!.packetBucket.tokens).toBe(0);
    expect(table.size).toBe(1);
  });

  it('re-assigns an address bound to another actor, dropping the old binding', () => {
    const table = new BindingTable(limits, 10);
    table.bind('s1', 1, at(1000), 0);
    table.bind('s2', 7, at(1000), 0);
    expect(table.lookup('10.0.0.1', 1000)).toMatchObject({ sessionId: 's2', actor: 7 });
    expect(table.peer('s1', 1)).toBeUndefined();
    expect(table.size).toBe(1);
    expect(table.sessionCount).toBe(1);
  });

  it('refuses new bindings beyond the maximum but still allows rebinds', () => {
    const table = new BindingTable(limits, 2);
    table.bind('s', 1, at(1), 0);
    table.bind('s', 2, at(2), 0);
    expect(table.bind('s', 3, at(3), 0)).toEqual({ ok: false, error: 'RELAY_FULL' });
    expect(table.bind('s', 2, at(4), 0)).toMatchObject({ ok: true, kind: 'moved' });
    // An address re-assigned to a new actor frees its slot first.
    expect(table.bind('s', 3, at(4), 0)).toMatchObject({ ok: true, kind: 'new' });
    expect(table.size).toBe(2);
  });

  it('bounds bindings per session and per source (an IPv6 /64 is one source); freed slots count again', () => {
    const table = new BindingTable(limits, 100, 3, 2);
    const v6 = (host: string, port: number): UdpEndpoint => ({ address: `2001:db8:5:6::${host}`, port, family: 'IPv6' });
    expect(table.bind('a', 1, v6('1', 1), 0)).toMatchObject({ ok: true });
    expect(table.bind('a', 2, v6('2', 1), 0)).toMatchObject({ ok: true });
    expect(table.bind('a', 3, v6('3', 1), 0)).toEqual({ ok: false, error: 'ADDRESS_FULL' });
    expect(table.countFrom('2001:db8:5:6::ffff')).toBe(2);
    // Moving within the source, or re-assigning one of its addresses, frees what it takes.
    expect(table.bind('a', 2, v6('9', 9), 0)).toMatchObject({ ok: true, kind: 'moved' });
    expect(table.bind('b', 1, v6('9', 9), 0)).toMatchObject({ ok: true, kind: 'new' });
    expect(table.bind('a', 3, at(1), 0)).toMatchObject({ ok: true });
    expect(table.bind('a', 4, at(2), 0)).toMatchObject({ ok: true });
    expect(table.bind('a', 5, at(3, '10.0.0.3'), 0)).toEqual({ ok: false, error: 'SESSION_FULL' });
    expect(table.removeSession('a', 3)).toBe(1);
    expect(table.bind('a', 5, at(3, '10.0.0.3'), 0)).toMatchObject({ ok: true });
    expect(table.removeSession('a')).toBe(3);
    expect(table.countFrom('2001:db8:5:6::1')).toBe(1);
    expect(table.size).toBe(1);
  });

  it('expires bindings idle for longer than the timeout, on a manual clock', () => {
    const clock = new ManualClock();
    const table = new BindingTable(limits, 10);
    table.bind('s', 1, at(1), clock.now());
    table.bind('s', 2, at(2), clock.now());
    clock.advance(20_000);
    table.lookup('10.0.0.1', 2)!.lastSeenMs = clock.now();
    clock.advance(10_000);
    expect(table.expireIdle(clock.now(), 30_000)).toBe(0);
    clock.advance(1);
    expect(table.expireIdle(clock.now(), 30_000)).toBe(1);
    expect(table.peer('s', 1)).toBeUndefined();
    expect(table.peer('s', 2)).toBeDefined();
    clock.advance(20_000);
    expect(table.expireIdle(clock.now(), 30_000)).toBe(1);
    expect(table.size).toBe(0);
    expect(table.sessionCount).toBe(0);
  });

  it('removes idempotently', () => {
    const table = new BindingTable(limits, 10);
    const bound = table.bind('s', 1, at(1), 0);
    const binding = bound.ok ? bound.binding : undefined;
    table.remove(binding!);
    table.remove(binding!);
    expect(table.size).toBe(0);
  });
});
