// The signaling hub on a manual clock: TTLs, heartbeats, connection limits.
import { describe, expect, it } from 'vitest';
import { CloseCode, EventType, ReplyType, RequestType, type JoinResult, type ServerMessage } from '../../../../src/protocol/index.js';
import { fullBucket, takeTokens } from '../../../../core/index.js';
import type { SessionMetrics } from '../../../../src/session/metrics.js';
import { setupHub as setup } from '../../../support/fake-hub-peer.js';

const result = (message: ServerMessage): JoinResult => {
  if (message.type !== ReplyType.RESPONSE) throw new Error(JSON.stringify(message));
  return message.result as JoinResult;
};

describe('signaling hub on a manual clock', () => {
  it('removes a dropped client when its player TTL runs out, and closes the empty session after its TTL', async () => {
    // No reconnect grace: the drop is at once (the grace is tested in reconnect.test.ts).
    const { clock, hub, connect } = setup({ heartbeatIntervalMs: 3_600_000, reconnectGraceMs: 0 });
    const host = await connect();
    await host.request({ type: RequestType.CREATE, name: 'r', playerTtlMs: 5_000, emptySessionTtlMs: 2_000 });
    const client = await connect();
    result(await client.request({ type: RequestType.JOIN, name: 'r' }));
    client.connection.onClose();
    await clock.advanceAsync(0);
    expect(host.events(EventType.PEER_INACTIVE)).toHaveLength(1);
    await clock.advanceAsync(4_999);
    expect(host.events(EventType.PEER_LEFT)).toHaveLength(0);
    await clock.advanceAsync(1);
    expect(host.events(EventType.PEER_LEFT)).toMatchObject([{ actor: 2, reason: 'timeout' }]);

    host.connection.onClose();
    await clock.advanceAsync(1_999);
    const lister = await connect();
    const before = await lister.request({ type: RequestType.LIST });
    expect(before).toMatchObject({ result: { sessions: [{ name: 'r' }] } });
    await clock.advanceAsync(1);
    expect(await lister.request({ type: RequestType.LIST })).toMatchObject({ result: { sessions: [] } });
    await hub.shutdown();
    expect(clock.pendingTimers).toBe(0);
  });

  it('detects a dead connection within two heartbeat intervals and treats it as a drop', async () => {
    const { clock, hub, connect } = setup({ reconnectGraceMs: 0 });
    const host = await connect();
    await host.request({ type: RequestType.CREATE, name: 'h' });
    const client = await connect();
    await client.request({ type: RequestType.JOIN, name: 'h' });
    await clock.advanceAsync(1_000);
    expect(client.pings).toBe(1);
    host.connection.onPong();
    await clock.advanceAsync(1_000);
    expect(client.closedWith).toBe(CloseCode.HEARTBEAT_TIMEOUT);
    expect(host.closedWith).toBeUndefined();
    expect(host.events(EventType.PEER_LEFT)).toMatchObject([{ actor: 2, reason: 'timeout' }]);
    host.connection.onPong();
    await clock.advanceAsync(1_000);
    expect(client.terminated).toBe(true);
    await hub.shutdown();
    expect(host.events(EventType.SESSION_CLOSED)).toHaveLength(0);
    expect(host.closedWith).toBe(CloseCode.GOING_AWAY);
  });

  it('limits sessions per connection', async () => {
    const { hub, connect } = setup({ maxSessionsPerConnection: 1 });
    const host = await connect();
    await host.request({ type: RequestType.CREATE });
    await host.request({ type: RequestType.LEAVE });
    expect(await host.request({ type: RequestType.CREATE })).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    await hub.shutdown();
  });
});

describe('connection limits', () => {
  const refused = async (metrics: SessionMetrics, reason: string) =>
    (await metrics.connectionsRefused.get()).values.find((value) => value.labels.reason === reason)?.value ?? 0;

  it('closes a connection that does not say hello within the hello timeout, and only that one', async () => {
    const { clock, hub, metrics, open, connect } = setup({ helloTimeoutMs: 5_000, heartbeatIntervalMs: 60_000 });
    const silent = open();
    const greeted = await connect();
    clock.advance(4_999);
    expect(silent.closedWith).toBeUndefined();
    clock.advance(1);
    expect(silent.closedWith).toBe(CloseCode.HELLO_TIMEOUT);
    expect(greeted.closedWith).toBeUndefined();
    expect(await refused(metrics, 'hello_timeout')).toBe(1);
    await hub.shutdown();
  });

  it('refuses connections over the total and per-address limits with 1013, and frees a slot on close', async () => {
    const { hub, metrics, open, connect } = setup({ maxConnections: 3, maxConnectionsPerAddress: 2 });
    const first = await connect('203.0.113.5');
    await connect('203.0.113.5');
    const third = open('203.0.113.5');
    expect(third.closedWith).toBe(CloseCode.TRY_AGAIN_LATER);
    expect(await refused(metrics, 'too_many_from_address')).toBe(1);
    // A refused connection's frames are ignored: it never got a slot.
    expect(() => third.connection.onFrame(new Uint8Array([1]), true)).not.toThrow();
    expect(third.received).toEqual([]);

    const other = await connect('203.0.113.6');
    expect(other.closedWith).toBeUndefined();
    expect(open('203.0.113.7').closedWith).toBe(CloseCode.TRY_AGAIN_LATER);
    expect(await refused(metrics, 'too_many_connections')).toBe(1);

    first.connection.onClose();
    const again = await connect('203.0.113.5');
    expect(again.closedWith).toBeUndefined();
    expect(hub.connectionCount).toBe(3);
    await hub.shutdown();
  });
});

describe('token bucket', () => {
  it('allows a burst, then the sustained rate', () => {
    const rate = { perSecond: 10, burst: 3 };
    const bucket = fullBucket(rate, 0);
    const take = (now: number) => takeTokens(bucket, rate, now);
    expect([take(0), take(0), take(0), take(0)]).toEqual([true, true, true, false]);
    expect(take(99)).toBe(false);
    expect(take(100)).toBe(true);
    expect(take(10_000)).toBe(true);
  });
});
