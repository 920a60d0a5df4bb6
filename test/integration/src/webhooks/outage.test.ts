// A game's backend down for "10 minutes", then back: every notification arrives, in order per
// session, each exactly once after de-duplication by webhook-id. Time is scaled 1:1000 in the
// app's configuration (the default schedule 1 s … 30 min becomes 1 ms … 1.8 s, the 1 h horizon
// 3.6 s, the egress breaker's 10 s open time 10 ms), so the outage is 600 ms of real time with the
// real clock, the real service and a real HTTPS receiver stopped (connection refused) and started
// again on the same port. A ManualClock would stop the service's heartbeats as well.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestType } from '../../../../src/protocol/index.js';
import { buildSessionService, type SessionService } from '../../../../src/index.js';
import { WEBHOOK_MAX_AGE_MS, WEBHOOK_RETRY_SCHEDULE_MS } from '../../../../src/webhooks/index.js';
import { startReceiver, type RecordedRequest, type TestReceiver } from '../../../support/https-receiver.js';
import { TestSignalingClient } from '../../../support/signaling-client.js';
import { SECRET } from './support.js';

const SCALE = 1 / 1_000;
const OUTAGE_MS = 10 * 60_000 * SCALE;
let receiver: TestReceiver;
let service: SessionService;
let url: string;
const clients: TestSignalingClient[] = [];
/** Everything every receiver instance got. */
const all: RecordedRequest[] = [];

beforeAll(async () => {
  receiver = await startReceiver({ secrets: [SECRET] });
  service = buildSessionService({
    adminToken: 'admin-token-0123456789abcdef',
    egress: { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca], breakerOpenMs: 10_000 * SCALE },
    apps: {
      game: {
        webhooks: {
          baseUrl: receiver.url,
          secrets: [SECRET],
          retry: { scheduleMs: WEBHOOK_RETRY_SCHEDULE_MS.map((ms) => ms * SCALE), maxAgeMs: WEBHOOK_MAX_AGE_MS * SCALE },
        },
      },
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

const hello = async () => {
  const client = await TestSignalingClient.hello(url, 'game');
  clients.push(client);
  return client;
};

describe('webhooks through a backend outage', () => {
  it('every event is delivered after the backend comes back, in order per session, each exactly once by id', async () => {
    const port = receiver.port;
    all.push(...receiver.requests);
    await receiver.close();
    const outageStarted = Date.now();
    // Three games while the backend is down: created, joined ×2, left ×2, left (server), closed.
    const sessions: string[] = [];
    for (let game = 0; game < 3; game++) {
      const server = await hello();
      const { session } = await server.request({ type: RequestType.CREATE, name: `outage-${game}`, playerTtlMs: 0 });
      sessions.push(session.sessionId);
      for (let i = 0; i < 2; i++) {
        const player = await hello();
        await player.request({ type: RequestType.JOIN, name: `outage-${game}` });
        await player.request({ type: RequestType.LEAVE });
      }
      await server.request({ type: RequestType.LEAVE });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - outageStarted))));
    receiver = await startReceiver({ secrets: [SECRET], port });
    const expected = sessions.length * 7;
    const deadline = Date.now() + 15_000;
    const unique = () => new Map([...all, ...receiver.requests].map((r) => [r.headers['webhook-id'], r]));
    while (unique().size < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const requests = [...all, ...receiver.requests];
    const byId = unique();
    expect(byId.size).toBe(expected);
    for (const request of requests) expect(request.signature.validWith).toEqual([0]);
    for (const sessionId of sessions) {
      const seen = requests.filter((r) => r.headers['x-punchthrough-session'] === sessionId);
      // In order per session, duplicates (if any) only with the same id and right after themselves.
      const seqs = seen.map((r) => (r.json as { session: { seq: number } }).session.seq);
      const firstSeen = seqs.filter((seq, i) => seqs.indexOf(seq) === i);
      expect(firstSeen).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      expect(new Set(seen.map((r) => r.headers['webhook-id'])).size).toBe(7);
      expect(seen.map((r) => (r.json as { type: string }).type).filter((_, i) => seqs.indexOf(seqs[i]!) === i)).toEqual([
        'session.created',
        'peer.joined',
        'peer.left',
        'peer.joined',
        'peer.left',
        'peer.left',
        'session.closed',
      ]);
    }
    const dead = await fetch(`${url.replace('ws:', 'http:').replace('/v1/signaling', '')}/v1/admin/dead-letters`, { headers: { authorization: 'Bearer admin-token-0123456789abcdef' } });
    expect(((await dead.json()) as { deadLetters: unknown[] }).deadLetters).toEqual([]);
  });
});
