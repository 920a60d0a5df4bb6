// A session taken over from a shared store (a restart, another node) keeps its plugin: the new
// service makes it through the app's factory on first use, so its gates still refuse (never fail open).
import { afterEach, expect, it } from 'vitest';
import { buildSessionService, createMemorySessionStore, type PluginFactory, type SessionPlugin, type SessionService } from '../../../../src/index.js';
import { Feature, PROTOCOL_VERSION, RequestType } from '../../../../src/protocol/index.js';
import type { SignalingError} from '../../../support/signaling-client.js';
import { TestSignalingClient } from '../../../support/signaling-client.js';

const services: SessionService[] = [];
const clients: TestSignalingClient[] = [];
afterEach(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await Promise.allSettled(services.map((s) => s.close()));
});

const factory: PluginFactory = {
  names: ['closed-door'],
  create: (name) => ({ name, beforeJoin: (call: { fail(reason: string, message?: string): never }) => call.fail('banned', 'nobody may join') }) as unknown as SessionPlugin,
};

async function start(store: ReturnType<typeof createMemorySessionStore>): Promise<string> {
  const service = buildSessionService({ store, apps: { game: { plugins: { factory, defaultPlugin: 'closed-door' } } } });
  services.push(service);
  const { port } = await service.listen({ host: '127.0.0.1', port: 0 });
  return `ws://127.0.0.1:${port}/v1/signaling`;
}

async function client(url: string): Promise<TestSignalingClient> {
  const c = await TestSignalingClient.connect(url);
  clients.push(c);
  await c.request({ type: RequestType.HELLO, appId: 'game', appVersion: '1', protocolVersion: PROTOCOL_VERSION, features: [Feature.CODES_V2, Feature.PLUGIN_EVENTS] });
  return c;
}

it("a session taken over from a shared store keeps its plugin's gates (no fail-open)", async () => {
  const store = createMemorySessionStore();
  const first = await start(store);
  const host = await client(first);
  await host.request({ type: RequestType.CREATE, name: 'room' });
  const refused = await (await client(first)).request({ type: RequestType.JOIN, name: 'room' }).catch((e: SignalingError) => e.reply);
  expect(refused).toMatchObject({ code: 'PLUGIN_REPORTED_ERROR' });
  // The node goes away; another (or the same, restarted) serves the stored session.
  await services[0]!.close();
  const second = await start(store);
  const again = await (await client(second)).request({ type: RequestType.JOIN, name: 'room' }).catch((e: SignalingError) => e.reply);
  expect(again).toMatchObject({ code: 'PLUGIN_REPORTED_ERROR' });
}, 20_000);
