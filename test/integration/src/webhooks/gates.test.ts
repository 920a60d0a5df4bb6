// Webhook gates end to end (spec §5.10 test 6): the real service on port 0, raw WebSocket clients
// and a real SDK runner, and a real HTTPS backend that checks every signature with standardwebhooks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkRunner, type WebhookErrorArgs } from '../../../../client-sdk/index.js';
import { EventType, Feature, RequestType } from '../../../../src/protocol/index.js';
import { startReceiver, type RecordedRequest, type ReceiverAnswer, type TestReceiver } from '../../../support/https-receiver.js';
import { eventually, recordingFactory, replyError, startPluginService, type PluginService } from '../../../support/plugin-fixtures.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let receiver: TestReceiver;
let service: PluginService;
let metricsUrl: string;
const runners: NetworkRunner[] = [];
/** Answers by the session a gate asks about (`GameId`/`session.name`), else `{}`. */
const bySession = new Map<string, ReceiverAnswer | ((request: RecordedRequest) => ReceiverAnswer)>();

const nameOf = (request: RecordedRequest): string | undefined => {
  const body = request.json as { session?: { name?: string }; GameId?: string } | undefined;
  return body?.session?.name ?? body?.GameId;
};
/** The gate calls about a session (notifications of the same apps, if any, are not counted). */
const gateRequests = (name: string) =>
  receiver.requests.filter((r) => nameOf(r) === name && ['session.beforeCreate', 'peer.beforeJoin'].includes(r.headers['x-punchthrough-event'] ?? ''));
const features = [Feature.CODES_V2, Feature.PLUGIN_EVENTS, Feature.WEBHOOK_ERRORS];
/** A plugin whose beforeJoin takes 2.5 s (within its own 3 s deadline), leaving the webhook 1.5 s of the 4 s chain. */
const slowPlugin = recordingFactory(['slow'], { slow: { beforeJoin: () => new Promise((resolve) => setTimeout(resolve, 2_500)) } });

beforeAll(async () => {
  receiver = await startReceiver({ secrets: [SECRET] });
  receiver.answer((request) => {
    const answer = bySession.get(nameOf(request) ?? '');
    if (answer === undefined) return { kind: 'json', body: {} };
    return typeof answer === 'function' ? answer(request) : answer;
  });
  const base = { baseUrl: `${receiver.url}/hooks/{AppId}`, secrets: [SECRET], gates: { beforeCreate: true, beforeJoin: true } };
  service = await startPluginService({
    region: 'EU',
    reconnectGraceMs: 0,
    egress: { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca] },
    apps: {
      game: { webhooks: { ...base, errorInfo: true } },
      photon: { webhooks: { ...base, format: 'photon-v1.2' } },
      open: { webhooks: { ...base, onGateError: 'allow', errorInfo: true } },
      plain: {},
      chain: { webhooks: base, plugins: { factory: slowPlugin, defaultPlugin: 'slow' } },
    },
  });
  cloudUrl = service.url.replace('ws://', 'http://').replace('/v1/signaling', '');
  metricsUrl = `${cloudUrl}/metrics`;
});
let cloudUrl: string;
afterAll(async () => {
  await Promise.allSettled(runners.map((runner) => runner.shutdown()));
  await service.close();
  await receiver.close();
});

const client = (appId = 'game') => service.client({ appId, features });
const metricsText = async () => (await fetch(metricsUrl)).text();

describe('webhook gates', () => {
  it('allow: the create and the join are asked, signed, in the native envelope; the join goes through', async () => {
    bySession.set('allowed', (request) => (request.headers['x-punchthrough-event'] === 'peer.beforeJoin' ? { kind: 'json', body: { ResultCode: 0 } } : { kind: 'status', status: 204 }));
    const host = await client();
    const created = await host.request({ type: RequestType.CREATE, name: 'allowed', maxPlayers: 4, properties: { map: 'dust', secret: 1 }, lobbyKeys: ['map'] });
    const guest = await client();
    await guest.request({ type: RequestType.JOIN, name: 'allowed' });
    const [create, join] = gateRequests('allowed');
    expect(create).toMatchObject({ method: 'POST', path: '/hooks/game/session/before-create' });
    expect(create!.headers).toMatchObject({ 'x-punchthrough-event': 'session.beforeCreate', 'x-punchthrough-attempt': '1', 'x-punchthrough-session': created.session.sessionId, 'content-type': 'application/json' });
    expect(create!.signature.validWith).toEqual([0]);
    expect(create!.json).toMatchObject({
      type: 'session.beforeCreate',
      appId: 'game',
      appVersion: '1',
      region: 'EU',
      session: { id: created.session.sessionId, name: 'allowed', players: 0, maxPlayers: 4, properties: { map: 'dust', secret: 1 } },
      peer: { mode: 'server', userId: '' },
    });
    expect(create!.headers['webhook-id']).toBe((create!.json as { id: string }).id);
    expect(join).toMatchObject({ path: '/hooks/game/peer/before-join' });
    expect(join!.signature.validWith).toEqual([0]);
    // beforeJoin sees the lobby-visible properties only.
    expect(join!.json).toMatchObject({ type: 'peer.beforeJoin', session: { name: 'allowed', players: 1, properties: { map: 'dust' } }, peer: { mode: 'client' }, data: { kind: 'join' } });
    expect((join!.json as { session: { properties: object } }).session.properties).toEqual({ map: 'dust' });
    expect(await host.next(EventType.PEER_JOINED)).toMatchObject({ peer: { actor: 2 } });
  });

  it("photon-v1.2: BeforeJoin carries Photon's fields and no ActorNr", async () => {
    const host = await client('photon');
    await host.request({ type: RequestType.CREATE, name: 'photonic' });
    const guest = await client('photon');
    await guest.request({ type: RequestType.JOIN, name: 'photonic' });
    const join = gateRequests('photonic').find((r) => r.headers['x-punchthrough-event'] === 'peer.beforeJoin')!;
    expect(join.json).toEqual({ AppId: 'photon', AppVersion: '1', Region: 'EU', GameId: 'photonic', UserId: '', NickName: '', Type: 'BeforeJoin' });
    expect(join.signature.validWith).toEqual([0]);
  });

  it('deny with ResultCode 5 → HOOK_REJECTED (32752) with detail.resultCode 5; a 4xx WebhookError → HOOK_REJECTED with its Error', async () => {
    const host = await client();
    await host.request({ type: RequestType.CREATE, name: 'denied' });
    bySession.set('denied', { kind: 'json', body: { ResultCode: 5, Message: 'you are banned here' } });
    const guest = await client();
    expect(await replyError(guest.request({ type: RequestType.JOIN, name: 'denied' }))).toMatchObject({
      code: 'HOOK_REJECTED',
      photonCode: 32752,
      message: 'you are banned here',
      detail: { resultCode: 5, hook: 'peer.beforeJoin' },
    });
    bySession.set('denied', { kind: 'json', status: 400, body: { Status: 400, Error: 'NotAllowed', Message: 'x'.repeat(1_000) } });
    const reply = await replyError(guest.request({ type: RequestType.JOIN, name: 'denied' }));
    expect(reply).toMatchObject({ code: 'HOOK_REJECTED', photonCode: 32752, detail: { reason: 'NotAllowed', hook: 'peer.beforeJoin' } });
    expect(reply.message).toBe('x'.repeat(256));
    // {allow:false, code, message} on a create: no session.
    bySession.set('never', { kind: 'json', body: { allow: false, code: 'banned', message: 'no' } });
    const creator = await client();
    expect(await replyError(creator.request({ type: RequestType.CREATE, name: 'never' }))).toMatchObject({ code: 'HOOK_REJECTED', detail: { reason: 'banned', hook: 'session.beforeCreate' } });
    expect(await replyError(guest.request({ type: RequestType.JOIN, name: 'never' }))).toMatchObject({ code: 'SESSION_NOT_FOUND' });
    // 2 players only: the denied guest never got in.
    expect(host.events.filter((e) => e.type === EventType.PEER_JOINED)).toEqual([]);
  });

  it('a backend 3 s late (gateMs 2 s) is tried twice with one id, then HOOK_TIMEOUT within 5 s', async () => {
    const host = await client();
    await host.request({ type: RequestType.CREATE, name: 'slow' });
    bySession.set('slow', { kind: 'json', body: {}, delayMs: 3_000 });
    const guest = await client();
    const started = Date.now();
    expect(await replyError(guest.request({ type: RequestType.JOIN, name: 'slow' }))).toMatchObject({ code: 'HOOK_TIMEOUT', photonCode: 32752, detail: { hook: 'peer.beforeJoin' } });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(3_500);
    expect(took).toBeLessThan(5_000);
    const joins = gateRequests('slow').filter((r) => r.headers['x-punchthrough-event'] === 'peer.beforeJoin');
    expect(joins.map((r) => r.headers['x-punchthrough-attempt'])).toEqual(['1', '2']);
    expect(joins[0]!.headers['webhook-id']).toBe(joins[1]!.headers['webhook-id']);
    expect(joins.every((r) => r.signature.validWith.length === 1)).toBe(true);
    expect(await metricsText()).toMatch(/punchthrough_webhook_gate_total\{gate="peer.beforeJoin",outcome="error_deny"\} [1-9]/);
  }, 15_000);

  it("onGateError 'allow' lets a join through a dead backend and counts it; errorInfo tells the runner (webhookError) and raw peers that announced webhook-errors", async () => {
    const server = new NetworkRunner({ cloudUrl, appId: 'open', appVersion: '1', bindAddress: '127.0.0.1' });
    runners.push(server);
    const heard: WebhookErrorArgs[] = [];
    server.on('webhookError', (event) => void heard.push(event));
    await server.startGame({ mode: 'server', sessionName: 'failopen' });
    const listener = await client('open');
    await listener.request({ type: RequestType.JOIN, name: 'failopen' });
    const deaf = await service.client({ appId: 'open', features: [Feature.CODES_V2] });
    await deaf.request({ type: RequestType.JOIN, name: 'failopen' });
    bySession.set('failopen', { kind: 'status', status: 503 });
    const late = await client('open');
    await late.request({ type: RequestType.JOIN, name: 'failopen' });
    await eventually(() => expect(heard).toContainEqual({ hook: 'peer.beforeJoin', message: 'the backend failed: HTTP 503' }));
    expect(await listener.next(EventType.HOOK_ERROR)).toEqual({ type: EventType.HOOK_ERROR, hook: 'peer.beforeJoin', message: 'the backend failed: HTTP 503' });
    expect(deaf.events.some((e) => e.type === EventType.HOOK_ERROR)).toBe(false);
    const text = await metricsText();
    expect(text).toMatch(/punchthrough_webhook_gate_failopen_total\{gate="peer.beforeJoin"\} [1-9]/);
    expect(text).toMatch(/punchthrough_webhook_gate_total\{gate="peer.beforeJoin",outcome="error_allow"\} [1-9]/);
    expect(gateRequests('failopen').filter((r) => r.headers['x-punchthrough-event'] === 'peer.beforeJoin').length).toBe(2 + 2);
  }, 15_000);

  it('beforeCreate overrides maxPlayers 2 → the third join is SESSION_FULL; overrides past the limits are LIMIT_EXCEEDED', async () => {
    bySession.set('small', (request) => (request.headers['x-punchthrough-event'] === 'session.beforeCreate' ? { kind: 'json', body: { overrides: { maxPlayers: 2, properties: { tier: 'gold' }, lobbyKeys: ['tier'] } } } : { kind: 'json', body: {} }));
    const host = await client();
    const created = await host.request({ type: RequestType.CREATE, name: 'small', maxPlayers: 8 });
    expect(created.session).toMatchObject({ maxPlayers: 2, properties: { tier: 'gold' } });
    const second = await client();
    await second.request({ type: RequestType.JOIN, name: 'small' });
    const third = await client();
    expect(await replyError(third.request({ type: RequestType.JOIN, name: 'small' }))).toMatchObject({ code: 'SESSION_FULL' });
    bySession.set('huge', { kind: 'json', body: { overrides: { maxPlayers: 1_000_000 } } });
    const creator = await client();
    expect(await replyError(creator.request({ type: RequestType.CREATE, name: 'huge' }))).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    bySession.set('bad', { kind: 'json', body: { overrides: { maxPlayers: 'two' } } });
    expect(await replyError(creator.request({ type: RequestType.CREATE, name: 'bad' }))).toMatchObject({ code: 'HOOK_TIMEOUT', detail: { hook: 'session.beforeCreate' } });
  });

  it('a random join the backend skips lands in the next candidate; a deny without skip ends it', async () => {
    const older = await client();
    await older.request({ type: RequestType.CREATE, name: 'r-older', properties: { q: 7 }, lobbyKeys: ['q'] });
    const newer = await client();
    await newer.request({ type: RequestType.CREATE, name: 'r-newer', properties: { q: 7 }, lobbyKeys: ['q'] });
    bySession.set('r-older', (request) => (request.headers['x-punchthrough-event'] === 'peer.beforeJoin' ? { kind: 'json', body: { allow: false, skip: true } } : { kind: 'json', body: {} }));
    const joiner = await client();
    const joined = await joiner.request({ type: RequestType.JOIN_RANDOM, filter: { q: 7 } });
    expect(joined.session.name).toBe('r-newer');
    expect(gateRequests('r-older').some((r) => (r.json as { data?: { kind?: string } }).data?.kind === 'random')).toBe(true);
    bySession.set('r-older', (request) => (request.headers['x-punchthrough-event'] === 'peer.beforeJoin' ? { kind: 'json', body: { allow: false, code: 'closed' } } : { kind: 'json', body: {} }));
    const refused = await client();
    expect(await replyError(refused.request({ type: RequestType.JOIN_RANDOM, filter: { q: 7 } }))).toMatchObject({ code: 'HOOK_REJECTED', detail: { reason: 'closed' } });
  });

  it('a rejoin the backend denies leaves the member inactive; allowed later, it comes back', async () => {
    const host = await client();
    await host.request({ type: RequestType.CREATE, name: 'comeback', playerTtlMs: 10_000 });
    const guest = await client();
    const joined = await guest.request({ type: RequestType.JOIN, name: 'comeback' });
    await guest.kill();
    expect(await host.next(EventType.PEER_INACTIVE)).toMatchObject({ actor: joined.actor });
    bySession.set('comeback', { kind: 'json', body: { allow: false, code: 'cooldown' } });
    const back = await client();
    const rejoin = { type: RequestType.REJOIN, sessionId: joined.session.sessionId, actor: joined.actor, rejoinToken: joined.rejoinToken } as const;
    expect(await replyError(back.request(rejoin))).toMatchObject({ code: 'HOOK_REJECTED', detail: { reason: 'cooldown' } });
    const rejoinAsk = gateRequests('comeback').at(-1)!;
    expect(rejoinAsk.json).toMatchObject({ data: { kind: 'rejoin' }, peer: { actor: joined.actor } });
    // Still inactive: the host heard nothing but the first join.
    expect(host.events.filter((e) => e.type === EventType.PEER_JOINED).length).toBe(1);
    bySession.set('comeback', { kind: 'json', body: {} });
    const again = await client();
    await expect(again.request(rejoin)).resolves.toMatchObject({ actor: joined.actor });
    await eventually(() => expect(host.events.filter((e) => e.type === EventType.PEER_JOINED).length).toBe(2));
  });

  it('the plugin gate and the webhook gate share one 4 s budget: after a 2.5 s plugin, a hung backend gets one attempt, not a retry', async () => {
    const host = await client('chain');
    await host.request({ type: RequestType.CREATE, name: 'chained' });
    bySession.set('chained', { kind: 'hang' });
    const guest = await client('chain');
    const started = Date.now();
    expect(await replyError(guest.request({ type: RequestType.JOIN, name: 'chained' }))).toMatchObject({ code: 'HOOK_TIMEOUT', detail: { hook: 'peer.beforeJoin' } });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(3_800);
    expect(took).toBeLessThan(5_000);
    expect(gateRequests('chained').filter((r) => r.headers['x-punchthrough-event'] === 'peer.beforeJoin')).toHaveLength(1);
    expect(slowPlugin.recording.lines('chained')).toEqual(['onCreate', 'beforeJoin:join']);
  }, 15_000);

  it('errorInfo: a dead-lettered notification (a 400 to peer.joined) sends HOOK_ERROR to the members that announced webhook-errors', async () => {
    const host = await client();
    await host.request({ type: RequestType.CREATE, name: 'dead-letter' });
    bySession.set('dead-letter', (request) => (request.headers['x-punchthrough-event'] === 'peer.joined' ? { kind: 'status', status: 400 } : { kind: 'json', body: {} }));
    const guest = await client();
    await guest.request({ type: RequestType.JOIN, name: 'dead-letter' });
    expect(await host.next(EventType.HOOK_ERROR)).toMatchObject({ type: EventType.HOOK_ERROR, hook: 'peer.joined' });
  });

  it('an app without gates is not asked', async () => {
    const host = await client('plain');
    await host.request({ type: RequestType.CREATE, name: 'plain' });
    const guest = await client('plain');
    await guest.request({ type: RequestType.JOIN, name: 'plain' });
    expect(receiver.requests.filter((r) => nameOf(r) === 'plain')).toEqual([]);
  });
});
