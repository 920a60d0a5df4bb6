import { Packr } from 'msgpackr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSessionService, type SessionService } from '../../../../src/index.js';
import { CloseCode, EventType, RequestType, type WireEndpoint } from '../../../../src/protocol/index.js';
import { SignalingError, TestSignalingClient } from '../../../support/signaling-client.js';

const loose = new Packr({ useRecords: false });
let service: SessionService;
let url: string;
const clients: TestSignalingClient[] = [];

const stun: WireEndpoint = { address: '127.0.0.1', port: 3478 };
const relayEndpoint: WireEndpoint = { address: '127.0.0.1', port: 4000 };

async function peer(appVersion = '1'): Promise<TestSignalingClient> {
  const client = await TestSignalingClient.hello(url, 'game', appVersion);
  clients.push(client);
  return client;
}

async function rejected(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SignalingError) return error.reply.code;
    throw error;
  }
  throw new Error('expected an error reply');
}

const addresses = (port: number) => ({
  local: [{ address: '192.168.1.10', port }],
  reflexive: { address: '127.0.0.1', port: port + 1 },
});

beforeEach(async () => {
  service = buildSessionService({
    stunServers: [stun],
    relay: {
      endpoint: relayEndpoint,
      issueTicket: (sessionId, actor) => ({ ticket: new TextEncoder().encode(`${sessionId}/${actor}`), expiresAtMs: 42 }),
    },
  });
  const { port } = await service.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${port}/v1/signaling`;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await service.close();
});

describe('session service over a real WebSocket', () => {
  it('a server and three clients create, join, list and leave', async () => {
    const host = await peer();
    const created = await host.request({
      type: RequestType.CREATE,
      name: 'arena',
      maxPlayers: 4,
      properties: { map: 'dust', secret: 'x' },
      lobbyKeys: ['map'],
    });
    expect(created).toMatchObject({ actor: 1, mode: 'server', created: true, session: { name: 'arena' } });
    const start = await host.next(EventType.START);
    expect(start).toMatchObject({ actor: 1, mode: 'server', stunServers: [stun], relay: { endpoint: relayEndpoint, expiresAtMs: 42 } });
    expect(new TextDecoder().decode(start.relay!.ticket)).toBe(`${created.session.sessionId}/1`);

    const players = [await peer(), await peer(), await peer()];
    const joined = [
      await players[0]!.request({ type: RequestType.JOIN, name: 'arena' }),
      await players[1]!.request({ type: RequestType.JOIN_RANDOM, filter: { map: 'dust' } }),
      await players[2]!.request({ type: RequestType.JOIN, name: 'arena' }),
    ];
    expect(joined.map((j) => j.actor)).toEqual([2, 3, 4]);
    expect(joined.every((j) => j.mode === 'client')).toBe(true);
    for (const player of players) await player.next(EventType.START);
    expect((await host.next(EventType.PEER_JOINED)).peer.actor).toBe(2);

    const late = await peer();
    expect(await rejected(late.request({ type: RequestType.JOIN, name: 'arena' }))).toBe('SESSION_FULL');
    expect(await rejected(late.request({ type: RequestType.JOIN_RANDOM, filter: { map: 'dust' } }))).toBe('NO_MATCH');

    const listed = await late.request({ type: RequestType.LIST });
    expect(listed.sessions).toEqual([{ name: 'arena', sessionId: expect.any(String), players: 4, maxPlayers: 4, properties: { map: 'dust' } }]);
    const other = await peer('2');
    expect((await other.request({ type: RequestType.LIST })).sessions).toEqual([]);
    const http = await service.app.inject({ url: '/v1/sessions?appId=game&appVersion=1&map=dust' });
    expect(http.json()).toEqual({ sessions: listed.sessions });

    await players[0]!.request({ type: RequestType.LEAVE });
    const left = await host.next(EventType.PEER_LEFT);
    expect(left).toMatchObject({ actor: 2, reason: 'left' });
    // The slot is free again; the next actor number is new.
    expect((await late.request({ type: RequestType.JOIN, name: 'arena' })).actor).toBe(5);

    await host.request({ type: RequestType.LEAVE });
    for (const player of [players[1]!, players[2]!, late]) {
      expect(await player.next(EventType.SESSION_CLOSED)).toMatchObject({ reason: 'serverLeft' });
    }
    expect((await late.request({ type: RequestType.LIST })).sessions).toEqual([]);
    const metrics = (await service.app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('punchthrough_session_joins_total{kind="create"} 1');
    expect(metrics).toContain('punchthrough_session_errors_total{code="SESSION_FULL"} 1');
  });

  it('exchanges addresses when the client reports first', async () => {
    const host = await peer();
    await host.request({ type: RequestType.CREATE, name: 'a' });
    const client = await peer();
    const joined = await client.request({ type: RequestType.JOIN, name: 'a' });
    await client.request({ type: RequestType.REPORT_ADDRESSES, ...addresses(5000), natType: 'symmetric' });
    const toServer = await host.next(EventType.PEER_ADDRESSES);
    expect(toServer).toMatchObject({ actor: joined.actor, peerId: joined.peerId, mode: 'client', ...addresses(5000), natType: 'symmetric' });
    await host.request({ type: RequestType.REPORT_ADDRESSES, ...addresses(6000) });
    const toClient = await client.next(EventType.PEER_ADDRESSES);
    expect(toClient).toMatchObject({ actor: 1, mode: 'server', ...addresses(6000) });
    expect(toClient.pairSecret).toEqual(toServer.pairSecret);
    expect(toClient.pairSecret.length).toBe(32);
    await client.request({ type: RequestType.CONNECTED, peerId: toClient.peerId, path: 'direct', ms: 42 });
    expect((await service.app.inject({ url: '/metrics' })).body).toContain('punchthrough_session_connect_ms_count{path="direct"} 1');
  });

  it('exchanges addresses when the server reports first, and hands them to a late joiner at once', async () => {
    const host = await peer();
    await host.request({ type: RequestType.CREATE, name: 'b' });
    await host.request({ type: RequestType.REPORT_ADDRESSES, ...addresses(6000) });
    const client = await peer();
    await client.request({ type: RequestType.JOIN, name: 'b' });
    await client.next(EventType.START);
    const toClient = await client.next(EventType.PEER_ADDRESSES);
    expect(toClient).toMatchObject({ actor: 1, ...addresses(6000) });
    await client.request({ type: RequestType.REPORT_ADDRESSES, ...addresses(7000) });
    const toServer = await host.next(EventType.PEER_ADDRESSES);
    expect(toServer).toMatchObject({ actor: 2, ...addresses(7000) });
    expect(toServer.pairSecret).toEqual(toClient.pairSecret);
  });

  it('closes the session for its clients when the server drops', async () => {
    const host = await peer();
    await host.request({ type: RequestType.CREATE, name: 'c' });
    const a = await peer();
    const b = await peer();
    await a.request({ type: RequestType.JOIN, name: 'c' });
    await b.request({ type: RequestType.JOIN, name: 'c' });
    await host.kill();
    expect(await a.next(EventType.SESSION_CLOSED)).toMatchObject({ reason: 'serverDropped' });
    expect(await b.next(EventType.SESSION_CLOSED)).toMatchObject({ reason: 'serverDropped' });
    expect(await rejected(a.request({ type: RequestType.LEAVE }))).toBe('NOT_IN_SESSION');
  });

  it('a rejoining client keeps its actor number within the player TTL', async () => {
    const host = await peer();
    await host.request({ type: RequestType.CREATE, name: 'd', playerTtlMs: 60_000 });
    const first = await peer();
    const joined = await first.request({ type: RequestType.JOIN, name: 'd' });
    expect(await host.next(EventType.PEER_JOINED)).toMatchObject({ rejoined: false });
    await first.kill();
    expect(await host.next(EventType.PEER_INACTIVE)).toMatchObject({ actor: joined.actor, expiresInMs: 60_000 });
    const again = await peer();
    const rejoined = await again.request({
      type: RequestType.REJOIN,
      sessionId: joined.session.sessionId,
      actor: joined.actor,
      rejoinToken: joined.rejoinToken,
    });
    expect(rejoined).toMatchObject({ actor: joined.actor, peerId: joined.peerId });
    expect(await host.next(EventType.PEER_JOINED)).toMatchObject({ rejoined: true, peer: { actor: joined.actor } });
  });

  it('a hostile client sending garbage cannot disturb a healthy session beside it', async () => {
    const host = await peer();
    await host.request({ type: RequestType.CREATE, name: 'e' });
    const player = await peer();
    await player.request({ type: RequestType.JOIN, name: 'e' });

    const hostile = await peer();
    const replies: Promise<string>[] = [];
    replies.push(rejected(hostile.request({ type: 99 } as never)));
    replies.push(rejected(hostile.request({ type: RequestType.CREATE, name: 'bad\u0000name' })));
    replies.push(rejected(hostile.request({ type: RequestType.CREATE, name: 'big', properties: { blob: 'x'.repeat(4000), more: 'y'.repeat(1000) } })));
    replies.push(rejected(hostile.request({ type: RequestType.JOIN, name: 42 } as never)));
    replies.push(rejected(hostile.request({ type: RequestType.LEAVE })));
    expect(await Promise.all(replies)).toEqual(['INVALID_REQUEST', 'INVALID_REQUEST', 'LIMIT_EXCEEDED', 'INVALID_REQUEST', 'NOT_IN_SESSION']);

    // A flood: some requests are refused with RATE_LIMITED, then the connection is closed.
    const flood = await peer();
    for (let i = 0; i < 200; i++) flood.sendRaw(loose.pack({ type: RequestType.LIST, id: i + 1 }));
    expect(await flood.closed).toBe(CloseCode.PROTOCOL_VIOLATION);
    expect(flood.errors.some((e) => e.code === 'RATE_LIMITED')).toBe(true);

    // Unparseable bytes, a text frame and an oversized frame each close only their own socket.
    const garbage = await peer();
    garbage.sendRaw(Uint8Array.of(0x92, 0x01));
    expect(await garbage.closed).toBe(CloseCode.MALFORMED_FRAME);
    const text = await peer();
    text.sendRaw('hello');
    expect(await text.closed).toBe(CloseCode.MALFORMED_FRAME);
    const huge = await peer();
    huge.sendRaw(new Uint8Array(64 * 1024));
    expect(await huge.closed).toBe(CloseCode.FRAME_TOO_LARGE);

    // The healthy session still works.
    await host.request({ type: RequestType.SET_PROPERTIES, properties: { round: 2 } });
    expect(await player.next(EventType.PROPERTIES_CHANGED)).toMatchObject({ actor: 1, properties: { round: 2 } });
    await player.request({ type: RequestType.REPORT_ADDRESSES, ...addresses(8000) });
    expect(await host.next(EventType.PEER_ADDRESSES)).toMatchObject({ actor: 2 });
    const metrics = (await service.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/punchthrough_session_frames_dropped_total\{reason="malformed"\} [1-9]/);
    expect(metrics).toMatch(/punchthrough_session_frames_dropped_total\{reason="rate_limited"\} [1-9]/);
  });

  it('refuses requests before hello, other protocol versions, and double joins', async () => {
    const raw = await TestSignalingClient.connect(url);
    clients.push(raw);
    expect(await rejected(raw.request({ type: RequestType.LIST }))).toBe('INVALID_REQUEST');
    expect(await rejected(raw.request({ type: RequestType.HELLO, appId: 'g', appVersion: '1', protocolVersion: 99 }))).toBe('UNSUPPORTED_VERSION');
    const host = await peer();
    await host.request({ type: RequestType.CREATE, name: 'f' });
    expect(await rejected(host.request({ type: RequestType.JOIN, name: 'f' }))).toBe('ALREADY_JOINED');
    const other = await peer();
    expect(await rejected(other.request({ type: RequestType.CREATE, name: 'f' }))).toBe('SESSION_EXISTS');
    expect(await rejected(other.request({ type: RequestType.JOIN, name: 'nope' }))).toBe('SESSION_NOT_FOUND');
    // Photon's number rides beside the code (GameDoesNotExist; docs/errors.md).
    const reply = await other.request({ type: RequestType.JOIN, name: 'nope' }).catch((error: SignalingError) => error.reply);
    expect(reply).toMatchObject({ code: 'SESSION_NOT_FOUND', photonCode: 32758 });
    const auto = await other.request({ type: RequestType.JOIN, name: 'nope', createIfNotExists: true });
    expect(auto).toMatchObject({ created: true, mode: 'server', actor: 1 });
    expect((await service.app.inject({ url: '/health' })).json()).toMatchObject({ status: 'ok', sessions: 2 });
    expect((await service.app.inject({ url: '/v1/sessions' })).statusCode).toBe(400);
  });

  it('refuses a connection over the per-address limit with 1013 and closes one that never says hello', async () => {
    const limited = buildSessionService({ maxConnectionsPerAddress: 1, helloTimeoutMs: 200 });
    const { port } = await limited.listen({ host: '127.0.0.1', port: 0 });
    try {
      const limitedUrl = `ws://127.0.0.1:${port}/v1/signaling`;
      const silent = await TestSignalingClient.connect(limitedUrl);
      const second = await TestSignalingClient.connect(limitedUrl);
      expect(await second.closed).toBe(CloseCode.TRY_AGAIN_LATER);
      expect(await silent.closed).toBe(CloseCode.HELLO_TIMEOUT);
      // Its slot is free again.
      const greeted = await TestSignalingClient.hello(limitedUrl);
      await greeted.close();
      const metrics = (await limited.app.inject({ url: '/metrics' })).body;
      expect(metrics).toMatch(/punchthrough_session_connections_refused_total\{reason="too_many_from_address"\} 1/);
      expect(metrics).toMatch(/punchthrough_session_connections_refused_total\{reason="hello_timeout"\} 1/);
    } finally {
      await limited.close();
    }
  });
});
