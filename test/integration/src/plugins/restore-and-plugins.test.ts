// a RESTORE (the host re-creating its session after a cloud loss) and session plugins.
// The restored session's reserved clients are members the plugin never saw join (memberJoined is
// skipped while "creating"), yet when one does not come back within the grace, the plugin gets
// its onLeave: onLeave without onJoin. And the SDK's RESTORE carries no `plugin` name, so an app
// with `required` plugins and no default refuses every restore (PLUGIN_MISMATCH).
import { randomBytes } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import type { PluginFactory, SessionPlugin } from '../../../../src/index.js';
import { RequestType } from '../../../../src/protocol/index.js';
import { startPluginService, type PluginService } from '../../../support/plugin-fixtures.js';

let service: PluginService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

const restoreBody = (plugin?: string) => ({
  type: RequestType.RESTORE,
  sessionId: 'lost-session-id',
  name: 'room',
  peerId: 'host-peer',
  clients: [{ actor: 2, peerId: 'client-peer', proof: new Uint8Array(randomBytes(32)) }],
  ...(plugin ? { plugin } : {}),
});

it('a restored client that never comes back gets no onLeave without an onJoin', async () => {
  const log: string[] = [];
  const factory: PluginFactory = {
    names: ['rec'],
    create: (name) =>
      ({
        name,
        onJoin: (call: { peer: { actor: number } }) => void log.push(`onJoin:${call.peer.actor}`),
        onLeave: (call: { peer: { actor: number } }) => void log.push(`onLeave:${call.peer.actor}`),
      }) as unknown as SessionPlugin,
  };
  service = await startPluginService({ reconnectGraceMs: 300, apps: { game: { plugins: { factory, defaultPlugin: 'rec' } } } });
  const host = await service.client();
  await host.request(restoreBody() as never);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  if (log.includes('onLeave:2')) expect(log).toContain('onJoin:2');
}, 20_000);

it('an app with required plugins can restore a session (the SDK sends no plugin name in RESTORE)', async () => {
  const factory: PluginFactory = { names: ['ranked'], create: (name) => ({ name }) as unknown as SessionPlugin };
  service = await startPluginService({ apps: { game: { plugins: { factory, required: true } } } });
  const host = await service.client();
  // What client-sdk/cloud-restore.ts restoreRequest() sends: no `plugin`.
  await expect(host.request(restoreBody() as never)).resolves.toBeDefined();
}, 20_000);
