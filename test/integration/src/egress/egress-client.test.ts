// The egress client against a real local HTTPS receiver: TLS with a given CA, Standard Webhooks
// signatures checked by the `standardwebhooks` package, identity headers, deadlines against slow
// and silent receivers, the response cap, resets, abort and close.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnv } from '../../../../core/index.js';
import { createEgressClient, generateWebhookSecret, type EgressClientOptions, type EgressRequest } from '../../../../src/egress/index.js';
import { startReceiver, type TestReceiver } from '../../../support/https-receiver.js';
import { randomBytes } from 'node:crypto';

const env = createEnv();
const SECRET = generateWebhookSecret(randomBytes);
const NEXT_SECRET = generateWebhookSecret(randomBytes);
let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await startReceiver({ secrets: [SECRET, NEXT_SECRET] });
});
afterAll(async () => {
  await receiver.close();
});

const LOOPBACK = ['127.0.0.1/32', '::1/128'];
const client = (options: EgressClientOptions = {}) => createEgressClient(env, { allowedNetworks: LOOPBACK, ca: [receiver.ca], ...options });
const post = (path: string, extra: Partial<EgressRequest> = {}): EgressRequest => ({
  url: `${receiver.url}${path}`,
  method: 'POST',
  body: new TextEncoder().encode(JSON.stringify({ UserId: 'u1', token: 'abc' })),
  deadline: env.clock.now() + 5_000,
  maxResponseBytes: 64 * 1024,
  purpose: 'auth',
  ...extra,
});

describe('egress client: TLS', () => {
  it('reaches an HTTPS receiver with a self-signed certificate when its CA is given', async () => {
    const egress = client();
    receiver.answerNext({ kind: 'json', body: { ResultCode: 1, UserId: 'u1' } });
    const result = await egress.send(post('/auth'));
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.ok && JSON.parse(new TextDecoder().decode(result.body))).toEqual({ ResultCode: 1, UserId: 'u1' });
    await egress.close();
  });

  it('fails `tls` when the CA is not given, before any request is sent', async () => {
    const egress = client({ ca: [] });
    const before = receiver.requests.length;
    expect(await egress.send(post('/auth'))).toMatchObject({ ok: false, failure: 'tls' });
    expect(receiver.requests.length).toBe(before);
    await egress.close();
  });

  it('checks the certificate against the DNS name (SNI) when a name is resolved and pinned', async () => {
    const egress = client({ lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect(await egress.send({ ...post('/auth'), url: `${receiver.localhostUrl}/auth` })).toMatchObject({ ok: true, status: 200 });
    expect(receiver.requests.at(-1)?.headers.host).toBe(`localhost:${receiver.port}`);
    // A name the certificate does not carry fails TLS even though the address is the same.
    const wrong = await egress.send({ ...post('/auth'), url: `https://backend.test:${receiver.port}/auth` });
    expect(wrong).toMatchObject({ ok: false, failure: 'tls' });
    await egress.close();
  });
});

describe('egress client: signing and identity', () => {
  it('signs with Standard Webhooks; the standardwebhooks package verifies the signature', async () => {
    const egress = client();
    expect(await egress.send(post('/signed', { sign: { id: 'evt_01J', secrets: [SECRET] } }))).toMatchObject({ ok: true });
    const request = receiver.requests.at(-1)!;
    expect(request.headers['webhook-id']).toBe('evt_01J');
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    expect(request.signature).toMatchObject({ present: true, validWith: [0] });
    expect(request.json).toEqual({ UserId: 'u1', token: 'abc' });
    expect(request.headers['content-type']).toBe('application/json');
    await egress.close();
  });

  it('during a rotation, two secrets give two signatures, each verifying', async () => {
    const egress = client();
    await egress.send(post('/rotated', { sign: { id: 'evt_rot', secrets: [NEXT_SECRET, SECRET] } }));
    const request = receiver.requests.at(-1)!;
    expect(request.signature.entries).toHaveLength(2);
    expect(request.signature.validWith).toEqual([0, 1]);
    await egress.close();
  });

  it('a GET signs the empty body and carries the query', async () => {
    const egress = client();
    const result = await egress.send({ ...post('/get?user=u1&token=abc'), method: 'GET', body: undefined, sign: { id: 'evt_get', secrets: [SECRET] } });
    expect(result).toMatchObject({ ok: true });
    const request = receiver.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'GET', path: '/get', query: { user: 'u1', token: 'abc' }, text: '' });
    expect(request.signature.validWith).toEqual([0]);
    await egress.close();
  });

  it('an unsigned request fails a receiver that requires signatures', async () => {
    const strict = await startReceiver({ secrets: [SECRET], requireSignature: true });
    const egress = client();
    expect(await egress.send({ ...post('/x'), url: `${strict.url}/x` })).toMatchObject({ ok: true, status: 401 });
    expect(await egress.send({ ...post('/x'), url: `${strict.url}/x`, sign: { id: 'e1', secrets: [NEXT_SECRET] } })).toMatchObject({ ok: true, status: 401 });
    expect(await egress.send({ ...post('/x'), url: `${strict.url}/x`, sign: { id: 'e2', secrets: [SECRET] } })).toMatchObject({ ok: true, status: 200 });
    await egress.close();
    await strict.close();
  });

  it('sends user-agent punchthrough/<version>, x-punchthrough-node and the caller headers; refuses restricted ones', async () => {
    const egress = client({ nodeId: 'node-a' });
    await egress.send(post('/ua', { headers: { 'X-Api-Key': 'k1', 'x-punchthrough-event': 'rpc', 'content-type': 'application/json; charset=utf-8' } }));
    const { headers } = receiver.requests.at(-1)!;
    expect(headers['user-agent']).toMatch(/^punchthrough\/\d+\.\d+\.\d+/);
    expect(headers['x-punchthrough-node']).toBe('node-a');
    expect(headers['x-api-key']).toBe('k1');
    expect(headers['x-punchthrough-event']).toBe('rpc');
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    const before = receiver.requests.length;
    expect(await egress.send(post('/ua', { headers: { 'Webhook-Signature': 'v1,forged' } }))).toMatchObject({ ok: false, failure: 'blocked' });
    expect(await egress.send(post('/ua', { headers: { Host: 'evil.example' } }))).toMatchObject({ ok: false, failure: 'blocked' });
    expect(await egress.send(post('/ua', { headers: { 'x-punchthrough-node': 'spoofed' } }))).toMatchObject({ ok: false, failure: 'blocked' });
    expect(receiver.requests.length).toBe(before);
    await egress.close();
  });
});

describe('egress client: deadlines, caps and cuts', () => {
  it('cuts a slow-loris body at the deadline and answers within deadline + a small margin', async () => {
    const egress = client();
    receiver.answerNext({ kind: 'trickle', intervalMs: 50 });
    const started = Date.now();
    const result = await egress.send(post('/slow', { deadline: env.clock.now() + 800 }));
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ ok: false, failure: 'timeout', detail: expect.stringContaining('reading the body') });
    expect(elapsed).toBeGreaterThanOrEqual(790);
    expect(elapsed).toBeLessThan(800 + 500);
    await egress.close();
  });

  it('cuts a receiver that never answers at the deadline', async () => {
    const egress = client();
    receiver.answerNext({ kind: 'hang' });
    const started = Date.now();
    expect(await egress.send(post('/hang', { deadline: env.clock.now() + 500 }))).toMatchObject({ ok: false, failure: 'timeout', detail: expect.stringContaining('waiting for the answer') });
    expect(Date.now() - started).toBeLessThan(500 + 500);
    await egress.close();
  });

  it('counts queue wait against the deadline', async () => {
    const egress = client({ maxConcurrentPerOrigin: 1 });
    receiver.answerNext({ kind: 'hang' });
    const blocker = egress.send(post('/first', { deadline: env.clock.now() + 1_500 }));
    const started = Date.now();
    const queued = await egress.send(post('/second', { deadline: env.clock.now() + 400 }));
    expect(queued).toMatchObject({ ok: false, failure: 'timeout', detail: expect.stringContaining('queued') });
    expect(Date.now() - started).toBeLessThan(400 + 500);
    expect(await blocker).toMatchObject({ ok: false, failure: 'timeout' });
    await egress.close();
  });

  it('stops reading a 2 MiB body at maxResponseBytes (tooLarge), chunked or declared', async () => {
    const egress = client();
    receiver.answerNext({ kind: 'huge', bytes: 2 * 1024 * 1024 }, { kind: 'huge', bytes: 2 * 1024 * 1024, declareLength: true });
    expect(await egress.send(post('/huge', { maxResponseBytes: 64 * 1024 }))).toMatchObject({ ok: false, failure: 'tooLarge' });
    expect(await egress.send(post('/huge', { maxResponseBytes: 64 * 1024 }))).toMatchObject({ ok: false, failure: 'tooLarge' });
    receiver.answerNext({ kind: 'huge', bytes: 1000 });
    expect(await egress.send(post('/fits', { maxResponseBytes: 1000 }))).toMatchObject({ ok: true, status: 200 });
    await egress.close();
  });

  it('a connection reset after the headers is a `connect` failure; invalid JSON is the caller’s to judge', async () => {
    const egress = client();
    receiver.answerNext({ kind: 'resetAfterHeaders' }, { kind: 'invalidJson' });
    expect(await egress.send(post('/reset'))).toMatchObject({ ok: false, failure: 'connect' });
    const invalid = await egress.send(post('/bad-json'));
    expect(invalid).toMatchObject({ ok: true, status: 200 });
    await egress.close();
  });

  it('a refused connection fails `connect`', async () => {
    const gone = await startReceiver({ tls: false });
    await gone.close();
    const egress = client({ allowInsecureHttp: true });
    expect(await egress.send({ ...post('/x'), url: `${gone.url}/x` })).toMatchObject({ ok: false, failure: 'connect' });
    await egress.close();
  });

  it('the caller’s signal aborts a call (`aborted`), before or during it', async () => {
    const egress = client();
    receiver.answerNext({ kind: 'hang' });
    const controller = new AbortController();
    const call = egress.send(post('/abort', { signal: controller.signal }));
    await receiver.waitForRequests(receiver.requests.length);
    setTimeout(() => controller.abort(), 100);
    expect(await call).toMatchObject({ ok: false, failure: 'aborted' });
    expect(await egress.send(post('/abort', { signal: controller.signal }))).toMatchObject({ ok: false, failure: 'aborted' });
    await egress.close();
  });

  it('close() ends calls in flight as aborted, and later calls fail at once', async () => {
    const egress = client();
    receiver.answerNext({ kind: 'hang' });
    const call = egress.send(post('/closing'));
    setTimeout(() => void egress.close(), 100);
    expect(await call).toMatchObject({ ok: false, failure: 'aborted' });
    expect(await egress.send(post('/after'))).toMatchObject({ ok: false, failure: 'aborted' });
  });

  it('never throws on hostile input', async () => {
    const egress = client();
    for (const bad of [null, {}, { url: 42 }, { ...post('/x'), method: 'TRACE' }, { ...post('/x'), deadline: Number.NaN }, { ...post('/x'), maxResponseBytes: -1 }, { ...post('/x'), body: 'text' }, { ...post('/x'), sign: { id: 'e', secrets: ['nope'] } }]) {
      expect(await egress.send(bad as EgressRequest)).toMatchObject({ ok: false, failure: 'blocked' });
    }
    await egress.close();
  });
});

describe('egress keep-alive', () => {
  it('reuses one connection for calls in turn, opens more for calls at once, and closes them all on close()', async () => {
    const env = createEnv();
    const receiver = await startReceiver();
    const egress = createEgressClient(env, { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca] });
    try {
      const post = (path: string) => egress.send({ url: `${receiver.url}${path}`, method: 'POST', body: new TextEncoder().encode('{}'), deadline: env.clock.now() + 5_000, maxResponseBytes: 4096, purpose: 'webhook' });
      for (let i = 0; i < 5; i++) expect(await post(`/one/${i}`)).toMatchObject({ ok: true, status: 200 });
      expect(receiver.connections().accepted).toBe(1);
      const together = await Promise.all([post('/a'), post('/b'), post('/c')]);
      expect(together.every((result) => result.ok)).toBe(true);
      expect(receiver.connections().accepted).toBeGreaterThan(1);
      expect(receiver.connections().accepted).toBeLessThanOrEqual(3);
      // A call that fails mid-way does not leave its socket to the next call.
      receiver.answerNext({ kind: 'resetAfterHeaders' });
      expect(await post('/reset')).toMatchObject({ ok: false });
      expect(await post('/after')).toMatchObject({ ok: true, status: 200 });
    } finally {
      await egress.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.connections().open).toBe(0);
    await receiver.close();
  });
});
