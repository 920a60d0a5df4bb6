// The relay WebSocket listener's pure decisions: admission, idle and unbound closing on a ManualClock, backpressure, the client address behind a proxy.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/index.js';
import { admitWsConnection, judgeWsConnection, wsCanSend, wsClientAddress, type WsLimits } from '../../../relay/ws-limits.js';

const limits: WsLimits = { maxConnections: 3, maxConnectionsPerAddress: 2, idleTimeoutMs: 30_000, bindTimeoutMs: 10_000, maxBufferedBytes: 1_000 };

describe('relay WebSocket decisions', () => {
  it('admits below both bounds and says which bound refused', () => {
    expect(admitWsConnection(limits, 0, 0)).toBeUndefined();
    expect(admitWsConnection(limits, 2, 1)).toBeUndefined();
    expect(admitWsConnection(limits, 2, 2)).toBe('perAddress');
    expect(admitWsConnection(limits, 3, 0)).toBe('total');
  });

  it('closes a connection that never bound after the bind timeout, and any connection silent past the idle timeout', () => {
    const clock = new ManualClock();
    const opened = clock.now();
    const connection = { openedAtMs: opened, lastMessageMs: opened, bound: false };
    clock.advance(10_000);
    expect(judgeWsConnection(limits, connection, clock.now())).toBe('keep');
    clock.advance(1);
    expect(judgeWsConnection(limits, connection, clock.now())).toBe('unbound');
    expect(judgeWsConnection(limits, { ...connection, bound: true }, clock.now())).toBe('keep');
    const talking = { openedAtMs: opened, lastMessageMs: clock.now(), bound: true };
    clock.advance(30_000);
    expect(judgeWsConnection(limits, talking, clock.now())).toBe('keep');
    clock.advance(1);
    expect(judgeWsConnection(limits, talking, clock.now())).toBe('idle');
  });

  it('sends while the socket buffer holds at most the bound', () => {
    expect(wsCanSend(limits, 0)).toBe(true);
    expect(wsCanSend(limits, 1_000)).toBe(true);
    expect(wsCanSend(limits, 1_001)).toBe(false);
  });

  it('takes the proxy-appended X-Forwarded-For entry only from a trusted proxy', () => {
    const trusted = new Set(['10.0.0.5']);
    expect(wsClientAddress('10.0.0.5', '198.51.100.7, 203.0.113.9', trusted)).toBe('203.0.113.9');
    expect(wsClientAddress('10.0.0.5', ['198.51.100.7', '2001:db8::1'], trusted)).toBe('2001:db8::1');
    expect(wsClientAddress('192.0.2.1', '203.0.113.9', trusted)).toBe('192.0.2.1');
    expect(wsClientAddress('10.0.0.5', undefined, trusted)).toBe('10.0.0.5');
    expect(wsClientAddress('10.0.0.5', 'not an address<script>', trusted)).toBe('10.0.0.5');
    expect(wsClientAddress('10.0.0.5', '', trusted)).toBe('10.0.0.5');
    // A dual-stack listener sees IPv4 clients (and proxies) as IPv4-mapped IPv6.
    expect(wsClientAddress('::ffff:192.0.2.1', undefined, trusted)).toBe('192.0.2.1');
    expect(wsClientAddress('::ffff:10.0.0.5', '::ffff:203.0.113.9', trusted)).toBe('203.0.113.9');
  });
});
