// Webhook notifications end to end: the real service, raw signaling clients signed in through a
// real auth provider, and a real HTTPS receiver checking every signature with standardwebhooks.
// One game's life — create, two joins, a forwarded property change, a leave, a drop, the server's
// leave — arrives in Photon's v1.2 shape field for field, and natively with seq 1..n gap-free.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestType } from '../../../../src/protocol/index.js';
import { buildSessionService, type SessionService } from '../../../../src/index.js';
import { startReceiver, type RecordedRequest, type TestReceiver } from '../../../support/https-receiver.js';
import type { TestSignalingClient } from '../../../support/signaling-client.js';
import { SECRET, authAnswer, received, signedIn } from './support.js';

let receiver: TestReceiver;
let service: SessionService;
let url: string;
const clients: TestSignalingClient[] = [];

beforeAll(async () => {
  receiver = await startReceiver({ secrets: [SECRET] });
  receiver.answer((request) => (request.path === '/auth' ? authAnswer(request) : { kind: 'status', status: 200 }));
  const auth = { providers: [{ type: 'custom' as const, url: `${receiver.url}/auth` }], attemptsPerSecond: 1_000, attemptBurst: 1_000 };
  const webhooks = { baseUrl: `${receiver.url}/hooks/{AppId}?key=k`, secrets: [SECRET] };
  service = buildSessionService({
    region: 'eu',
    reconnectGraceMs: 0,
    egress: { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca] },
    apps: {
      photon: { auth, webhooks: { ...webhooks, format: 'photon-v1.2', events: ['session.created', 'peer.joined', 'session.propertiesChanged', 'peer.left', 'session.closed'] } },
      native: { auth, webhooks: { ...webhooks, events: ['session.created', 'peer.joined', 'peer.connected', 'session.propertiesChanged', 'peer.left', 'session.closed'] } },
      playfab: { auth, webhooks: { ...webhooks, format: 'playfab' } },
    },
  });
  const bound = await service.listen();
  url = `ws://127.0.0.1:${bound.port}/v1/signaling`;
});
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  await service.close();
  await receiver.close();
});

/** Plays one game of `appId`: server alice creates, bob and carol join, a forwarded change, bob leaves, carol drops, alice leaves. */
async function playGame(appId: string, name: string): Promise<number> {
  const server = await signedIn(url, appId, 'alice', clients);
  await server.request({ type: RequestType.CREATE, name, maxPlayers: 4, playerTtlMs: 60_000, emptySessionTtlMs: 0, properties: { map: 'dust', secret: 1 }, lobbyKeys: ['map'] });
  const bob = await signedIn(url, appId, 'bob', clients);
  await bob.request({ type: RequestType.JOIN, name });
  const carol = await signedIn(url, appId, 'carol', clients);
  await carol.request({ type: RequestType.JOIN, name });
  await bob.request({ type: RequestType.CONNECTED, peerId: 'x', path: 'direct', ms: 42 });
  await server.request({ type: RequestType.SET_PROPERTIES, properties: { round: 2 }, forward: true });
  // Not forwarded: no webhook (Photon sends PathGameProperties only with HttpForward).
  await server.request({ type: RequestType.SET_PROPERTIES, properties: { quiet: true } });
  await bob.request({ type: RequestType.LEAVE });
  await carol.kill();
  // The drop is seen by the service on its socket's close: wait for its webhook before the server leaves.
  await received(receiver, (r) => r.path.startsWith(`/hooks/${appId}/`) && /"[iI]sInactive":true/.test(r.text), 1);
  await server.request({ type: RequestType.LEAVE });
  return 0;
}

/** The native envelope's fields this test reads. */
interface NativeBody {
  type: string;
  id: string;
  time: string;
  session: { id: string; seq: number; properties: Record<string, unknown> };
  peer?: Record<string, unknown>;
  data: Record<string, unknown>;
}

const forApp = (appId: string) => (request: RecordedRequest) => request.path.startsWith(`/hooks/${appId}/`);

describe('webhook notifications: a game from create to close', () => {
  it("photon-v1.2: an existing Photon backend receives Photon's payloads field for field, signed", async () => {
    await playGame('photon', 'lobby-1');
    const got = await received(receiver, forApp('photon'), 8);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.requests.filter(forApp('photon'))).toHaveLength(8);
    const head = { AppVersion: '1.4', AppId: 'photon' };
    const golden = [
      {
        path: '/hooks/photon/session/created',
        body: {
          ActorNr: 1,
          ...head,
          CreateOptions: {
            MaxPlayers: 4,
            LobbyId: null,
            LobbyType: 0,
            CustomProperties: { map: 'dust', secret: 1 },
            EmptyRoomTTL: 0,
            PlayerTTL: 60_000,
            CheckUserOnJoin: false,
            DeleteCacheOnLeave: true,
            SuppressRoomEvents: false,
            PublishUserId: false,
            ExpectedUsers: null,
          },
          GameId: 'lobby-1',
          Region: 'eu',
          Type: 'Create',
          UserId: 'u_alice',
          NickName: 'Alice',
        },
      },
      { path: '/hooks/photon/peer/joined', body: { ActorNr: 2, ...head, GameId: 'lobby-1', Region: 'eu', Type: 'Join', UserId: 'u_bob', NickName: 'Bob' } },
      { path: '/hooks/photon/peer/joined', body: { ActorNr: 3, ...head, GameId: 'lobby-1', Region: 'eu', Type: 'Join', UserId: 'u_carol', NickName: 'Carol' } },
      {
        path: '/hooks/photon/session/properties',
        body: { ActorNr: 1, ...head, Properties: { round: 2 }, GameId: 'lobby-1', Region: 'eu', Type: 'Game', UserId: 'u_alice', NickName: 'Alice' },
      },
      {
        path: '/hooks/photon/peer/left',
        body: { ActorNr: 2, ...head, GameId: 'lobby-1', IsInactive: false, Reason: '101', Region: 'eu', Type: 'LeaveRequest', UserId: 'u_bob', NickName: 'Bob' },
      },
      {
        path: '/hooks/photon/peer/left',
        body: { ActorNr: 3, ...head, GameId: 'lobby-1', IsInactive: true, Reason: '0', Region: 'eu', Type: 'ClientDisconnect', UserId: 'u_carol', NickName: 'Carol' },
      },
      {
        path: '/hooks/photon/peer/left',
        body: { ActorNr: 1, ...head, GameId: 'lobby-1', IsInactive: false, Reason: '101', Region: 'eu', Type: 'LeaveRequest', UserId: 'u_alice', NickName: 'Alice' },
      },
      // Close: no ActorNr, no State; ActorCount = the inactive actors still listed (carol).
      { path: '/hooks/photon/session/closed', body: { ActorCount: 1, ...head, GameId: 'lobby-1', Region: 'eu', Type: 'Close' } },
    ];
    got.forEach((request, i) => {
      expect({ path: request.path, body: request.json }).toEqual(golden[i]);
      // Field order as Photon's samples.
      expect(Object.keys(request.json as object)).toEqual(Object.keys(golden[i]!.body));
      expect(request.query).toEqual({ key: 'k' });
      expect(request.method).toBe('POST');
      expect(request.signature.validWith).toEqual([0]);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['x-punchthrough-attempt']).toBe('1');
      expect(request.headers['webhook-id']).toMatch(/^evt_[A-Za-z0-9_-]{22}$/);
    });
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(8);
  });

  it('native: the same game with seq 1..n gap-free, stable ids, commit times, the leave reasons mapped', async () => {
    const before = Date.now();
    await playGame('native', 'lobby-2');
    const got = await received(receiver, forApp('native'), 9);
    const bodies = got.map((request) => request.json as NativeBody);
    expect(bodies.map((body) => body.type)).toEqual([
      'session.created',
      'peer.joined',
      'peer.joined',
      'peer.connected',
      'session.propertiesChanged',
      'peer.left',
      'peer.left',
      'peer.left',
      'session.closed',
    ]);
    expect(bodies.map((body) => body.session.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const sessionId = bodies[0]!.session.id;
    got.forEach((request, i) => {
      const body = bodies[i]!;
      expect(body.id).toBe(request.headers['webhook-id']);
      expect(request.headers['x-punchthrough-event']).toBe(body.type);
      expect(request.headers['x-punchthrough-session']).toBe(sessionId);
      expect(request.signature.validWith).toEqual([0]);
      expect(Date.parse(body.time)).toBeGreaterThanOrEqual(before - 5);
      expect(body).toMatchObject({ appId: 'native', appVersion: '1.4', region: 'eu', session: { id: sessionId, name: 'lobby-2' } });
    });
    expect(bodies[0]).toMatchObject({
      peer: { actor: 1, mode: 'server', userId: 'u_alice', nickname: 'Alice' },
      session: { players: 1, maxPlayers: 4, properties: { map: 'dust', secret: 1 } },
      data: { maxPlayers: 4, playerTtlMs: 60_000, emptySessionTtlMs: 0, open: true, visible: true, lobbyKeys: ['map'], publishUserId: false, checkUserOnJoin: false },
    });
    expect(bodies[1]).toMatchObject({ peer: { actor: 2, mode: 'client', userId: 'u_bob' }, session: { players: 2, properties: { map: 'dust' } }, data: { rejoined: false } });
    // Lobby-visible properties only after the create.
    expect(bodies[1]!.session.properties).toEqual({ map: 'dust' });
    expect(bodies[3]).toMatchObject({ peer: { actor: 2 }, data: { path: 'direct', ms: 42 } });
    expect(bodies[4]).toMatchObject({ peer: { actor: 1 }, data: { properties: { round: 2 }, open: true, visible: true } });
    expect(bodies[5]!.data).toEqual({ reason: 'left', isInactive: false, photon: { type: 'LeaveRequest', reason: 101 } });
    expect(bodies[6]!.data).toEqual({ reason: 'clientDisconnect', isInactive: true, photon: { type: 'ClientDisconnect', reason: 0 } });
    expect(bodies[7]).toMatchObject({ peer: { actor: 1 }, data: { reason: 'left' } });
    expect(bodies[8]).toMatchObject({ data: { reason: 'serverLeft', actorCount: 1 } });
    expect(bodies[8]!.peer).toBeUndefined();
    expect(new Set(bodies.map((body) => body.id)).size).toBe(9);
  });

  it("playfab: Photon's payloads on paths with '_' for '/'; peer.connected and property changes off by default", async () => {
    await playGame('playfab', 'lobby-3');
    const got = await received(receiver, forApp('playfab'), 7);
    expect(got.map((request) => request.path)).toEqual([
      '/hooks/playfab/session_created',
      '/hooks/playfab/peer_joined',
      '/hooks/playfab/peer_joined',
      '/hooks/playfab/peer_left',
      '/hooks/playfab/peer_left',
      '/hooks/playfab/peer_left',
      '/hooks/playfab/session_closed',
    ]);
    expect((got[0]!.json as { Type: string }).Type).toBe('Create');
  });
});
