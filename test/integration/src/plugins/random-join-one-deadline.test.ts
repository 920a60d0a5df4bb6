// JOIN_RANDOM over sessions whose beforeJoin is stuck: all candidates share one gate deadline from
// the request's arrival, so the answer comes before the SDK's 10 s request timeout.
import { afterEach, expect, it } from 'vitest';
import type { PluginFactory, SessionPlugin } from '../../../../src/index.js';
import { RequestType } from '../../../../src/protocol/index.js';
import { startPluginService, type PluginService } from '../../../support/plugin-fixtures.js';

let service: PluginService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

/** The SDK's default request timeout (docs/configuration.md, requestTimeoutMs). */
const SDK_REQUEST_TIMEOUT_MS = 10_000;

it('a random join over sessions with a stuck beforeJoin answers before the SDK gives up', async () => {
  const factory: PluginFactory = {
    names: ['stuck'],
    create: (name) => ({ name, beforeJoin: () => new Promise<never>(() => undefined) }) as unknown as SessionPlugin,
  };
  service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'stuck' } } } });
  for (let i = 0; i < 4; i++) {
    const host = await service.client();
    await host.request({ type: RequestType.CREATE, name: `room-${i}` });
  }
  const joiner = await service.client();
  const started = Date.now();
  await joiner.request({ type: RequestType.JOIN_RANDOM }).catch(() => undefined);
  const tookMs = Date.now() - started;
  expect(tookMs).toBeLessThan(SDK_REQUEST_TIMEOUT_MS);
}, 30_000);
