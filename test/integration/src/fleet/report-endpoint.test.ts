// POST /v1/relays/report and GET /v1/admin/relays on a real cloud: the token, hostile bodies, the rate bound, and tickets for the chosen relay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicketVerifier, deriveRelayKey } from '../../../../relay/index.js';
import { createCloud, type Cloud, type CloudWithoutEmbeddedRelay } from '../../../../src/index.js';
import { EventType, RequestType } from '../../../../src/protocol/index.js';
import { TestSignalingClient } from '../../../support/signaling-client.js';

const MASTER = 'report endpoint master secret 32b';
const TOKEN = 'report-endpoint-token-0123456789';
const ADMIN = 'report-endpoint-admin-0123456789';

const report = (over: Record<string, unknown> = {}) => ({
  id: 'r1',
  epoch: 1,
  endpoint: '127.0.0.1:6001',
  region: 'eu',
  state: 'normal',
  level: 0,
  inputs: { bindingsPct: 0, ppsPct: 0, cpuPct: 1 },
  bindings: 0,
  sessions: 0,
  reportedAtMs: Date.now(),
  ...over,
});

describe('relay report endpoint', () => {
  let cloud: CloudWithoutEmbeddedRelay;
  let plain: Cloud;
  const post = (body: unknown, headers: Record<string, string> = {}, base = cloud.httpUrl) =>
    fetch(`${base}/v1/relays/report`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    const common = { host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: null, relayPort: 0, ipv6: false, relaySecret: MASTER } as const;
    cloud = await createCloud({ ...common, relayRegistrationToken: TOKEN, embeddedRelay: false, session: { adminToken: ADMIN } });
    plain = await createCloud(common);
  });
  afterAll(async () => {
    await cloud?.close();
    await plain?.close();
  });

  it('a cloud with embeddedRelay: false runs no relay, and its type says so (no relayServer, relayWs or relay6)', () => {
    expect('relayServer' in cloud).toBe(false);
    expect('relayWs' in cloud).toBe(false);
    expect('relay6' in cloud).toBe(false);
    expect('relayServer' in plain).toBe(true);
  });

  it('without a registration token the endpoint does not exist (404)', async () => {
    expect((await post(report(), {}, plain.httpUrl)).status).toBe(404);
  });

  it('refuses a missing or wrong token (401) and hostile bodies (400, 413, 415) without storing anything', async () => {
    expect((await post(report(), { authorization: '' })).status).toBe(401);
    expect((await post(report(), { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await post(report(), { authorization: TOKEN })).status).toBe(401);
    for (const body of [report({ id: '../etc' }), report({ level: 10 }), report({ endpoint: 'nowhere' }), report({ inputs: null }), report({ state: 'dead' }), [], 'null', '{"id":']) {
      expect((await post(body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await post(report({ wsUrl: `ws://x/${'a'.repeat(5_000)}` }))).status).toBe(413);
    expect((await post('id=r1', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await post(report({ id: 'local' }))).status).toBe(400);
    const table = await fetch(`${cloud.httpUrl}/v1/admin/relays`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(((await table.json()) as { relays: unknown[] }).relays).toEqual([]);
  });

  it('stores a good report, answers the sessions assigned since the last one, and tickets name that relay', async () => {
    const first = await post(report());
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ assigned: 0 });
    const peer = await TestSignalingClient.hello(cloud.signalingUrl, 'fleet-app');
    try {
      await peer.request({ type: RequestType.CREATE, name: 'room' });
      const start = await peer.next(EventType.START);
      if (!start.relay) throw new Error('no relay grant');
      expect(start.relay.endpoint).toEqual({ address: '127.0.0.1', port: 6001 });
      // The ticket verifies with r1's derived key only.
      expect(createTicketVerifier({ secret: deriveRelayKey(MASTER, 'r1'), relayId: 'r1' }).verify(start.relay.ticket).ok).toBe(true);
      expect(createTicketVerifier({ secret: deriveRelayKey(MASTER, 'r2'), relayId: 'r2' }).verify(start.relay.ticket).ok).toBe(false);
    } finally {
      await peer.close();
    }
    expect(await (await post(report({ reportedAtMs: Date.now() + 1 }))).json()).toEqual({ assigned: 1 });
    const rows = (await (await fetch(`${cloud.httpUrl}/v1/admin/relays`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { relays: Array<Record<string, unknown>> };
    expect(rows.relays).toEqual([expect.objectContaining({ id: 'r1', endpoint: '127.0.0.1:6001', region: 'eu', fresh: true, local: false })]);
    expect((await fetch(`${cloud.httpUrl}/v1/admin/relays`)).status).toBe(401);
  });

  it('bounds reports per relay id (429 past the burst)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await post(report({ id: 'r9', endpoint: '127.0.0.1:6009' }))).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
  });
});
