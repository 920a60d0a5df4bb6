// RESTORE (the host re-creating its session after a cloud loss) and session plugins: a restored
// session's reserved clients never got onJoin, so one that never comes back gets no onLeave; the
// SDK's RESTORE names the session's plugin and user settings (an app requiring a plugin accepts it).
import { randomBytes } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import type { PluginFactory, SessionPlugin } from '../../../../src/index.js';
import { RestoreState } from '../../../../client-sdk/cloud-restore.js';
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

it("a host's RESTORE, as the SDK builds it, keeps the session's plugin and user settings", async () => {
  const made: string[] = [];
  const factory: PluginFactory = {
    names: ['ranked'],
    create: (name) => {
      made.push(name);
      return { name } as unknown as SessionPlugin;
    },
  };
  // A required plugin and no default: a restore without the plugin's name is refused.
  const apps = { game: { plugins: { factory, required: true } } };
  service = await startPluginService({ apps });
  const created = await (await service.client()).request({ type: RequestType.CREATE, name: 'room', plugin: 'ranked', publishUserId: true, checkUserOnJoin: true });
  const snapshot = new RestoreState();
  snapshot.entered(created);
  const body = snapshot.restoreRequest([], () => undefined);
  expect(body).toMatchObject({ plugin: 'ranked', publishUserId: true, checkUserOnJoin: true });
  // The cloud lost the session: a fresh service.
  await service.close();
  service = await startPluginService({ apps });
  const restored = await (await service.client()).request(body!);
  expect(restored.session).toMatchObject({ name: 'room', plugin: 'ranked', publishUserId: true, checkUserOnJoin: true });
  expect(made).toEqual(['ranked', 'ranked']);
}, 20_000);
