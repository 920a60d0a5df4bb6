// The plugin host over the real service: sendEvent from onJoin reaches the joiner (and only peers
// that announced plugin-events), setProperties with compare-and-set, removePeer tells the peer
// why (raw client and a real SDK runner), closeSession, timers that stop at close, and state.
import { afterEach, describe, expect, it } from 'vitest';
import type { ShutdownEvent } from '../../../../client-sdk/index.js';
import type { PluginHost } from '../../../../src/index.js';
import { EventType, RequestType } from '../../../../src/protocol/index.js';
import { startReceiver } from '../../../support/https-receiver.js';
import { useLoopbackRunners } from '../../../support/loopback-runners.js';
import { eventually, recordingFactory, replyError, startPluginService, type PluginService } from '../../../support/plugin-fixtures.js';

let service: PluginService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

type Joined = { peer: { actor?: number } };

describe('plugin host', () => {
  it('sendEvent from onJoin reaches the joiner; a peer without plugin-events gets none, and a plugin kick as reason kicked', async () => {
    const factory = recordingFactory(['greeter'], {
      greeter: {
        onJoin: (call: Joined, host: PluginHost) => host.sendEvent([call.peer.actor!], 7, { motd: 'gl hf', n: [1, 2] }),
        onSetProperties: (_call: unknown, host: PluginHost) => host.removePeer(3, 'afk', 'idle too long'),
      },
    });
    service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'greeter' } } } });
    const host = await service.client();
    await host.request({ type: RequestType.CREATE, name: 'hi' });
    const guest = await service.client();
    await guest.request({ type: RequestType.JOIN, name: 'hi' });
    expect(await guest.next(EventType.PLUGIN_EVENT)).toEqual({ type: EventType.PLUGIN_EVENT, code: 7, data: { motd: 'gl hf', n: [1, 2] }, from: 0 });
    const old = await service.client({ features: [] });
    await old.request({ type: RequestType.JOIN, name: 'hi' });
    await host.request({ type: RequestType.SET_PROPERTIES, properties: { go: true } });
    expect(await old.next(EventType.KICKED)).toMatchObject({ reason: 'kicked', message: 'idle too long' });
    expect(old.events.some((e) => e.type === EventType.PLUGIN_EVENT)).toBe(false);
    expect(await guest.next(EventType.PEER_LEFT)).toMatchObject({ actor: 3, reason: 'kicked' });
    await eventually(() => expect(factory.recording.lines('hi')).toContain('onLeave:3:pluginRequest'));
  });

  it('removePeer: the peer gets KICKED with reason plugin and the message, the others PEER_LEFT', async () => {
    const factory = recordingFactory(['bouncer']);
    service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'bouncer' } } } });
    const host = await service.client();
    await host.request({ type: RequestType.CREATE, name: 'club' });
    const guest = await service.client();
    const joined = await guest.request({ type: RequestType.JOIN, name: 'club' });
    await factory.recording.hosts.get('club')!.removePeer(joined.actor, 'dress-code', 'Sneakers are not allowed');
    expect(await guest.next(EventType.KICKED)).toEqual({ type: EventType.KICKED, sessionId: joined.session.sessionId, reason: 'plugin', message: 'Sneakers are not allowed' });
    expect(await host.next(EventType.PEER_LEFT)).toMatchObject({ actor: joined.actor, reason: 'kicked' });
    // The removed peer is out of the session: it may join again (the plugin decides that).
    expect(await replyError(guest.request({ type: RequestType.SET_PROPERTIES, properties: { x: 1 } }))).toMatchObject({ code: 'NOT_IN_SESSION' });
    await eventually(() => expect(factory.recording.lines('club')).toEqual(['onCreate', 'beforeJoin:join', 'onJoin:2', 'onLeave:2:pluginRequest']));
  });

  it('setProperties with expected: applied when every value matches (all members hear it), PROPERTIES_MISMATCH otherwise', async () => {
    const factory = recordingFactory(['keeper']);
    service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'keeper' } } } });
    const host = await service.client();
    await host.request({ type: RequestType.CREATE, name: 'cas', properties: { phase: 'lobby' } });
    const guest = await service.client();
    await guest.request({ type: RequestType.JOIN, name: 'cas' });
    const plugin = factory.recording.hosts.get('cas')!;
    await plugin.setProperties({ properties: { phase: 'playing' } }, { expected: { phase: 'lobby' } });
    expect((await host.next(EventType.PROPERTIES_CHANGED)).properties).toEqual({ phase: 'playing' });
    expect((await guest.next(EventType.PROPERTIES_CHANGED)).properties).toEqual({ phase: 'playing' });
    await expect(plugin.setProperties({ properties: { phase: 'over' } }, { expected: { phase: 'lobby' } })).rejects.toMatchObject({ code: 'PROPERTIES_MISMATCH' });
    expect(plugin.session().properties).toEqual({ phase: 'playing' });
    // The plugin's own change is no onSetProperties of the server's.
    expect(factory.recording.lines('cas').some((l) => l.startsWith('onSetProperties'))).toBe(false);
    await plugin.state.set({ seen: ['a'] });
    expect(plugin.state.get()).toEqual({ seen: ['a'] });
    await expect(plugin.state.set({ big: 'x'.repeat(20_000) })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(() => plugin.sendEvent('all', 200)).toThrow(/0–199/);
    expect(() => plugin.sendEvent('all', 1, 'y'.repeat(9_000))).toThrow(/8192 bytes/);
  });

  it('closeSession closes it for everyone with reason plugin (serverLeft for a peer without plugin-events); timers stop at close', async () => {
    const ticks: string[] = [];
    const factory = recordingFactory(['timed'], {
      timed: {
        onCreate: (_call: unknown, host: PluginHost) => {
          host.setInterval(() => void ticks.push('tick'), 20);
        },
        onClose: () => void ticks.push('closed'),
      },
    });
    service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'timed' } } } });
    const host = await service.client();
    await host.request({ type: RequestType.CREATE, name: 'clock' });
    const old = await service.client({ features: [] });
    await old.request({ type: RequestType.JOIN, name: 'clock' });
    await eventually(() => expect(ticks.length).toBeGreaterThan(2));
    await factory.recording.hosts.get('clock')!.closeSession('round over');
    expect(await host.next(EventType.SESSION_CLOSED)).toMatchObject({ reason: 'plugin' });
    expect(await old.next(EventType.SESSION_CLOSED)).toMatchObject({ reason: 'serverLeft' });
    await eventually(() => expect(ticks.at(-1)).toBe('closed'));
    const count = ticks.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ticks).toHaveLength(count);
    expect(factory.recording.lines('clock').slice(-2)).toEqual(['beforeClose:plugin', 'onClose:plugin']);
  });

  it('a timer that throws or never settles is counted and the session goes on; a session holds at most 32 timers', async () => {
    let fired = 0;
    const factory = recordingFactory(['messy'], {
      messy: {
        onCreate: (_call: unknown, host: PluginHost) => {
          host.setInterval(() => {
            throw new Error('timer bug');
          }, 15);
          host.setTimeout(() => new Promise<void>(() => undefined), 10);
          host.setInterval(() => void (fired += 1), 15);
          for (let i = 3; i < 32; i++) host.setTimeout(() => undefined, 60_000);
          expect(() => host.setTimeout(() => undefined, 1)).toThrow(/32 timers/);
        },
      },
    });
    service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'messy', deadlines: { timerMs: 100 } } } } });
    const host = await service.client();
    await host.request({ type: RequestType.CREATE, name: 'messy' });
    await eventually(() => expect(fired).toBeGreaterThan(3));
    const guest = await service.client();
    await guest.request({ type: RequestType.JOIN, name: 'messy' });
  });
});

describe('host.http at close', () => {
  it('beforeClose can still flush to the backend through host.http; other actions are refused then', async () => {
    const receiver = await startReceiver();
    try {
      const refused: string[] = [];
      const factory = recordingFactory(['flusher'], {
        flusher: {
          beforeClose: async (call: { session: { name: string } }, host: PluginHost) => {
            await host.setProperties({ properties: { x: 1 } }).catch((error: { code: string }) => refused.push(error.code));
            const answer = await host.http.request({ url: `${receiver.url}/results`, json: { session: call.session.name } });
            refused.push(`http ${answer.status}`);
          },
        },
      });
      service = await startPluginService({
        egress: { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca] },
        apps: { game: { plugins: { factory, defaultPlugin: 'flusher' } } },
      });
      const host = await service.client();
      await host.request({ type: RequestType.CREATE, name: 'final' });
      await host.request({ type: RequestType.LEAVE });
      const [request] = await receiver.waitForRequests(1);
      expect(request).toMatchObject({ method: 'POST', path: '/results', json: { session: 'final' } });
      await eventually(() => expect(refused).toEqual(['SESSION_NOT_FOUND', 'http 200']));
    } finally {
      await receiver.close();
    }
  });
});

describe('WebRPC through the session plugin', () => {
  it("onRpc answers a member's RPC before the app's backend; undefined passes it on; fail is PLUGIN_REPORTED_ERROR", async () => {
    const factory = recordingFactory(['shop'], {});
    const made = factory.create.bind(factory);
    factory.create = async (name, host, config) => ({
      ...(await made(name, host, config)),
      onRpc(call) {
        if (call.path === 'buy') return { resultCode: 0, message: 'bought', data: { by: call.peer.actor ?? 0, sku: call.params ?? null } };
        if (call.path === 'steal') call.fail('no-stealing', 'Not in this shop');
        return undefined;
      },
    });
    service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'shop' }, rpc: {} } } });
    const host = await service.client();
    await host.request({ type: RequestType.CREATE, name: 'market' });
    const guest = await service.client();
    await guest.request({ type: RequestType.JOIN, name: 'market' });
    expect(await guest.request({ type: RequestType.RPC, path: 'buy', params: { sku: 7 } })).toEqual({ path: 'buy', resultCode: 0, message: 'bought', data: { by: 2, sku: { sku: 7 } } });
    expect(await replyError(guest.request({ type: RequestType.RPC, path: 'steal' }))).toMatchObject({ code: 'PLUGIN_REPORTED_ERROR', detail: { reason: 'no-stealing' } });
    expect(await replyError(guest.request({ type: RequestType.RPC, path: 'other' }))).toMatchObject({ code: 'RPC_NOT_FOUND' });
  });
});

describe('plugin removal seen by the SDK', () => {
  const loopback = useLoopbackRunners('plugin-sdk', {
    apps: {
      'plugin-sdk': {
        plugins: {
          defaultPlugin: 'greeter',
          factory: {
            names: ['greeter'],
            create: (name, host) => ({
              name,
              onJoin(call) {
                if (call.peer.mode !== 'client') return;
                host.sendEvent([call.peer.actor!], 3, { welcome: true });
                host.setTimeout(() => host.removePeer(call.peer.actor!, 'test', 'You were removed by the ready check'), 200);
              },
            }),
          },
        },
      },
    },
  });

  it('a runner hears pluginEvent, then shuts down with disconnectedByPluginLogic and the plugin message', async () => {
    const server = loopback.runner();
    await server.startGame({ mode: 'server', sessionName: 'sdk-plugin' });
    const client = loopback.runner();
    const events: unknown[] = [];
    client.on('pluginEvent', (event) => void events.push(event));
    const shutdown = new Promise<ShutdownEvent>((resolve) => client.once('shutdown', resolve));
    await client.startGame({ mode: 'client', sessionName: 'sdk-plugin' });
    expect(await shutdown).toEqual({ reason: 'disconnectedByPluginLogic', code: 'REMOVED_BY_PLUGIN', message: 'You were removed by the ready check' });
    expect(events).toEqual([{ code: 3, data: { welcome: true } }]);
  });
});
