// The dispatcher on a ManualClock with the real egress client and a real HTTPS receiver: a
// failed attempt's retry waits for the clock (a timer at the outbox's due time, no polling), and
// nothing is sent inside the commit that queued it.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, createEnv } from '../../../../core/index.js';
import { createEgressClient } from '../../../../src/egress/index.js';
import { appKeyOf, close, create, setProperties, type Session, type SessionSettings } from '../../../../src/session/model.js';
import { createWebhookDispatcher, type WebhookType } from '../../../../src/webhooks/index.js';
import { startReceiver, type TestReceiver } from '../../../support/https-receiver.js';
import { SECRET } from './support.js';

let receiver: TestReceiver;
beforeAll(async () => {
  receiver = await startReceiver({ secrets: [SECRET] });
});
afterAll(async () => {
  await receiver.close();
});

const settings: SessionSettings = { maxPlayers: 4, open: true, visible: true, properties: {}, lobbyKeys: [], playerTtlMs: 0, emptySessionTtlMs: 0 };
const until = async (condition: () => boolean, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('the webhook dispatcher on a manual clock', () => {
  it('sends after the commit, and retries only when the clock reaches the retry time', async () => {
    const clock = new ManualClock(1_000_000);
    const env = createEnv({ clock });
    const registry = new Registry();
    const egress = createEgressClient(env, { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca], registry });
    const config = { baseUrl: receiver.url, secrets: [SECRET] };
    const dispatcher = createWebhookDispatcher(env, { configOf: (appId) => (appId === 'game' ? config : undefined), egress, region: 'eu', node: 'n', registry });
    try {
      receiver.answerNext({ kind: 'status', status: 503 });
      const made = create('s1', appKeyOf('game', '1'), 'clocked', settings, { mode: 'server', peerId: 'p', rejoinToken: 't', pairSecret: new Uint8Array(32) }, clock.now());
      if (!made.ok) throw new Error(made.message);
      dispatcher.committed(undefined, made.change);
      // Enqueued only: nothing has left within the commit.
      expect(receiver.requests).toHaveLength(0);
      expect(dispatcher.deliveries()).toEqual([]);
      await until(() => dispatcher.deliveries().length === 1);
      expect(dispatcher.deliveries()[0]).toMatchObject({ status: 503, outcome: 'retry', attempt: 1 });
      // Real time passes, the manual clock does not: no retry.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.requests).toHaveLength(1);
      // The first retry is 1 s ± 20 %: 700 ms is too early, 1,300 ms is late enough.
      clock.advance(700);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(receiver.requests).toHaveLength(1);
      clock.advance(600);
      await until(() => dispatcher.deliveries().length === 2);
      expect(dispatcher.deliveries()[1]).toMatchObject({ status: 200, outcome: 'delivered', attempt: 2 });
      expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([receiver.requests[0]!.headers['webhook-id'], receiver.requests[0]!.headers['webhook-id']]);
      expect(await registry.getSingleMetricAsString('punchthrough_webhook_deliveries_total')).toMatch(/outcome="retry"} 1[\s\S]*outcome="ok"} 1/);
    } finally {
      dispatcher.shutdown();
      await egress.close();
    }
  });

  it('sends property changes at most 3 a second per session, merged, and releases a held one before the next event', async () => {
    const clock = new ManualClock(1_000_000);
    const env = createEnv({ clock });
    const registry = new Registry();
    const egress = createEgressClient(env, { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca], registry });
    const config = { baseUrl: receiver.url, secrets: [SECRET], propertiesForward: 'always' as const, events: ['session.created', 'session.propertiesChanged', 'session.closed'] as WebhookType[] };
    const dispatcher = createWebhookDispatcher(env, { configOf: (appId) => (appId === 'game' ? config : undefined), egress, region: 'eu', node: 'n', registry });
    const sent = receiver.requests.length;
    const types = () => receiver.requests.slice(sent).map((r) => r.headers['x-punchthrough-event']);
    try {
      const made = create('s2', appKeyOf('game', '1'), 'coalesced', settings, { mode: 'server', peerId: 'p', rejoinToken: 't', pairSecret: new Uint8Array(32) }, clock.now());
      if (!made.ok) throw new Error(made.message);
      dispatcher.committed(undefined, made.change);
      let session: Session = made.change.next!;
      const change = (properties: Record<string, number>): void => {
        const outcome = setProperties(session, 1, { properties });
        if (!outcome.ok) throw new Error(outcome.message);
        dispatcher.committed(session, outcome.change);
        session = outcome.change.next!;
      };
      // Ten changes within 100 ms: the first goes, the other nine merge into one held back.
      for (let i = 0; i < 10; i++) {
        change({ [`k${i % 3}`]: i });
        clock.advance(10);
      }
      await until(() => types().length === 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(types()).toEqual(['session.created', 'session.propertiesChanged']);
      clock.advance(300);
      await until(() => types().length === 3);
      const merged = receiver.requests.at(-1)!.json as { data: { properties: Record<string, number> } };
      expect(merged.data.properties).toEqual({ k1: 7, k2: 8, k0: 9 });
      // A held change goes out before the session's next event, in commit order.
      change({ last: 1 });
      dispatcher.committed(session, close(session, 'empty'));
      await until(() => types().length >= 4);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(types().slice(3)).toEqual(['session.propertiesChanged', 'session.closed']);
    } finally {
      dispatcher.shutdown();
      await egress.close();
    }
  });
});
