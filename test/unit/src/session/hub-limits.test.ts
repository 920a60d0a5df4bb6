// The hub's hardening rules on a manual clock: who may change a session, the bounds on what a
// member can make the service store and send, and the limits that stop a flood at the door.
import { describe, expect, it } from 'vitest';
import {
  CloseCode,
  EventType,
  PROTOCOL_VERSION,
  ReplyType,
  RequestType,
  createSignalingCodec,
  type ServerMessage,
} from '../../../../src/protocol/index.js';
import type { SessionServiceOptions } from '../../../../src/session/options.js';
import { PROTOCOL_MAX_FRAME_BYTES } from '../../../../src/protocol/index.js';
import { setupHub } from '../../../support/fake-hub-peer.js';

const codec = createSignalingCodec({ maxFrameBytes: 1 << 20 });

/** A hub whose relay records revocations, with the hub tests' fake peers. */
function setup(overrides: SessionServiceOptions = {}) {
  const revoked: Array<[string, number | undefined]> = [];
  const harness = setupHub({
    heartbeatIntervalMs: 3_600_000,
    relay: {
      endpoint: { address: '127.0.0.1', port: 3479 },
      issueTicket: () => ({ ticket: new Uint8Array(8), expiresAtMs: 1 }),
      revoke: (sessionId, actor) => revoked.push([sessionId, actor]),
    },
    ...overrides,
  });
  return { ...harness, revoked };
}

const errorCode = (message: ServerMessage): string | undefined => (message.type === ReplyType.ERROR ? message.code : undefined);

describe('authority over a session', () => {
  it('lets only the server change properties, open and visible; a client gets NOT_ALLOWED and changes nothing', async () => {
    const { hub, connect } = setup();
    const host = await connect();
    await host.request({ type: RequestType.CREATE, name: 'r', properties: { map: 'a' }, lobbyKeys: ['map'] });
    const client = await connect();
    await client.request({ type: RequestType.JOIN, name: 'r' });
    for (const change of [{ properties: { map: 'b' } }, { open: false }, { visible: false }, { lobbyKeys: ['x'] }]) {
      expect(errorCode(await client.request({ type: RequestType.SET_PROPERTIES, ...change }))).toBe('NOT_ALLOWED');
    }
    expect(host.events(EventType.PROPERTIES_CHANGED)).toHaveLength(0);
    const lister = await connect();
    expect(await lister.request({ type: RequestType.LIST })).toMatchObject({
      result: { sessions: [{ name: 'r', properties: { map: 'a' } }] },
    });
    expect(await host.request({ type: RequestType.SET_PROPERTIES, properties: { map: 'b' } })).toMatchObject({ type: ReplyType.RESPONSE });
    await hub.shutdown();
  });

  it('bounds lobby keys in count and bytes: six oversized requests change nothing and every frame stays small', async () => {
    const { hub, connect } = setup();
    const host = await connect();
    await host.request({ type: RequestType.CREATE, name: 'r' });
    const client = await connect();
    await client.request({ type: RequestType.JOIN, name: 'r' });
    for (let round = 0; round < 6; round++) {
      const keys = Array.from({ length: 128 }, (_, i) => `${round}-${i}-${'k'.repeat(100)}`);
      expect(errorCode(await host.request({ type: RequestType.SET_PROPERTIES, lobbyKeys: keys }))).toBe('LIMIT_EXCEEDED');
    }
    const few = Array.from({ length: 33 }, (_, i) => `k${i}`);
    expect(errorCode(await host.request({ type: RequestType.SET_PROPERTIES, lobbyKeys: few }))).toBe('LIMIT_EXCEEDED');
    expect(errorCode(await host.request({ type: RequestType.SET_PROPERTIES, lobbyKeys: few.slice(0, 32) }))).toBeUndefined();
    expect(Math.max(...client.frameSizes, ...host.frameSizes)).toBeLessThan(8 * 1024);
    expect(errorCode(await host.request({ type: RequestType.CREATE, name: 'x' }))).toBe('ALREADY_JOINED');
    await hub.shutdown();
  });
});

describe('frame sizes', () => {
  it('never sends a member a frame the SDK would refuse: a full session at every limit stays far under 64 KiB', async () => {
    const { hub, connect } = setup();
    const host = await connect('203.0.113.1');
    const lobbyKeys = Array.from({ length: 32 }, (_, i) => `k${i}`);
    const properties = Object.fromEntries(lobbyKeys.map((key) => [key, 'v'.repeat(80)]));
    const created = await host.request({ type: RequestType.CREATE, name: 'full', maxPlayers: 256, properties, lobbyKeys });
    expect(created).toMatchObject({ type: ReplyType.RESPONSE });
    const clients = [];
    for (let i = 1; i < 256; i++) {
      const client = await connect(`198.51.${i >> 8}.${i & 0xff}`);
      expect(await client.request({ type: RequestType.JOIN, name: 'full' })).toMatchObject({ type: ReplyType.RESPONSE });
      clients.push(client);
    }
    const largest = Math.max(...host.frameSizes, ...clients.flatMap((c) => c.frameSizes));
    expect(largest).toBeGreaterThan(8 * 1024);
    expect(largest).toBeLessThan(PROTOCOL_MAX_FRAME_BYTES / 2);
    await hub.shutdown();
  });
});

describe('limits at the door', () => {
  it('closes a connection whose unread queue passes the cap (4004), counted', async () => {
    const { hub, connect, metrics } = setup({ maxBufferedBytes: 1000 });
    const peer = await connect();
    peer.socket.bufferedAmount = 5000;
    await peer.request({ type: RequestType.LIST }).catch(() => undefined);
    expect(peer.closedWith).toBe(CloseCode.SEND_BUFFER_FULL);
    expect(peer.terminated).toBe(true);
    expect((await metrics.connectionsRefused.get()).values).toContainEqual(
      expect.objectContaining({ labels: { reason: 'send_buffer_full' }, value: 1 }),
    );
    await hub.shutdown();
  });

  it('closes a pre-hello frame larger than the hello cap', async () => {
    const { hub, open } = setup({ maxHelloFrameBytes: 100 });
    const peer = open();
    peer.connection.onFrame(codec.encode({ type: RequestType.HELLO, id: 1, appId: 'g'.repeat(200), appVersion: '1', protocolVersion: 1 }), true);
    expect(peer.closedWith).toBe(CloseCode.FRAME_TOO_LARGE);
    await hub.shutdown();
  });

  it('rate-limits before decoding: frames past the burst are answered RATE_LIMITED without being read', async () => {
    const { hub, open } = setup({ requestBurst: 3, requestsPerSecond: 1, maxViolations: 100 });
    const peer = open();
    for (let i = 0; i < 10; i++) peer.connection.onFrame(Uint8Array.of(0x81, 0xa1, 0x61, 0xd4, 0x42, 0x01), true);
    // The first garbage frame closes the connection as malformed; nothing after it is decoded.
    expect(peer.closedWith).toBe(CloseCode.MALFORMED_FRAME);
    const flooder = open();
    await flooder.request({ type: RequestType.HELLO, appId: 'g', appVersion: '1', protocolVersion: PROTOCOL_VERSION });
    for (let i = 0; i < 5; i++) flooder.connection.onFrame(codec.encode({ type: RequestType.LIST, id: 10 + i }), true);
    await Promise.resolve();
    const limited = flooder.received.filter((m) => errorCode(m) === 'RATE_LIMITED');
    expect(limited.length).toBeGreaterThanOrEqual(3);
    await hub.shutdown();
  });

  it('refuses app ids and versions outside the safe set (a NUL would make two apps collide)', async () => {
    const { hub, open } = setup();
    for (const [appId, appVersion] of [['a\u0000b', '1'], ['a', '1\u0000'], ['a b', '1'], ['ok', 'v/1']]) {
      const peer = open();
      const reply = await peer.request({ type: RequestType.HELLO, appId: appId!, appVersion: appVersion!, protocolVersion: PROTOCOL_VERSION });
      expect(errorCode(reply), JSON.stringify(appId)).toBe('INVALID_REQUEST');
    }
    const fine = open();
    expect(errorCode(await fine.request({ type: RequestType.HELLO, appId: 'com.game_x-2', appVersion: '1.2.3+b:4', protocolVersion: 1 }))).toBeUndefined();
    await hub.shutdown();
  });

  it('caps live sessions per creating address and in total; a closed session frees its place', async () => {
    const { hub, connect } = setup({ maxSessionsPerAddress: 2, maxSessions: 3 });
    // Throwaway creators: each session outlives its connection by the player TTL.
    for (let i = 0; i < 2; i++) {
      const peer = await connect('203.0.113.1');
      expect(await peer.request({ type: RequestType.CREATE, playerTtlMs: 300_000, emptySessionTtlMs: 300_000 })).toMatchObject({ type: ReplyType.RESPONSE });
      peer.connection.onClose();
    }
    const third = await connect('203.0.113.1');
    expect(errorCode(await third.request({ type: RequestType.CREATE }))).toBe('LIMIT_EXCEEDED');
    const other = await connect('203.0.113.2');
    expect(await other.request({ type: RequestType.CREATE, name: 'kept' })).toMatchObject({ type: ReplyType.RESPONSE });
    const fourth = await connect('203.0.113.3');
    expect(errorCode(await fourth.request({ type: RequestType.CREATE }))).toBe('LIMIT_EXCEEDED');
    expect(await other.request({ type: RequestType.LEAVE })).toMatchObject({ type: ReplyType.RESPONSE });
    expect(await fourth.request({ type: RequestType.CREATE })).toMatchObject({ type: ReplyType.RESPONSE });
    await hub.shutdown();
  });

  it('pages the lobby by count and bytes', async () => {
    const { hub, connect } = setup({ maxListBytes: 2000, maxSessionsPerAddress: 100 });
    for (let i = 0; i < 30; i++) {
      const host = await connect(`203.0.113.${i + 1}`);
      await host.request({ type: RequestType.CREATE, name: `s${i}`, properties: { blob: 'x'.repeat(200) }, lobbyKeys: ['blob'] });
    }
    const lister = await connect();
    const seen: string[] = [];
    for (let offset = 0, more = true; more; ) {
      const reply = await lister.request({ type: RequestType.LIST, offset });
      if (reply.type !== ReplyType.RESPONSE || reply.request !== RequestType.LIST) throw new Error('no list');
      expect(codec.encode(reply).length).toBeLessThan(2400);
      seen.push(...reply.result.sessions.map((s) => s.name));
      offset += reply.result.sessions.length;
      more = reply.result.more === true;
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => `s${i}`));
    await hub.shutdown();
  });
});

describe('address reports (amplification at the source)', () => {
  const endpoint = (port: number) => ({ address: '198.51.100.7', port });

  it('keeps at most 8 distinct candidates and re-delivers only a change, at most once per interval', async () => {
    const { clock, hub, connect } = setup();
    const host = await connect();
    await host.request({ type: RequestType.CREATE, name: 'r' });
    const client = await connect();
    await client.request({ type: RequestType.JOIN, name: 'r' });
    const local = Array.from({ length: 16 }, (_, i) => endpoint(1000 + (i % 12)));
    await client.request({ type: RequestType.REPORT_ADDRESSES, local, reflexive: endpoint(9) });
    const first = host.events(EventType.PEER_ADDRESSES);
    expect(first).toHaveLength(1);
    const event = first[0]!;
    if (event.type !== EventType.PEER_ADDRESSES) throw new Error('unreachable');
    expect(event.local.length + (event.reflexive ? 1 : 0)).toBe(8);
    expect(event.reflexive).toEqual(endpoint(9));

    // 84 reports in 4 s: repeats are free and silent; changes pass at most once a second.
    let refused = 0;
    for (let i = 0; i < 84; i++) {
      const changed = i % 2 === 0 ? [endpoint(2000 + i)] : local;
      const reply = await client.request({ type: RequestType.REPORT_ADDRESSES, local: changed, reflexive: endpoint(9) });
      if (errorCode(reply) === 'RATE_LIMITED') refused += 1;
      clock.advance(4000 / 84);
    }
    expect(refused).toBeGreaterThan(30);
    expect(host.events(EventType.PEER_ADDRESSES).length).toBeLessThanOrEqual(1 + 5);
    await hub.shutdown();
  });

  it('revokes the relay tickets of a member that leaves and of a session that closes', async () => {
    const { hub, connect, revoked } = setup();
    const host = await connect();
    await host.request({ type: RequestType.CREATE, name: 'r' });
    const client = await connect();
    const joined = await client.request({ type: RequestType.JOIN, name: 'r' });
    if (joined.type !== ReplyType.RESPONSE) throw new Error('join failed');
    const sessionId = (joined.result as { session: { sessionId: string } }).session.sessionId;
    await client.request({ type: RequestType.LEAVE });
    expect(revoked).toContainEqual([sessionId, 2]);
    await host.request({ type: RequestType.LEAVE });
    expect(revoked).toContainEqual([sessionId, undefined]);
    await hub.shutdown();
  });
});
