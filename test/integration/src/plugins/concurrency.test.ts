// One serial executor per session: under 100 concurrent joins and leaves a session's callbacks
// never overlap (enter/exit stamps) and each peer's onJoin completes before its onLeave; a plugin
// that throws, hangs or loops on a timer affects only its own session.
import { afterEach, describe, expect, it } from 'vitest';
import type { PluginHost } from '../../../../src/index.js';
import { RequestType } from '../../../../src/protocol/index.js';
import { eventually, recordingFactory, replyError, startPluginService, type PluginService, type Stamp } from '../../../support/plugin-fixtures.js';
import type { TestSignalingClient } from '../../../support/signaling-client.js';

let service: PluginService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

const PEERS = 100;

/** No two calls of one session overlap: sorted by start, each starts after the previous ended. */
function expectSerial(stamps: Stamp[]): void {
  const sorted = [...stamps].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start).toBeGreaterThanOrEqual(sorted[i - 1]!.end);
}

describe('serial executor per session', () => {
  it(`${PEERS} concurrent joins and leaves: no overlapping callbacks, and every peer's onJoin ends before its onLeave starts`, async () => {
    const factory = recordingFactory(['rec'], {}, 1);
    service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'rec' } } }, maxPlayersLimit: 256, reconnectGraceMs: 0 });
    const hosts = await Promise.all(['one', 'two'].map(async (name) => {
      const host = await service!.client();
      await host.request({ type: RequestType.CREATE, name, maxPlayers: 256, playerTtlMs: 0 });
      return host;
    }));
    const peers: TestSignalingClient[] = await Promise.all(Array.from({ length: PEERS }, () => service!.client()));
    await Promise.all(
      peers.map(async (peer, i) => {
        await peer.request({ type: RequestType.JOIN, name: i % 2 === 0 ? 'one' : 'two' });
        // Half leave, half drop their socket: both are leaves the plugin must see after the join.
        if (i % 4 < 2) await peer.request({ type: RequestType.LEAVE });
        else await peer.kill();
      }),
    );
    await eventually(() => {
      for (const name of ['one', 'two']) expect(factory.recording.lines(name).filter((l) => l.startsWith('onLeave') && !l.endsWith('inactive'))).toHaveLength(PEERS / 2);
      // A line is written when a call starts, its stamp when it ends: wait for the last leave to end too.
      for (const name of ['one', 'two']) expect(factory.recording.stamps.filter((s) => s.sessionId === name && s.callback === 'onLeave')).toHaveLength(PEERS / 2);
    }, 20_000);
    for (const name of ['one', 'two']) {
      const stamps = factory.recording.stamps.filter((s) => s.sessionId === name);
      expectSerial(stamps);
      const byActor = new Map<number, Stamp[]>();
      for (const stamp of stamps) if (stamp.actor !== undefined && stamp.callback !== 'beforeJoin') byActor.set(stamp.actor, [...(byActor.get(stamp.actor) ?? []), stamp]);
      expect(byActor.size).toBe(PEERS / 2);
      for (const [, calls] of byActor) {
        const ordered = [...calls].sort((a, b) => a.start - b.start);
        expect(ordered[0]!.callback).toBe('onJoin');
        expect(ordered.filter((c) => c.callback === 'onJoin')).toHaveLength(1);
        expect(ordered.at(-1)!.callback).toBe('onLeave');
        expect(ordered[0]!.end).toBeLessThanOrEqual(ordered.at(-1)!.start);
      }
    }
    void hosts;
  }, 60_000);
});

describe('isolation between sessions', () => {
  it('a plugin that throws, hangs and loops on a timer fails only its own calls; another session keeps admitting joins', async () => {
    const factory = recordingFactory(['bad', 'good'], {
      bad: {
        onCreate: (_call: unknown, host: PluginHost) => {
          // Loops: an interval whose every run never settles, and one that throws.
          host.setInterval(() => new Promise<void>(() => undefined), 10);
          host.setInterval(() => {
            throw new Error('tick failed');
          }, 10);
        },
        beforeJoin: () => new Promise<void>(() => undefined),
        onLeave: () => Promise.reject(new Error('async rejection')),
      },
    });
    service = await startPluginService({
      apps: { game: { plugins: { factory, deadlines: { gateMs: 400, notificationMs: 200, timerMs: 200 } } } },
      maxPlayersLimit: 64,
    });
    const badHost = await service.client();
    await badHost.request({ type: RequestType.CREATE, name: 'bad', plugin: 'bad' });
    const goodHost = await service.client();
    await goodHost.request({ type: RequestType.CREATE, name: 'good', plugin: 'good', maxPlayers: 64 });
    const stuck = Array.from({ length: 5 }, async () => replyError((await service!.client()).request({ type: RequestType.JOIN, name: 'bad' })));
    const started = performance.now();
    const joined = await Promise.all(
      Array.from({ length: 20 }, async () => (await (await service!.client()).request({ type: RequestType.JOIN, name: 'good' })).actor),
    );
    // The good session did not wait for the bad one's gates (each of which takes its 400 ms deadline, one after another).
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(new Set(joined).size).toBe(20);
    for (const reply of await Promise.all(stuck)) expect(reply.code).toBe('HOOK_TIMEOUT');
    await eventually(() => expect(factory.recording.lines('good').filter((l) => l.startsWith('onJoin'))).toHaveLength(20));
    // The bad session still answers: its server leaves and it closes, with its last callbacks run.
    await badHost.request({ type: RequestType.LEAVE });
    await eventually(() => expect(factory.recording.lines('bad').at(-1)).toBe('onClose:serverLeft'));
  }, 30_000);
});
