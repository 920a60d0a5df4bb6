// The relay's WebSocket listener on real sockets: a UDP peer and a WebSocket peer relay both ways; hostile WebSocket input is dropped and counted.
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createNodeUdpSocketFactory, createRealClock, createSilentLogger, type UdpSocket } from '../../../core/index.js';
import {
  createRelayClient,
  createRelayServer,
  createRelayWebSocketServer,
  createTicketIssuer,
  openRelayWebSocket,
  type RelayClient,
  type RelayFrameTransport,
  type RelayServerOptions,
  type RelayWebSocketOptions,
} from '../../../relay/index.js';
import { LIFTED_BIND_LIMITS, LIFTED_GAME_TRAFFIC_LIMITS } from '../../support/relay-limits.js';
import { waitFor } from '../../support/loopback.js';

const secret = 'ws relay test secret, 32 bytes!!';
const env = { clock: createRealClock(), logger: createSilentLogger() };
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setup(relayOptions: Partial<RelayServerOptions> = {}, wsOptions: Partial<RelayWebSocketOptions> = {}) {
  const relay = await createRelayServer({ secret, host: '127.0.0.1', port: 0, ...relayOptions });
  cleanup.push(() => relay.close());
  const ws = await createRelayWebSocketServer(env, { relay, host: '127.0.0.1', port: 0, ...wsOptions });
  cleanup.push(() => ws.close());
  const url = `ws://127.0.0.1:${ws.address().port}${ws.path}`;
  const issuer = createTicketIssuer({ secret, ttlMs: 60_000 });
  const collect = (client: RelayClient) => {
    const received: Array<[number, number]> = [];
    client.onMessage((from, payload) => received.push([from, Buffer.from(payload).readUInt32BE(0)]));
    return received;
  };
  const udpPeer = async (sessionId: string, actor: number) => {
    const socket: UdpSocket = await createNodeUdpSocketFactory().bind({ type: 'udp4', address: '127.0.0.1' });
    const client = createRelayClient({ socket, relay: relay.address(), ticket: issuer.issue(sessionId, actor).ticket, keepaliveIntervalMs: 0 });
    cleanup.push(() => socket.close());
    cleanup.push(() => client.close());
    return { client, received: collect(client) };
  };
  const wsPeer = async (sessionId: string, actor: number) => {
    const transport = await openRelayWebSocket({ url, ...env });
    const client = createRelayClient({ transport, ticket: issuer.issue(sessionId, actor).ticket, keepaliveIntervalMs: 0 });
    cleanup.push(() => transport.close());
    cleanup.push(() => client.close());
    return { client, transport, received: collect(client) };
  };
  const raw = async (path = ws.path): Promise<WebSocket> => {
    const socket = new WebSocket(`ws://127.0.0.1:${ws.address().port}${path}`);
    cleanup.push(() => socket.terminate());
    socket.on('error', () => {});
    await once(socket, 'open');
    return socket;
  };
  return { relay, ws, url, issuer, udpPeer, wsPeer, raw };
}

const numbered = (i: number): Uint8Array => {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(i, 0);
  return payload;
};

describe('relay over WebSocket', () => {
  it('relays 100 frames each way between a UDP-bound peer and a WebSocket-bound peer', async () => {
    const { relay, ws, udpPeer, wsPeer } = await setup();
    const a = await udpPeer('s1', 1);
    const b = await wsPeer('s1', 2);
    await Promise.all([a.client.bind(), b.client.bind()]);
    expect(relay.stats().bindings).toBe(2);
    for (let i = 0; i < 100; i++) {
      a.client.send(2, numbered(i));
      b.client.send(1, numbered(i));
    }
    await waitFor(() => a.received.length === 100 && b.received.length === 100, '100 frames each way');
    expect(new Set(b.received.map(([from]) => from))).toEqual(new Set([1]));
    expect(new Set(a.received.map(([from]) => from))).toEqual(new Set([2]));
    expect(ws.stats()).toMatchObject({ connections: 1, accepted: 1 });
    expect(ws.stats().messagesIn).toBeGreaterThanOrEqual(102);
  });

  it('two WebSocket peers relay to each other, and a closed WebSocket drops its binding at once', async () => {
    const { relay, ws, wsPeer } = await setup();
    const a = await wsPeer('s2', 1);
    const b = await wsPeer('s2', 2);
    await Promise.all([a.client.bind(), b.client.bind()]);
    a.client.send(2, numbered(7));
    await waitFor(() => b.received.length === 1, 'a frame a → b');
    expect(b.received[0]).toEqual([1, 7]);
    b.transport.close();
    await waitFor(() => relay.stats().bindings === 1, 'the binding of the closed WebSocket to go');
    expect(ws.stats().connections).toBe(1);
  });

  it('a WebSocket that reopens rebinds on its own (the relay knows nothing of the new connection)', async () => {
    const { relay, ws, udpPeer, wsPeer } = await setup({}, { idleTimeoutMs: 300, sweepIntervalMs: 50 });
    const a = await udpPeer('s3', 1);
    const b = await wsPeer('s3', 2);
    await Promise.all([a.client.bind(), b.client.bind()]);
    // The listener closes it for idleness; the transport reopens after its delay and the client rebinds.
    await waitFor(() => ws.stats().closed.idle >= 1, 'the idle close');
    await waitFor(() => ws.stats().accepted === 2 && b.client.state === 'bound' && relay.stats().bindings === 2, 'the rebind', 10_000);
    a.client.send(2, numbered(9));
    await waitFor(() => b.received.length === 1, 'a frame after the rebind');
  });

  it('refuses other paths (404) and connections over the per-address bound (503), counted', async () => {
    const { ws, raw } = await setup({}, { maxConnectionsPerAddress: 2 });
    await expect(raw('/elsewhere')).rejects.toThrow();
    await raw();
    await raw();
    await expect(raw()).rejects.toThrow();
    expect(ws.stats().refused).toEqual({ total: 0, perAddress: 1, path: 1 });
    expect(ws.stats().connections).toBe(2);
  });

  it('drops text, garbage and a flood, counted, and closes on an oversize message (1009); the relay keeps serving', async () => {
    const { relay, ws, raw, udpPeer, wsPeer } = await setup();
    const hostile = await raw();
    hostile.send('a text frame');
    hostile.send(Buffer.from([0xff, 0x00, 0x01]));
    hostile.send(Buffer.alloc(40, 0xc1));
    await waitFor(() => ws.stats().dropped.notBinary === 1 && relay.stats().dropped.malformed + relay.stats().dropped.version >= 2, 'the drops');
    for (let i = 0; i < 1_000; i++) hostile.send(Buffer.from([0xc1, 0x03, 0, 0, 0, 1]));
    await waitFor(() => ws.stats().messagesIn + ws.stats().dropped.rateLimited >= 1_002, 'the flood to arrive');
    expect(ws.stats().dropped.rateLimited).toBeGreaterThan(0);
    const closed = once(hostile, 'close');
    hostile.send(Buffer.alloc(1_473));
    const [code] = (await closed) as [number];
    expect(code).toBe(1009);
    await waitFor(() => ws.stats().closed.tooLarge === 1 && ws.stats().connections === 0, 'the oversize close');
    // Still serving.
    const a = await udpPeer('s4', 1);
    const b = await wsPeer('s4', 2);
    await Promise.all([a.client.bind(), b.client.bind()]);
    b.client.send(1, numbered(3));
    await waitFor(() => a.received.length === 1, 'a frame after the attack');
  });

  it('closes a connection that never binds after the bind timeout (4008)', async () => {
    const { ws, raw } = await setup({}, { bindTimeoutMs: 200, sweepIntervalMs: 50 });
    const squatter = await raw();
    const [code] = (await once(squatter, 'close')) as [number];
    expect(code).toBe(4008);
    expect(ws.stats().closed.unbound).toBe(1);
  });

  it('drops frames to a WebSocket whose reader stalls once its send buffer is over the bound, counted', async () => {
    const { ws, udpPeer, issuer, raw } = await setup({ ...LIFTED_GAME_TRAFFIC_LIMITS, ...LIFTED_BIND_LIMITS }, { maxBufferedBytes: 16 * 1024 });
    const a = await udpPeer('s5', 1);
    const socket = await raw();
    const b = createRelayClient({ transport: rawTransport(socket), ticket: issuer.issue('s5', 2).ticket, keepaliveIntervalMs: 0 });
    cleanup.push(() => b.close());
    await Promise.all([a.client.bind(), b.bind()]);
    // Stop reading on the client's TCP socket: the kernel's buffers fill, then the relay's.
    socket.pause();
    const big = Buffer.alloc(1_400, 7);
    for (let round = 0; round < 2_000 && ws.stats().dropped.backpressure === 0; round++) {
      for (let i = 0; i < 50; i++) a.client.send(2, big);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(ws.stats().dropped.backpressure).toBeGreaterThan(0);
  });
});

/** A relay frame transport over a raw WebSocket (so the test can pause its reading). */
function rawTransport(socket: WebSocket): RelayFrameTransport {
  return {
    kind: 'websocket',
    send: (frame) => socket.send(frame),
    onFrame(handler) {
      const listener = (data: Buffer) => handler(data);
      socket.on('message', listener);
      return () => socket.off('message', listener);
    },
    isFromRelay: () => false,
    close: () => socket.close(),
  };
}
