// Custom authentication end to end: the real session service on port 0, raw WebSocket clients
// (through a proxy that records every byte the service sent them), and a real HTTPS auth provider
// that checks our Standard Webhooks signature with the independent `standardwebhooks` package.
// An unchanged Photon-format provider works; each ResultCode and each failure answers with its
// code in < 6 s; the AuthCookie never reaches a client.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSessionService, type SessionService, type SessionServiceOptions } from '../../../../src/index.js';
import type { CreateCall, JoinCall, PeerContext } from '../../../../src/plugins/index.js';
import { generateWebhookSecret } from '../../../../src/egress/index.js';
import { EventType, Feature, PROTOCOL_VERSION, RequestType, type HelloAuth, type HelloResult } from '../../../../src/protocol/index.js';
import { startReceiver, type TestReceiver } from '../../../support/https-receiver.js';
import { startRecordingProxy, type RecordingProxy } from '../../../support/recording-proxy.js';
import { SignalingError, TestSignalingClient } from '../../../support/signaling-client.js';

const SECRET = generateWebhookSecret((size) => randomBytes(size));
const TOKEN_KEY = randomBytes(32).toString('base64');
/** The cookie every successful answer carries: its bytes must never reach a client. */
const COOKIE_MARK = `cookie-${randomBytes(8).toString('hex')}`;
const LOOSE = { attemptsPerSecond: 10_000, attemptBurst: 10_000 };

let provider: TestReceiver;
let faulty: TestReceiver;
let refusedPort: number;
let service: SessionService;
let proxy: RecordingProxy;
let url: string;
const clients: TestSignalingClient[] = [];
/** What the 'plugged' app's plugin was told about the peers it saw. */
const pluginSaw: PeerContext[] = [];

async function startService(options: SessionServiceOptions): Promise<{ service: SessionService; proxy: RecordingProxy; url: string }> {
  const built = buildSessionService(options);
  const endpoint = await built.listen({ host: '127.0.0.1', port: 0 });
  const recorded = await startRecordingProxy({ host: '127.0.0.1', port: endpoint.port });
  return { service: built, proxy: recorded, url: `ws://127.0.0.1:${recorded.port}/v1/signaling` };
}

beforeAll(async () => {
  provider = await startReceiver({ secrets: [SECRET] });
  faulty = await startReceiver({ secrets: [SECRET] });
  const gone = await startReceiver();
  refusedPort = gone.port;
  await gone.close();
  const custom = (path: string, extra: Record<string, unknown> = {}) => ({ type: 'custom' as const, url: `${provider.url}${path}`, secrets: [SECRET], ...extra });
  const fault = (path: string, reject: boolean) => ({ type: 'custom' as const, url: `${faulty.url}${path}`, secrets: [SECRET], rejectIfUnavailable: reject });
  ({ service, proxy, url } = await startService({
    apps: {
      game: {
        auth: { providers: [custom('/photon', { staticParams: { apiKey: 'static' } })], tokenKeys: [TOKEN_KEY], ...LOOSE },
        rpc: { http: { baseUrl: `${provider.url}/rpc`, secrets: [SECRET], sendAuthCookie: 'onRequest' } },
      },
      open: { auth: { providers: [custom('/photon')], allowAnonymous: true, ...LOOSE } },
      plugged: {
        auth: { providers: [custom('/photon')], ...LOOSE },
        plugins: {
          factory: {
            names: ['spy'],
            create: () => ({ name: 'spy', onCreate: (call: CreateCall) => void pluginSaw.push(call.peer), beforeJoin: (call: JoinCall) => void pluginSaw.push(call.peer) }),
          },
          defaultPlugin: 'spy',
        },
      },
      'json-game': { auth: { providers: [custom('/json', { format: 'json', staticParams: { apiKey: 'static' } })], ...LOOSE } },
      strict: { auth: { providers: [fault('/strict', true)], ...LOOSE } },
      lenient: { auth: { providers: [fault('/lenient', false)], ...LOOSE } },
      'refused-strict': { auth: { providers: [{ type: 'custom', url: `https://127.0.0.1:${refusedPort}/auth`, rejectIfUnavailable: true }], ...LOOSE } },
      'refused-lenient': { auth: { providers: [{ type: 'custom', url: `https://127.0.0.1:${refusedPort}/auth`, rejectIfUnavailable: false }], ...LOOSE } },
      limited: { auth: { providers: [custom('/photon')], attemptsPerSecond: 1, attemptBurst: 2 } },
    },
    egress: { allowedNetworks: ['127.0.0.1/32'], ca: [provider.ca], breakerFailures: 1000 },
  }));
  provider.answer((request) => {
    if (request.path.startsWith('/rpc')) return { kind: 'json', body: { ResultCode: 0, Message: 'seen' } };
    if (request.path === '/json') {
      const body = request.json as { params?: Record<string, string>; step?: number };
      if (body.step === 1) return { kind: 'json', body: { resultCode: 0, data: { step: 1 } } };
      return { kind: 'json', body: { resultCode: 1, userId: `json-${body.params?.user ?? ''}`, nickname: 'J' } };
    }
    if (request.query.user === 'alice' && request.query.password === 'secret') {
      return { kind: 'json', body: { ResultCode: 1, UserId: 'u_alice', Nickname: 'Alice', AuthCookie: { mark: COOKIE_MARK }, Data: { motd: 'hi' } } };
    }
    return { kind: 'json', body: { ResultCode: 2, Message: 'wrong user or password' } };
  });
});

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  // Over every frame this file's clients received: the cookie's bytes never appear.
  expect(proxy.received().length).toBeGreaterThan(1000);
  expect(proxy.received().includes(Buffer.from(COOKIE_MARK))).toBe(false);
  await Promise.allSettled([proxy.close(), service.close(), provider.close(), faulty.close()]);
});

const FEATURES = [Feature.CODES_V2, Feature.AUTH];

async function connect(target = url): Promise<TestSignalingClient> {
  const client = await TestSignalingClient.connect(target);
  clients.push(client);
  return client;
}

function hello(client: TestSignalingClient, appId: string, auth?: HelloAuth | string, features: string[] = FEATURES): Promise<HelloResult> {
  return client.request({ type: RequestType.HELLO, appId, appVersion: '1.4', protocolVersion: PROTOCOL_VERSION, features, ...(auth === undefined ? {} : { auth }) });
}

async function refusal(promise: Promise<unknown>): Promise<SignalingError['reply']> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof SignalingError)) throw new Error(`expected an error reply, got ${String(outcome)}`);
  return outcome.reply;
}

const ALICE = { params: { user: 'alice', password: 'secret', apiKey: 'client' } };

describe('custom authentication: Photon-format provider', () => {
  it('ResultCode 1: a signed GET with the merged query; the hello carries userId, nickname, Data and a token, never the cookie', async () => {
    const before = provider.requests.length;
    const client = await connect();
    const result = await hello(client, 'game', ALICE);
    expect(result).toMatchObject({ authStatus: 'ok', userId: 'u_alice', nickname: 'Alice', authData: { motd: 'hi' } });
    expect(result.authToken).toMatch(/^v1\./);
    expect(result.authExpiresAtMs).toBeGreaterThan(Date.now());
    const [request] = provider.requests.slice(before);
    expect(request).toMatchObject({ method: 'GET', path: '/photon', query: { user: 'alice', password: 'secret', apiKey: 'static' } });
    expect(request!.headers).toMatchObject({ 'x-punchthrough-app-id': 'game', 'x-punchthrough-app-version': '1.4', 'x-punchthrough-client-ip': '127.0.0.1' });
    expect(request!.signature.validWith).toEqual([0]);
    // Authenticated: sessions work, and the member carries the user id.
    const created = await client.request({ type: RequestType.CREATE, name: 'alice-room', publishUserId: true, checkUserOnJoin: true });
    expect(created.session.peers[0]).toMatchObject({ userId: 'u_alice' });
    const metrics = await service.metrics.registry.metrics();
    expect(metrics).toMatch(/punchthrough_auth_requests_total\{outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/punchthrough_auth_duration_seconds_count [1-9]/);
  });

  it('POSTs the client data as a signed JSON body', async () => {
    const before = provider.requests.length;
    const client = await connect();
    const refused = await refusal(hello(client, 'game', { params: { user: 'bob' }, data: { otp: '123456', nested: { a: [1, 2] } } }));
    expect(refused.code).toBe('AUTH_FAILED');
    const [request] = provider.requests.slice(before);
    expect(request).toMatchObject({ method: 'POST', query: { user: 'bob', apiKey: 'static' }, json: { otp: '123456', nested: { a: [1, 2] } } });
    expect(request!.signature.validWith).toEqual([0]);
  });

  it("format 'json': one signed POST per step with app, version, address, params (static wins), data and the step; camelCase answers", async () => {
    const before = provider.requests.length;
    const client = await connect();
    expect(await hello(client, 'json-game', { params: { user: 'jo', apiKey: 'mine' }, data: { device: 'pc' }, userId: 'jo' })).toMatchObject({ authStatus: 'continue', authData: { step: 1 } });
    expect(await client.request({ type: RequestType.AUTHENTICATE, auth: { params: { user: 'jo' } } })).toMatchObject({ authStatus: 'ok', userId: 'json-jo', nickname: 'J' });
    const [first, second] = provider.requests.slice(before);
    expect(first).toMatchObject({ method: 'POST', path: '/json' });
    expect(first!.json).toEqual({ type: 'auth', appId: 'json-game', appVersion: '1.4', clientIp: '127.0.0.1', params: { user: 'jo', apiKey: 'static' }, data: { device: 'pc' }, userId: 'jo', step: 1 });
    expect(second!.json).toMatchObject({ step: 2, params: { user: 'jo', apiKey: 'static' } });
    expect(first!.signature.validWith).toEqual([0]);
  });

  it.each([2, 3, 5])('ResultCode %i: AUTH_FAILED (32755) with detail.resultCode and the message', async (code) => {
    provider.answerNext({ kind: 'json', body: { ResultCode: code, Message: `refused ${code}` } });
    const client = await connect();
    const started = Date.now();
    const refused = await refusal(hello(client, 'game', ALICE));
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(refused).toMatchObject({ code: 'AUTH_FAILED', photonCode: 32755, message: `refused ${code}`, detail: { resultCode: code } });
  });

  it('ResultCode 0: continue with Data; nothing but AUTHENTICATE meanwhile; AUTHENTICATE → 1; at most 5 steps', async () => {
    provider.answerNext({ kind: 'json', body: { ResultCode: 0, Data: { need: 'otp' } } });
    const client = await connect();
    const first = await hello(client, 'game', ALICE);
    expect(first).toMatchObject({ authStatus: 'continue', authData: { need: 'otp' } });
    expect(first.userId).toBeUndefined();
    expect((await refusal(client.request({ type: RequestType.CREATE, name: 'too-early' }))).code).toBe('NOT_AUTHENTICATED');
    const done = await client.request({ type: RequestType.AUTHENTICATE, auth: ALICE });
    expect(done).toMatchObject({ authStatus: 'ok', userId: 'u_alice', protocolVersion: PROTOCOL_VERSION });
    expect((await refusal(client.request({ type: RequestType.AUTHENTICATE, auth: ALICE }))).code).toBe('NOT_ALLOWED');

    const stepper = await connect();
    provider.answerNext(...Array.from({ length: 6 }, () => ({ kind: 'json' as const, body: { ResultCode: 0 } })));
    await hello(stepper, 'game', ALICE);
    for (let step = 0; step < 5; step++) expect((await stepper.request({ type: RequestType.AUTHENTICATE, auth: ALICE })).authStatus).toBe('continue');
    expect((await refusal(stepper.request({ type: RequestType.AUTHENTICATE, auth: ALICE }))).code).toBe('NOT_ALLOWED');
    expect(await stepper.closed).toBe(4001);
  });
});

describe('custom authentication: provider unavailable', () => {
  type Fault = { name: string; script: Parameters<TestReceiver['answer']>[0] | undefined; app: 'faulty' | 'refused' };
  const faults: Fault[] = [
    { name: 'timeout (no answer within 5 s)', script: { kind: 'hang' }, app: 'faulty' },
    { name: 'HTTP 500', script: { kind: 'status', status: 500 }, app: 'faulty' },
    { name: 'invalid JSON', script: { kind: 'invalidJson' }, app: 'faulty' },
    { name: 'an answer over 16 KiB', script: { kind: 'huge', bytes: 17 * 1024 }, app: 'faulty' },
    { name: 'a redirect', script: { kind: 'redirect', location: 'https://127.0.0.1:1/' }, app: 'faulty' },
    { name: 'no ResultCode', script: { kind: 'json', body: { UserId: 'x' } }, app: 'faulty' },
    { name: 'connection refused', script: undefined, app: 'refused' },
  ];

  it.each(faults)('$name: AUTH_UNAVAILABLE with rejectIfUnavailable, anonymous without, both in < 6 s', async ({ script, app }) => {
    if (script) faulty.answer(script);
    const strict = await connect();
    const lenient = await connect();
    const started = Date.now();
    const [refused, anonymous] = await Promise.all([
      refusal(hello(strict, app === 'faulty' ? 'strict' : 'refused-strict', ALICE)),
      hello(lenient, app === 'faulty' ? 'lenient' : 'refused-lenient', ALICE),
    ]);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(refused).toMatchObject({ code: 'AUTH_UNAVAILABLE', photonCode: 32755 });
    expect(anonymous).toMatchObject({ authStatus: 'anonymous' });
    expect(anonymous.userId).toMatch(/^anon-/);
    // Anonymous is in: it may create.
    await lenient.request({ type: RequestType.CREATE });
  });

  it('circuit open: after the breaker opens the answer comes at once, without a call', async () => {
    const broken = await startReceiver();
    const { service: small, proxy: smallProxy, url: smallUrl } = await startService({
      apps: { game: { auth: { providers: [{ type: 'custom', url: `${broken.url}/auth` }], ...LOOSE } } },
      egress: { allowedNetworks: ['127.0.0.1/32'], ca: [broken.ca], breakerFailures: 2, breakerOpenMs: 60_000 },
    });
    try {
      broken.answer({ kind: 'status', status: 503 });
      for (let i = 0; i < 2; i++) expect((await refusal(hello(await connect(smallUrl), 'game', ALICE))).code).toBe('AUTH_UNAVAILABLE');
      const calls = broken.requests.length;
      const started = Date.now();
      const refused = await refusal(hello(await connect(smallUrl), 'game', ALICE));
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(refused.code).toBe('AUTH_UNAVAILABLE');
      expect(refused.message).toContain('circuitOpen');
      expect(broken.requests.length).toBe(calls);
    } finally {
      await Promise.allSettled([smallProxy.close(), small.close(), broken.close()]);
    }
  });
});

describe('custom authentication: the connection before and after', () => {
  it('no credentials: AUTH_REQUIRED (32767) unless allowAnonymous; a peer without codes-v2 gets INVALID_REQUEST naming AUTH_REQUIRED', async () => {
    expect(await refusal(hello(await connect(), 'game'))).toMatchObject({ code: 'AUTH_REQUIRED', photonCode: 32767 });
    expect(await refusal(hello(await connect(), 'game', 'a-string-for-the-hook'))).toMatchObject({ code: 'AUTH_REQUIRED' });
    const old = await refusal(hello(await connect(), 'game', undefined, []));
    expect(old.code).toBe('INVALID_REQUEST');
    expect(old.message).toMatch(/^AUTH_REQUIRED: /);
    expect(await hello(await connect(), 'open')).toMatchObject({ authStatus: 'anonymous' });
  });

  it('CREATE before authentication: NOT_AUTHENTICATED; the hello may be retried; 5 refusals close the connection (4001)', async () => {
    const client = await connect();
    await refusal(hello(client, 'game', { params: { user: 'mallory' } }));
    expect((await refusal(client.request({ type: RequestType.CREATE, name: 'sneaky' }))).code).toBe('NOT_AUTHENTICATED');
    expect(await hello(client, 'game', ALICE)).toMatchObject({ authStatus: 'ok' });

    const guesser = await connect();
    for (let i = 0; i < 5; i++) await refusal(hello(guesser, 'game', { params: { user: 'mallory', password: String(i) } }));
    expect(await guesser.closed).toBe(4001);
  });

  it('a valid token authenticates without calling the provider; a tampered one is AUTH_TOKEN_EXPIRED (32753)', async () => {
    const { authToken } = await hello(await connect(), 'game', ALICE);
    const calls = provider.requests.length;
    const again = await hello(await connect(), 'game', { token: authToken! });
    expect(again).toMatchObject({ authStatus: 'ok', userId: 'u_alice', nickname: 'Alice' });
    expect(provider.requests.length).toBe(calls);
    const tampered = `${authToken!.slice(0, -3)}${authToken!.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    expect(await refusal(hello(await connect(), 'game', { token: tampered }))).toMatchObject({ code: 'AUTH_TOKEN_EXPIRED', photonCode: 32753 });
    // A token of this app does not open another app.
    expect((await refusal(hello(await connect(), 'open', { token: authToken! }))).code).toBe('AUTH_TOKEN_EXPIRED');
  });

  it('checkUserOnJoin refuses the same user twice (USER_ALREADY_JOINED, 32746); publishUserId shows user ids to members', async () => {
    const host = await connect();
    await hello(host, 'game', ALICE);
    await host.request({ type: RequestType.CREATE, name: 'checked', publishUserId: true, checkUserOnJoin: true });
    const twin = await connect();
    await hello(twin, 'game', ALICE);
    expect(await refusal(twin.request({ type: RequestType.JOIN, name: 'checked' }))).toMatchObject({ code: 'USER_ALREADY_JOINED', photonCode: 32746 });
    const anon = await connect();
    await hello(anon, 'open');
    const hostOpen = await connect();
    await hello(hostOpen, 'open');
    await hostOpen.request({ type: RequestType.CREATE, name: 'open-room', publishUserId: true });
    const joined = await anon.request({ type: RequestType.JOIN, name: 'open-room' });
    expect(joined.session.peers.every((peer) => typeof peer.userId === 'string' && peer.userId.startsWith('anon-'))).toBe(true);
    const event = await hostOpen.next(EventType.PEER_JOINED);
    expect(event.peer.userId).toMatch(/^anon-/);
  });

  it('the HTTP lobby of an app with custom authentication needs it (401 AUTH_REQUIRED); other apps stay open', async () => {
    const http = url.replace(/^ws/, 'http').replace('/v1/signaling', '');
    const closed = await fetch(`${http}/v1/sessions?appId=game&appVersion=1.4`);
    expect(closed.status).toBe(401);
    expect(await closed.json()).toMatchObject({ code: 'AUTH_REQUIRED' });
    expect((await fetch(`${http}/v1/sessions?appId=free-game&appVersion=1`)).status).toBe(200);
  });

  it('plugins get the attested userId, nickname and AuthCookie of the creator and of a joiner', async () => {
    const host = await connect();
    await hello(host, 'plugged', ALICE);
    await host.request({ type: RequestType.CREATE, name: 'spied' });
    const joiner = await connect();
    await hello(joiner, 'plugged', ALICE);
    await joiner.request({ type: RequestType.JOIN, name: 'spied' });
    expect(pluginSaw).toHaveLength(2);
    for (const peer of pluginSaw) expect(peer).toMatchObject({ userId: 'u_alice', nickname: 'Alice', authCookie: { mark: COOKIE_MARK } });
  });

  it('WebRPC gets the attested identity, and the cookie only server to server', async () => {
    const client = await connect();
    await hello(client, 'game', ALICE);
    const before = provider.requests.length;
    const answer = await client.request({ type: RequestType.RPC, path: 'whoami', sendAuthCookie: true });
    expect(answer).toMatchObject({ resultCode: 0, message: 'seen' });
    const [call] = provider.requests.slice(before);
    expect(call!.json).toMatchObject({ UserId: 'u_alice', AuthCookie: { mark: COOKIE_MARK } });
    expect(call!.signature.validWith).toEqual([0]);
  });

  it('more attempts from one address than the app allows: RATE_LIMITED', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) codes.push(await hello(await connect(), 'limited', ALICE).then((r) => r.authStatus ?? '', (e: SignalingError) => e.reply.code));
    expect(codes.slice(0, 2)).toEqual(['ok', 'ok']);
    expect(codes.slice(2)).toContain('RATE_LIMITED');
  });
});
