// WebRPC end to end: the real service, a real SDK runner and raw WebSocket clients, and a real
// HTTPS backend that checks our signatures with the standardwebhooks package.
import fc from 'fast-check';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkRunner } from '../../../../client-sdk/index.js';
import { RequestType } from '../../../../src/protocol/index.js';
import { buildSessionService, type SessionService } from '../../../../src/index.js';
import { startReceiver, type TestReceiver } from '../../../support/https-receiver.js';
import { SignalingError, TestSignalingClient } from '../../../support/signaling-client.js';
import { createWebRpcBackend } from '../../../../examples/backends/webrpc-backend.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER_SECRET = 'whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXk=';
let receiver: TestReceiver;
let service: SessionService;
let url: string;
let cloudUrl: string;
const runners: NetworkRunner[] = [];

beforeAll(async () => {
  receiver = await startReceiver({ secrets: [SECRET] });
  receiver.answer({ kind: 'json', body: { ResultCode: 0 } });
  const http = { baseUrl: `${receiver.url}/photon/{AppId}?key=k`, secrets: [SECRET] };
  service = buildSessionService({
    region: 'EU',
    egress: { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca] },
    apps: {
      game: { rpc: { http, handlers: { Ping: (context) => ({ resultCode: 0, data: { pong: context.appId } }) } } },
      shop: { rpc: { http: { ...http, methods: ['Shop/*'] } } },
      burst: { rpc: { http, perConnection: { perSecond: 0.001, burst: 10 } } },
    },
  });
  const bound = await service.listen();
  url = `ws://127.0.0.1:${bound.port}/v1/signaling`;
  cloudUrl = `http://127.0.0.1:${bound.port}`;
});
afterAll(async () => {
  await Promise.allSettled(runners.map((runner) => runner.shutdown()));
  await service.close();
  await receiver.close();
});

const runner = (appId = 'game') => {
  const made = new NetworkRunner({ cloudUrl, appId, appVersion: 'client-x.y.z', bindAddress: '127.0.0.1' });
  runners.push(made);
  return made;
};

describe('WebRPC', () => {
  it("posts seed 003's three examples in Photon's shape, signed, and hands back the backend's answer", async () => {
    const game = runner();
    const head = { AppId: 'game', AppVersion: 'client-x.y.z', Region: 'EU', UserId: '' };
    const cases = [
      { params: { key1: 1, key2: 'yx', key3: true }, body: { ...head, key1: 1, key2: 'yx', key3: true } },
      { params: [0, 'xy', false], body: { ...head, RpcParams: [0, 'xy', false] } },
      { params: 'test', body: { ...head, RpcParams: 'test' } },
    ];
    for (const { params, body } of cases) {
      receiver.answerNext({ kind: 'json', body: { ResultCode: '0', Data: { got: true } } });
      await expect(game.rpc('method?id=1', params)).resolves.toEqual({ resultCode: 0, data: { got: true } });
      const request = receiver.requests.at(-1)!;
      expect(request).toMatchObject({ method: 'POST', path: '/photon/game/method', query: { id: '1', key: 'k' } });
      expect(request.json).toEqual(body);
      expect(Object.keys(request.json as object)).toEqual(Object.keys(body));
      expect(request.signature.validWith).toEqual([0]);
      expect(request.headers).toMatchObject({ 'x-punchthrough-event': 'rpc', 'content-type': 'application/json' });
      expect(request.headers['idempotency-key']).toMatch(/^rpc_/);
    }
  });

  it('any ResultCode is a successful reply with its Message; an in-process handler answers without HTTP', async () => {
    const game = runner();
    receiver.answerNext({ kind: 'json', body: { ResultCode: 7, Message: 'not enough gold' } });
    await expect(game.rpc('Buy', { item: 3 })).resolves.toEqual({ resultCode: 7, message: 'not enough gold' });
    const seen = receiver.requests.length;
    await expect(game.rpc('Ping')).resolves.toEqual({ resultCode: 0, data: { pong: 'game' } });
    expect(receiver.requests.length).toBe(seen);
  });

  it.each([
    ['HTTP 500', { kind: 'status', status: 500 }],
    ['invalid JSON', { kind: 'invalidJson' }],
    ['no ResultCode', { kind: 'json', body: { Message: 'hi' } }],
    ['a 70 KiB answer', { kind: 'huge', bytes: 70 * 1024 }],
    ['a 15 KiB answer that fits no frame', { kind: 'json', body: { ResultCode: 0, Data: 'x'.repeat(16_400) } }],
    ['a redirect', { kind: 'redirect', location: 'https://127.0.0.1:1/elsewhere' }],
  ] as const)('%s is EXTERNAL_HTTP_FAILED (32744), at once', async (_name, answer) => {
    const client = await TestSignalingClient.hello(url);
    receiver.answerNext(answer);
    const started = Date.now();
    const error = await client.request({ type: RequestType.RPC, path: 'Get' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignalingError);
    expect((error as SignalingError).reply).toMatchObject({ code: 'EXTERNAL_HTTP_FAILED', photonCode: 32744 });
    expect(Date.now() - started).toBeLessThan(6_000);
    await client.close();
  });

  it('a backend that never answers is EXTERNAL_HTTP_FAILED within the 5 s deadline, well inside the SDK timeout', async () => {
    const game = runner();
    receiver.answerNext({ kind: 'hang' });
    const started = Date.now();
    await expect(game.rpc('Slow')).rejects.toMatchObject({ code: 'EXTERNAL_HTTP_FAILED' });
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('refuses a path outside the allow-list or the grammar with RPC_NOT_FOUND, before any HTTP', async () => {
    const shop = runner('shop');
    const seen = receiver.requests.length;
    await expect(shop.rpc('Admin/reset')).rejects.toMatchObject({ code: 'RPC_NOT_FOUND', photonCode: -2 });
    await expect(runner().rpc('../admin')).rejects.toMatchObject({ code: 'RPC_NOT_FOUND' });
    await expect(runner('other').rpc('Ping')).rejects.toMatchObject({ code: 'RPC_NOT_FOUND' });
    expect(receiver.requests.length).toBe(seen);
  });

  it('the 11th call of a burst on one connection is HTTP_LIMIT_REACHED, and the backend saw 10', async () => {
    const client = await TestSignalingClient.hello(url, 'burst');
    const seen = receiver.requests.length;
    const results = await Promise.allSettled(Array.from({ length: 11 }, () => client.request({ type: RequestType.RPC, path: 'Tick' })));
    expect(results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as SignalingError).reply.code))).toEqual([...Array(10).fill('ok'), 'HTTP_LIMIT_REACHED']);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect((refused?.reason as SignalingError).reply).toMatchObject({ code: 'HTTP_LIMIT_REACHED', photonCode: 32745 });
    expect(receiver.requests.length).toBe(seen + 10);
    await client.close();
  });

  it('1,000 hostile paths never reach anything but the base URL', async () => {
    // Plain HTTP here: the test is about where calls go, and a thousand TLS handshakes only cost time.
    const plain = await startReceiver({ tls: false });
    plain.answer({ kind: 'json', body: { ResultCode: 0 } });
    const rpc = { http: { baseUrl: `${plain.url}/photon/{AppId}?key=k`, secrets: [SECRET] }, perConnection: { perSecond: 1e6, burst: 1e6 }, perApp: { maxInFlight: 1e6, perSecond: 1e6 } };
    // The signaling rate limit (an unanswerable RATE_LIMITED) is lifted: every path must get its answer.
    const cloud = buildSessionService({
      egress: { allowedNetworks: ['127.0.0.1/32'], allowInsecureHttp: true },
      apps: { fuzz: { rpc } },
      requestsPerSecond: 100_000,
      requestBurst: 100_000,
    });
    const bound = await cloud.listen();
    const clients = await Promise.all(Array.from({ length: 10 }, () => TestSignalingClient.hello(`ws://127.0.0.1:${bound.port}/v1/signaling`, 'fuzz')));
    const paths = fc.sample(
      fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.webPath(),
        fc.webUrl(),
        fc.stringMatching(/^[A-Za-z0-9_./%?=&@:\\#-]{1,40}$/),
        fc.constantFrom('../admin', '%2e%2e/x', '//evil.test/x', 'http://evil.test', 'a@evil.test', 'a\\..\\b', 'a/./b', '.%2e/x'),
      ),
      { numRuns: 1_000, seed: 15 },
    );
    // Ten connections, a hundred paths each (one connection's requests run one after another).
    await Promise.all(
      clients.map(async (client, i) => {
        for (const path of paths.slice(i * 100, i * 100 + 100)) await client.request({ type: RequestType.RPC, path }).catch(() => undefined);
      }),
    );
    expect(plain.requests.length).toBeGreaterThan(50);
    for (const request of plain.requests) expect(request.path.startsWith('/photon/fuzz/')).toBe(true);
    await Promise.all(clients.map((client) => client.close()));
    await cloud.close();
    await plain.close();
  }, 60_000);
});

describe('the example backend of docs/webrpc.md', () => {
  it('answers a runner through the cloud, and refuses a call whose signature does not verify', async () => {
    const backend = createWebRpcBackend(SECRET, { GetGameList: (body, query) => ({ ResultCode: 0, Data: { for: body.UserId ?? null, mode: query.get('mode') } }) });
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
    const { port } = backend.address() as AddressInfo;
    const rpc = (secret: string) => ({ http: { baseUrl: `http://127.0.0.1:${port}`, secrets: [secret] } });
    const cloud = buildSessionService({ egress: { allowedNetworks: ['127.0.0.1/32'], allowInsecureHttp: true }, apps: { good: { rpc: rpc(SECRET) }, bad: { rpc: rpc(OTHER_SECRET) } } });
    const bound = await cloud.listen();
    const make = (appId: string) => new NetworkRunner({ cloudUrl: `http://127.0.0.1:${bound.port}`, appId, bindAddress: '127.0.0.1' });
    const [good, bad] = [make('good'), make('bad')];
    try {
      await expect(good.rpc('GetGameList?mode=ranked')).resolves.toEqual({ resultCode: 0, data: { for: '', mode: 'ranked' } });
      await expect(bad.rpc('GetGameList')).rejects.toMatchObject({ code: 'EXTERNAL_HTTP_FAILED', message: expect.stringContaining('HTTP 401') });
    } finally {
      await Promise.allSettled([good.shutdown(), bad.shutdown()]);
      await cloud.close();
      backend.close();
    }
  });
});
