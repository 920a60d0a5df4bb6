// Never onLeave without onJoin when the session's plugin queue is full: a member floods
// SET_PROPERTIES while onSetProperties is slow, a joiner's onJoin is dropped, and so is its onLeave.
import { afterEach, expect, it } from 'vitest';
import type { PluginFactory, SessionPlugin } from '../../../../src/index.js';
import { RequestType } from '../../../../src/protocol/index.js';
import { eventually, startPluginService, type PluginService } from '../../../support/plugin-fixtures.js';

let service: PluginService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

it('a peer whose onJoin was dropped (queue full) gets no onLeave either', async () => {
  let release!: () => void;
  const stuck = new Promise<void>((resolve) => {
    release = resolve;
  });
  const log: string[] = [];
  const factory: PluginFactory = {
    names: ['slow'],
    create: (name) =>
      ({
        name,
        onJoin: (call: { peer: { actor: number } }) => void log.push(`onJoin:${call.peer.actor}`),
        onLeave: (call: { peer: { actor: number } }) => void log.push(`onLeave:${call.peer.actor}`),
        // A slow backend call in a notification (nobody waits on it; it holds the queue).
        onSetProperties: () => stuck,
      }) as unknown as SessionPlugin,
  };
  service = await startPluginService({
    requestsPerSecond: 100_000,
    requestBurst: 100_000,
    apps: { game: { plugins: { factory, defaultPlugin: 'slow', deadlines: { notificationMs: 60_000 } } } },
  });
  const host = await service.client();
  await host.request({ type: RequestType.CREATE, name: 'room' });
  // 1,100 property changes: each queues one onSetProperties behind the stuck one.
  await Promise.all(Array.from({ length: 1_100 }, (_, i) => host.request({ type: RequestType.SET_PROPERTIES, properties: { n: i } })));
  const guest = await service.client();
  await guest.request({ type: RequestType.JOIN, name: 'room' });
  release();
  await guest.request({ type: RequestType.LEAVE });
  await eventually(() => expect(log.some((line) => line.startsWith('onLeave:2'))).toBe(true), 5_000).catch(() => undefined);
  // Per peer: onLeave only after an onJoin.
  const joined = log.includes('onJoin:2');
  const left = log.includes('onLeave:2');
  expect({ joined, left }).not.toEqual({ joined: false, left: true });
}, 60_000);
