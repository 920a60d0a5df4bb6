// The documented receiver (examples/backends/webhook-receiver.ts) behind the real service: it
// verifies every signature, handles each event once although the cloud repeats one (a timeout
// after the backend processed it: at-least-once), and refuses a wrong signature.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestType } from '../../../../src/protocol/index.js';
import { buildSessionService, type SessionService } from '../../../../src/index.js';
import { TestSignalingClient } from '../../../support/signaling-client.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../../../examples/backends/webhook-receiver.js';
import { SECRET } from './support.js';

let backend: WebhookReceiver;
let slowOnce = true;
let service: SessionService;
let url: string;

beforeAll(async () => {
  backend = createWebhookReceiver(SECRET);
  // The first call is handled, but its answer leaves after the cloud's deadline: the cloud sends
  // it again with the same id (at least once), and the receiver must not handle it twice.
  backend.server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    if (!slowOnce) return;
    slowOnce = false;
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
    response.end = ((...args: unknown[]) => (setTimeout(() => end(...args), 600), response)) as ServerResponse['end'];
  });
  await new Promise<void>((resolve) => backend.server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(backend.server.address() as AddressInfo).port}`;
  service = buildSessionService({
    egress: { allowedNetworks: ['127.0.0.1/32'], allowInsecureHttp: true },
    apps: {
      game: { webhooks: { baseUrl: base, secrets: [SECRET], timeouts: { notificationMs: 300 }, retry: { scheduleMs: [100, 100, 100] } } },
      wrong: { webhooks: { baseUrl: base, secrets: ['whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXk='] } },
    },
  });
  url = `ws://127.0.0.1:${(await service.listen()).port}/v1/signaling`;
});
afterAll(async () => {
  await service.close();
  await new Promise((resolve) => backend.server.close(resolve));
});

describe('the example webhook receiver', () => {
  it('handles each event once, in seq order, although the first one arrived twice', async () => {
    const server = await TestSignalingClient.hello(url, 'game');
    await server.request({ type: RequestType.CREATE, name: 'example' });
    await server.request({ type: RequestType.LEAVE });
    await server.close();
    const deadline = Date.now() + 10_000;
    while (backend.handled.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(backend.handled.map((event) => [event.type, event.session.seq])).toEqual([
      ['session.created', 1],
      ['peer.left', 2],
      ['session.closed', 3],
    ]);
    expect(backend.duplicates).toBe(1);
  });

  it('refuses a call signed with another secret (401: dead-lettered at once)', async () => {
    const before = backend.handled.length;
    const server = await TestSignalingClient.hello(url, 'wrong');
    await server.request({ type: RequestType.CREATE, name: 'wrong' });
    await server.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(backend.handled.length).toBe(before);
  });
});
