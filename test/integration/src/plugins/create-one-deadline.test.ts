// A create's factory and onCreate share one gate deadline from the request's arrival: a slow factory
// and a stuck onCreate answer HOOK_TIMEOUT within one deadline, not two.
import { afterEach, expect, it } from 'vitest';
import type { PluginFactory, SessionPlugin } from '../../../../src/index.js';
import { RequestType } from '../../../../src/protocol/index.js';
import { replyError, startPluginService, type PluginService } from '../../../support/plugin-fixtures.js';

let service: PluginService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

it('a slow factory and a stuck onCreate answer HOOK_TIMEOUT within one gate deadline', async () => {
  const GATE_MS = 1_000;
  const factory: PluginFactory = {
    names: ['slow'],
    create: async (name) => {
      await new Promise((resolve) => setTimeout(resolve, 900));
      return { name, onCreate: () => new Promise<never>(() => undefined) } as unknown as SessionPlugin;
    },
  };
  service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'slow', deadlines: { gateMs: GATE_MS } } } } });
  const host = await service.client();
  const started = Date.now();
  const error = await replyError(host.request({ type: RequestType.CREATE, name: 'room' }));
  const tookMs = Date.now() - started;
  expect(error).toMatchObject({ code: 'HOOK_TIMEOUT' });
  expect(tookMs).toBeLessThanOrEqual(GATE_MS + 100);
}, 20_000);
