// The gateway alone, on a manual clock with fake sockets and a scripted dispatch: admission
// limits, the hello timeout, the request rate limit and violations, heartbeats, outbound caps.
import { describe, expect, it } from 'vitest';
import { ManualClock, createEnv } from '../../../../core/index.js';
import { CloseCode, PROTOCOL_VERSION, ReplyType, RequestType, createSignalingCodec, type Request } from '../../../../src/protocol/index.js';
import { createGateway } from '../../../../src/session/gateway.js';
import { createSessionMetrics } from '../../../../src/session/metrics.js';
import { resolveOptions, type SessionServiceOptions } from '../../../../src/session/options.js';
import type { Peer } from '../../../../src/session/peer.js';
import { FakeSocket, flushAsync } from '../../../support/session-parts.js';

const codec = createSignalingCodec({ maxFrameBytes: 1 << 20 });
const hello = (id = 1) => codec.encode({ type: RequestType.HELLO, id, appId: 'g', appVersion: '1', protocolVersion: PROTOCOL_VERSION });
const list = (id: number) => codec.encode({ type: RequestType.LIST, id });

function setup(overrides: SessionServiceOptions = {}) {
  const clock = new ManualClock();
  const metrics = createSessionMetrics();
  const handled: Request[] = [];
  const disconnected: Peer[] = [];
  const shutDown: Peer[][] = [];
  const gateway = createGateway(createEnv({ clock }), {
    limits: resolveOptions({ clock, heartbeatIntervalMs: 1_000, helloTimeoutMs: 5_000, ...overrides }),
    metrics,
    // A dispatch that greets on hello and answers everything else with an empty list.
    dispatch: async (peer, request) => {
      handled.push(request);
      if (request.type === RequestType.HELLO) peer.hello = { appId: 'g', appVersion: '1', appKey: 'g\u00001' };
      peer.send({ type: ReplyType.RESPONSE, id: request.id, request: RequestType.LIST, result: { sessions: [] } });
    },
    disconnected: async (peer) => void disconnected.push(peer),
    shuttingDown: (peers) => void shutDown.push([...peers]),
  });
  const open = (address = '198.51.100.1') => {
    const socket = new FakeSocket();
    const connection = gateway.connect(socket, address);
    return { socket, connection };
  };
  const refused = async (reason: string) =>
    (await metrics.connectionsRefused.get()).values.find((value) => value.labels.reason === reason)?.value ?? 0;
  return { clock, gateway, metrics, handled, disconnected, shutDown, open, refused };
}

describe('gateway', () => {
  it('admits connections up to the total and per-address limits, refuses the rest with 1013, and counts a closed one out', async () => {
    const { gateway, open, refused } = setup({ maxConnections: 3, maxConnectionsPerAddress: 2 });
    const a1 = open('198.51.100.1');
    open('198.51.100.1');
    const a3 = open('198.51.100.1');
    expect(a3.socket.closedWith).toBe(CloseCode.TRY_AGAIN_LATER);
    open('198.51.100.2');
    const full = open('198.51.100.3');
    expect(full.socket.closedWith).toBe(CloseCode.TRY_AGAIN_LATER);
    expect(gateway.connectionCount).toBe(3);
    expect(await refused('too_many_from_address')).toBe(1);
    expect(await refused('too_many_connections')).toBe(1);
    a1.connection.onClose();
    expect(open('198.51.100.1').socket.closedWith).toBeUndefined();
    await gateway.shutdown();
  });

  it('closes a connection that has not said hello when the hello timeout runs out (4003), and only that one', async () => {
    const { clock, gateway, open, refused } = setup({ heartbeatIntervalMs: 60_000 });
    const silent = open();
    const greeted = open();
    greeted.connection.onFrame(hello(), true);
    await flushAsync();
    clock.advance(4_999);
    expect(silent.socket.closedWith).toBeUndefined();
    clock.advance(1);
    expect(silent.socket.closedWith).toBe(CloseCode.HELLO_TIMEOUT);
    expect(greeted.socket.closedWith).toBeUndefined();
    expect(await refused('hello_timeout')).toBe(1);
    await gateway.shutdown();
  });

  it('rate-limits requests before decoding them, answers RATE_LIMITED, and closes after too many violations (4001)', async () => {
    const { gateway, handled, open } = setup({ requestsPerSecond: 1, requestBurst: 3, maxViolations: 2, heartbeatIntervalMs: 60_000 });
    const { socket, connection } = open();
    connection.onFrame(hello(), true);
    for (let id = 2; id <= 6; id++) connection.onFrame(list(id), true);
    await flushAsync();
    // The bucket holds the burst (3): hello and two lists pass, then each frame is a violation.
    expect(handled.map((r) => r.id)).toEqual([1, 2, 3]);
    const errors = socket.frames.map((f) => codec.decodeServerMessage(f)).filter((d) => d.ok && d.value.type === ReplyType.ERROR);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatchObject({ value: { code: 'RATE_LIMITED' } });
    expect(socket.closedWith).toBe(CloseCode.PROTOCOL_VIOLATION);
    await gateway.shutdown();
  });

  it('pings every interval, closes a connection silent for two (4002) and reports it gone, terminates it on the next sweep', async () => {
    const { clock, gateway, disconnected, open } = setup();
    const live = open();
    const dead = open();
    live.connection.onFrame(hello(), true);
    dead.connection.onFrame(hello(2), true);
    await clock.advanceAsync(1_000);
    expect([live.socket.pings, dead.socket.pings]).toEqual([1, 1]);
    live.connection.onPong();
    await clock.advanceAsync(1_000);
    expect(dead.socket.closedWith).toBe(CloseCode.HEARTBEAT_TIMEOUT);
    expect(live.socket.closedWith).toBeUndefined();
    expect(disconnected).toHaveLength(1);
    live.connection.onPong();
    await clock.advanceAsync(1_000);
    expect(dead.socket.terminated).toBe(true);
    expect(live.socket.terminated).toBe(false);
    await gateway.shutdown();
  });

  it('closes a peer whose send buffer passes the cap (4004), and on shutdown lets the sessions speak before closing all (1001)', async () => {
    const { clock, gateway, open, shutDown } = setup({ maxBufferedBytes: 100 });
    const slow = open();
    slow.socket.bufferedAmount = 101;
    slow.connection.onFrame(hello(), true);
    await flushAsync();
    expect(slow.socket.closedWith).toBe(CloseCode.SEND_BUFFER_FULL);
    expect(slow.socket.terminated).toBe(true);
    slow.connection.onClose();
    const other = open();
    await gateway.shutdown();
    expect(shutDown).toHaveLength(1);
    expect(shutDown[0]).toHaveLength(1);
    expect(other.socket.closedWith).toBe(CloseCode.GOING_AWAY);
    expect(clock.pendingTimers).toBe(0);
  });

  it('closes on a text frame (4000) and on a frame over the pre-hello cap (1009) without dispatching it', async () => {
    const { gateway, handled, open } = setup({ maxHelloFrameBytes: 50 });
    const text = open();
    text.connection.onFrame(hello(), false);
    expect(text.socket.closedWith).toBe(CloseCode.MALFORMED_FRAME);
    const big = open();
    big.connection.onFrame(new Uint8Array(51), true);
    expect(big.socket.closedWith).toBe(CloseCode.FRAME_TOO_LARGE);
    await flushAsync();
    expect(handled).toHaveLength(0);
    await gateway.shutdown();
  });
});
