// Webhook delivery end to end: retries with the same webhook-id, Retry-After, dead letters and
// their replay through the admin API, per-session order while another session flows, and the
// egress policy keeping a baseUrl on a refused address from ever getting a packet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestType } from '../../../../src/protocol/index.js';
import { buildSessionService, type SessionService } from '../../../../src/index.js';
import { startReceiver, type ReceiverAnswer, type RecordedRequest, type TestReceiver } from '../../../support/https-receiver.js';
import { TestSignalingClient } from '../../../support/signaling-client.js';
import type { DeadLetterView, DeliveryRecord } from '../../../../src/webhooks/delivery-log.js';
import { SECRET, received } from './support.js';

const ADMIN = 'admin-token-0123456789abcdef';
let receiver: TestReceiver;
let service: SessionService;
let url: string;
let http: string;
const clients: TestSignalingClient[] = [];
/** Scripted answers by request path; the rest get 200. */
const script = new Map<string, Array<ReceiverAnswer | ((request: RecordedRequest) => ReceiverAnswer | undefined)>>();

beforeAll(async () => {
  receiver = await startReceiver({ secrets: [SECRET] });
  receiver.answer((request) => {
    const queue = script.get(request.path);
    const next = queue?.[0];
    if (typeof next === 'function') return next(request) ?? { kind: 'status', status: 200 };
    if (next) queue!.shift();
    return next ?? { kind: 'status', status: 200, body: 'thanks' };
  });
  const base = { secrets: [SECRET], baseUrl: `${receiver.url}` };
  service = buildSessionService({
    adminToken: ADMIN,
    egress: { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca] },
    apps: {
      retry: { webhooks: { ...base, baseUrl: `${receiver.url}/retry`, events: ['session.created'] } },
      order: { webhooks: { ...base, baseUrl: `${receiver.url}/order`, retry: { scheduleMs: Array(20).fill(100) } } },
      legacy: { webhooks: { ...base, baseUrl: `${receiver.url}/legacy`, events: ['session.created'], legacySecretHeader: true, customHeaders: { 'X-Game': 'dust' } } },
    },
  });
  const bound = await service.listen();
  url = `ws://127.0.0.1:${bound.port}/v1/signaling`;
  http = `http://127.0.0.1:${bound.port}`;
});
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  await service.close();
  await receiver.close();
});

const client = async (appId: string) => {
  const made = await TestSignalingClient.hello(url, appId);
  clients.push(made);
  return made;
};
/** Any of the admin endpoints' answers. */
interface AdminAnswer {
  deliveries: DeliveryRecord[];
  deadLetters: DeadLetterView[];
  delivery: DeliveryRecord;
  replayed?: string;
}
const seqOf = (request: RecordedRequest): number => (request.json as { session: { seq: number } }).session.seq;
const typeOf = (request: RecordedRequest): string => (request.json as { type: string }).type;

const admin = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${http}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...init.headers } });
  return { status: response.status, body: (await response.json()) as AdminAnswer };
};

describe('webhook delivery', () => {
  it('500, then 503 with Retry-After, then 200: one delivery, three attempts with the same webhook-id', async () => {
    script.set('/retry/session/created', [{ kind: 'status', status: 500 }, { kind: 'status', status: 503, headers: { 'retry-after': '1' } }]);
    const started = Date.now();
    const server = await client('retry');
    const { session } = await server.request({ type: RequestType.CREATE, name: 'r1' });
    const got = await received(receiver, (r) => r.path === '/retry/session/created', 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests.filter((r) => r.path === '/retry/session/created')).toHaveLength(3);
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(got.map((r) => r.headers['x-punchthrough-attempt'])).toEqual(['1', '2', '3']);
    for (const request of got) expect(request.signature.validWith).toEqual([0]);
    // The body is rendered once: every attempt carries the same bytes.
    expect(new Set(got.map((r) => r.text)).size).toBe(1);
    // Retry-After: 1 was honoured after the 503 (the schedule's first step is ~1 s after the 500).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_700);
    const log = await admin(`/v1/admin/deliveries?sessionId=${session.sessionId}`);
    expect(log.status).toBe(200);
    expect(log.body.deliveries.map((d) => [d.attempt, d.status, d.outcome])).toEqual([
      [1, 500, 'retry'],
      [2, 503, 'retry'],
      [3, 200, 'delivered'],
    ]);
    expect(log.body.deliveries[2]).toMatchObject({ id: got[0]!.headers['webhook-id'], type: 'session.created', seq: 1, path: '/retry/session/created', appId: 'retry', answer: 'thanks' });
  });

  it('400 is permanent: a dead letter after one attempt; replay through the admin API sends the same id', async () => {
    script.set('/retry/session/created', [{ kind: 'status', status: 400, body: 'bad payload' }]);
    const before = receiver.requests.length;
    const server = await client('retry');
    await server.request({ type: RequestType.CREATE, name: 'r2' });
    const [first] = (await received(receiver, (r) => r.path === '/retry/session/created', before + 1)).slice(-1);
    const id = first!.headers['webhook-id']!;
    let dead: DeadLetterView[] = [];
    for (let i = 0; i < 50 && dead.length === 0; i++) {
      dead = (await admin('/v1/admin/dead-letters?appId=retry')).body.deadLetters.filter((d) => d.id === id);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(dead).toEqual([expect.objectContaining({ id, type: 'session.created', reason: 'HTTP 400', attempts: 1, path: '/retry/session/created' })]);
    expect(receiver.requests.filter((r) => r.headers['webhook-id'] === id)).toHaveLength(1);
    expect((await admin('/v1/admin/dead-letters/evt_nothing/replay', { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await admin(`/v1/admin/dead-letters/${id}/replay`, { method: 'POST', body: '{}' })).body).toEqual({ replayed: id });
    const replays = await received(receiver, (r) => r.headers['webhook-id'] === id, 2);
    expect(replays[1]!.text).toBe(replays[0]!.text);
    expect(replays[1]!.signature.validWith).toEqual([0]);
    expect((await admin('/v1/admin/dead-letters?appId=retry')).body.deadLetters.some((d) => d.id === id)).toBe(false);
  });

  it('admin endpoints need the bearer token; the test send posts a signed sample', async () => {
    expect((await fetch(`${http}/v1/admin/deliveries`)).status).toBe(401);
    expect((await fetch(`${http}/v1/admin/deliveries`, { headers: { authorization: 'Bearer wrong-token-0123456789abc' } })).status).toBe(401);
    expect((await admin('/v1/admin/deliveries?limit=0')).status).toBe(400);
    const test = await admin('/v1/admin/webhooks/test', { method: 'POST', body: JSON.stringify({ appId: 'legacy', type: 'peer.left' }) });
    expect(test.status).toBe(200);
    expect(test.body.delivery).toMatchObject({ type: 'peer.left', status: 200, outcome: 'test', path: '/legacy/peer/left' });
    const request = receiver.requests.find((r) => r.headers['webhook-id'] === test.body.delivery.id)!;
    expect(request.signature.validWith).toEqual([0]);
    expect(request.json).toMatchObject({ type: 'peer.left', data: { reason: 'left' } });
    // Legacy Fusion header and the operator's own headers.
    expect(request.headers).toMatchObject({ 'x-secretkey': SECRET, 'x-origin': 'Photon', 'x-game': 'dust' });
    expect((await admin('/v1/admin/webhooks/test', { method: 'POST', body: JSON.stringify({ appId: 'none', type: 'peer.left' }) })).status).toBe(404);
    expect((await admin('/v1/admin/webhooks/test', { method: 'POST', body: JSON.stringify({ appId: 'legacy', type: 'peer.beforeJoin' }) })).status).toBe(400);
  });

  it("one session's failing event holds back that session's later events while another session's flow", async () => {
    const a = await client('order');
    const { session: sa } = await a.request({ type: RequestType.CREATE, name: 'order-a', playerTtlMs: 0 });
    const b = await client('order');
    const { session: sb } = await b.request({ type: RequestType.CREATE, name: 'order-b', playerTtlMs: 0 });
    await received(receiver, (r) => r.path === '/order/session/created', 2);
    // Session A's first join fails for one second.
    let failUntil = 0;
    script.set('/order/peer/joined', [
      (request) => {
        if (request.headers['x-punchthrough-session'] !== sa.sessionId) return undefined;
        if (failUntil === 0) failUntil = Date.now() + 1_000;
        return Date.now() < failUntil ? { kind: 'status', status: 503 } : undefined;
      },
    ]);
    const joinA = await client('order');
    await joinA.request({ type: RequestType.JOIN, name: 'order-a' });
    await joinA.request({ type: RequestType.LEAVE });
    const joinB = await client('order');
    await joinB.request({ type: RequestType.JOIN, name: 'order-b' });
    await joinB.request({ type: RequestType.LEAVE });
    await a.request({ type: RequestType.LEAVE });
    await b.request({ type: RequestType.LEAVE });
    const of = (sessionId: string) => (r: RecordedRequest) => r.path.startsWith('/order/') && r.headers['x-punchthrough-session'] === sessionId;
    await received(receiver, (r) => of(sa.sessionId)(r) && typeOf(r) === 'session.closed', 1, 10_000);
    const seqs = (sessionId: string) => receiver.requests.filter(of(sessionId)).map(seqOf);
    // B: created, joined, left, left (server), closed — each once, in order, while A's join was failing.
    expect(seqs(sb.sessionId)).toEqual([1, 2, 3, 4, 5]);
    const aRequests = receiver.requests.filter(of(sa.sessionId));
    const firstOkJoin = aRequests.findLast((r) => seqOf(r) === 2)!;
    const bDone = receiver.requests.indexOf(receiver.requests.filter(of(sb.sessionId)).at(-1)!);
    expect(bDone).toBeLessThan(receiver.requests.indexOf(firstOkJoin));
    // A: seq 2 several times (the same id), then 3, 4, 5 only after it.
    const aSeqs = seqs(sa.sessionId);
    expect(aSeqs.filter((seq) => seq === 2).length).toBeGreaterThanOrEqual(3);
    expect(aSeqs.filter((seq) => seq !== 2)).toEqual([1, 3, 4, 5]);
    expect(aSeqs.indexOf(3)).toBeGreaterThan(aSeqs.lastIndexOf(2));
    expect(new Set(aRequests.filter((r) => seqOf(r) === 2).map((r) => r.headers['webhook-id'])).size).toBe(1);
  });
});

describe('webhooks and the egress policy', () => {
  it('a baseUrl on a refused address (loopback, not allowed) never gets a packet: dead-lettered as blocked', async () => {
    const watched = await startReceiver({ secrets: [SECRET] });
    const guarded = buildSessionService({ adminToken: ADMIN, apps: { ssrf: { webhooks: { baseUrl: watched.url, secrets: [SECRET] } } } });
    try {
      const bound = await guarded.listen();
      const server = await TestSignalingClient.hello(`ws://127.0.0.1:${bound.port}/v1/signaling`, 'ssrf');
      clients.push(server);
      await server.request({ type: RequestType.CREATE, name: 'ssrf' });
      await server.request({ type: RequestType.LEAVE });
      let dead: DeadLetterView[] = [];
      for (let i = 0; i < 100 && dead.length < 3; i++) {
        const response = await fetch(`http://127.0.0.1:${bound.port}/v1/admin/dead-letters`, { headers: { authorization: `Bearer ${ADMIN}` } });
        dead = ((await response.json()) as AdminAnswer).deadLetters;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(dead.map((d) => [d.type, d.reason])).toEqual([
        ['session.created', 'blocked'],
        ['peer.left', 'blocked'],
        ['session.closed', 'blocked'],
      ]);
      expect(watched.requests).toHaveLength(0);
    } finally {
      await guarded.close();
      await watched.close();
    }
  });
});
