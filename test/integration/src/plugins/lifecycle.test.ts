// Session plugins over the real service and raw WebSocket peers: the factory picks a plugin by
// name (PLUGIN_MISMATCH otherwise), and each callback fires once, in the documented order, for
// create, join, random join with skip, rejoin, leave, drops with and without a player TTL, TTL
// expiry and close — checked against golden sequences from a recording plugin.
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionServiceOptions } from '../../../../src/index.js';
import { EventType, RequestType } from '../../../../src/protocol/index.js';
import { eventually, recordingFactory, replyError, startPluginService, type PluginService } from '../../../support/plugin-fixtures.js';

let service: PluginService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function start(factory: ReturnType<typeof recordingFactory>, plugins: Record<string, unknown> = {}, options: SessionServiceOptions = {}) {
  service = await startPluginService({ ...options, apps: { game: { plugins: { factory, ...plugins } } } });
  return service;
}

describe('plugin factory', () => {
  it('makes the plugin the creator names; an unknown name, a factory returning another name, or none when required is PLUGIN_MISMATCH (32751)', async () => {
    const factory = recordingFactory(['ranked', 'casual', 'liar']);
    const liar = factory.create.bind(factory);
    factory.create = (name, host, config) => (name === 'liar' ? { name: 'someone-else' } : liar(name, host, config));
    const s = await start(factory, { required: true });
    const host = await s.client();
    expect(await replyError(host.request({ type: RequestType.CREATE, name: 'a', plugin: 'nope' }))).toMatchObject({ code: 'PLUGIN_MISMATCH', photonCode: 32751 });
    expect(await replyError(host.request({ type: RequestType.CREATE, name: 'b', plugin: 'liar' }))).toMatchObject({ code: 'PLUGIN_MISMATCH', photonCode: 32751 });
    expect(await replyError(host.request({ type: RequestType.CREATE, name: 'c' }))).toMatchObject({ code: 'PLUGIN_MISMATCH' });
    await host.request({ type: RequestType.CREATE, name: 'd', plugin: 'casual' });
    expect(factory.recording.lines('d')).toEqual(['onCreate']);
    // A random join that creates names its plugin too.
    const other = await s.client();
    await other.request({ type: RequestType.JOIN_RANDOM, filter: { mode: 'x' }, create: { name: 'e', plugin: 'ranked' } });
    expect(factory.recording.lines('e')).toEqual(['onCreate']);
  });

  it('uses the default plugin when the creator names none, and no plugin for an app without one', async () => {
    const factory = recordingFactory(['ranked']);
    service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'ranked' } } } });
    const host = await service.client();
    await host.request({ type: RequestType.JOIN, name: 'auto', createIfNotExists: true });
    expect(factory.recording.lines('auto')).toEqual(['onCreate']);
    const stranger = await service.client({ appId: 'other' });
    expect(await replyError(stranger.request({ type: RequestType.CREATE, name: 'x', plugin: 'ranked' }))).toMatchObject({ code: 'PLUGIN_MISMATCH' });
    await stranger.request({ type: RequestType.CREATE, name: 'plain' });
    expect(factory.recording.lines('plain')).toEqual([]);
  });
});

describe('callback order (golden sequences)', () => {
  it('create, join, set properties, addresses, connected, leave, then the server leaves: close', async () => {
    const factory = recordingFactory(['rec']);
    const s = await start(factory, { defaultPlugin: 'rec' });
    const host = await s.client();
    await host.request({ type: RequestType.CREATE, name: 'room' });
    const guest = await s.client();
    await guest.request({ type: RequestType.JOIN, name: 'room' });
    await eventually(() => expect(factory.recording.lines('room')).toEqual(['onCreate', 'beforeJoin:join', 'onJoin:2']));
    await host.request({ type: RequestType.SET_PROPERTIES, properties: { round: 1 } });
    await guest.request({ type: RequestType.REPORT_ADDRESSES, local: [{ address: '192.168.1.2', port: 5000 }], natType: 'fullCone' });
    await guest.request({ type: RequestType.CONNECTED, peerId: 'server', path: 'direct', ms: 120 });
    await guest.request({ type: RequestType.LEAVE });
    await host.request({ type: RequestType.LEAVE });
    await eventually(() =>
      expect(factory.recording.lines('room')).toEqual([
        'onCreate',
        'beforeJoin:join',
        'onJoin:2',
        'beforeSetProperties:1',
        'onSetProperties:1',
        'onAddresses:2',
        'onPeerConnected:2',
        'onLeave:2:left',
        'onLeave:1:left',
        'beforeClose:serverLeft',
        'onClose:serverLeft',
      ]),
    );
  });

  it('a drop with player TTL 0 leaves at once; with a TTL the member is inactive, rejoins, drops again and times out', async () => {
    const factory = recordingFactory(['rec']);
    const s = await start(factory, { defaultPlugin: 'rec' }, { reconnectGraceMs: 0 });
    const host = await s.client();
    await host.request({ type: RequestType.CREATE, name: 'ttl0', playerTtlMs: 0 });
    const quick = await s.client();
    await quick.request({ type: RequestType.JOIN, name: 'ttl0' });
    await quick.kill();
    await eventually(() => expect(factory.recording.lines('ttl0')).toEqual(['onCreate', 'beforeJoin:join', 'onJoin:2', 'onLeave:2:clientDisconnect']));

    const host2 = await s.client();
    await host2.request({ type: RequestType.CREATE, name: 'ttl', playerTtlMs: 600 });
    const guest = await s.client();
    const joined = await guest.request({ type: RequestType.JOIN, name: 'ttl' });
    await guest.kill();
    await eventually(() => expect(factory.recording.lines('ttl')).toContain('onLeave:2:clientDisconnect:inactive'));
    const back = await s.client();
    await back.request({ type: RequestType.REJOIN, sessionId: joined.session.sessionId, actor: joined.actor, rejoinToken: joined.rejoinToken });
    await back.kill();
    await eventually(() =>
      expect(factory.recording.lines('ttl')).toEqual([
        'onCreate',
        'beforeJoin:join',
        'onJoin:2',
        'onLeave:2:clientDisconnect:inactive',
        'beforeJoin:2:rejoin',
        'onJoin:2:rejoined',
        'onLeave:2:clientDisconnect:inactive',
        'onLeave:2:playerTtlTimedOut',
      ]),
    );
  });

  it("a random join the first candidate's plugin skips enters the next candidate", async () => {
    const factory = recordingFactory(['picky', 'open'], { picky: { beforeJoin: () => 'skip' } });
    const s = await start(factory);
    const first = await s.client();
    await first.request({ type: RequestType.CREATE, name: 'older', plugin: 'picky', properties: { q: 1 }, lobbyKeys: ['q'] });
    const second = await s.client();
    await second.request({ type: RequestType.CREATE, name: 'newer', plugin: 'open', properties: { q: 1 }, lobbyKeys: ['q'] });
    const joiner = await s.client();
    const joined = await joiner.request({ type: RequestType.JOIN_RANDOM, filter: { q: 1 } });
    expect(joined.session.name).toBe('newer');
    await eventually(() => expect(factory.recording.lines('newer')).toEqual(['onCreate', 'beforeJoin:random', 'onJoin:2']));
    expect(factory.recording.lines('older')).toEqual(['onCreate', 'beforeJoin:random']);
    // A named join the plugin skips is refused with the reason.
    const named = await s.client();
    expect(await replyError(named.request({ type: RequestType.JOIN, name: 'older' }))).toMatchObject({ code: 'PLUGIN_REPORTED_ERROR', detail: { reason: 'skip' } });
  });

  it('a server drop closes the session once its TTL runs out: onLeave, beforeClose, onClose (serverDropped)', async () => {
    const factory = recordingFactory(['rec']);
    const s = await start(factory, { defaultPlugin: 'rec' }, { reconnectGraceMs: 0 });
    const host = await s.client();
    await host.request({ type: RequestType.CREATE, name: 'gone', playerTtlMs: 0 });
    const guest = await s.client();
    await guest.request({ type: RequestType.JOIN, name: 'gone' });
    await host.kill();
    expect((await guest.next(EventType.SESSION_CLOSED)).reason).toBe('serverDropped');
    await eventually(() =>
      expect(factory.recording.lines('gone')).toEqual(['onCreate', 'beforeJoin:join', 'onJoin:2', 'onLeave:1:clientDisconnect', 'beforeClose:serverDropped', 'onClose:serverDropped']),
    );
  });

  it('an empty session closes at its empty TTL: onClose (empty)', async () => {
    const factory = recordingFactory(['rec']);
    const s = await start(factory, { defaultPlugin: 'rec' }, { reconnectGraceMs: 0 });
    const host = await s.client();
    await host.request({ type: RequestType.CREATE, name: 'idle', playerTtlMs: 300, emptySessionTtlMs: 100 });
    await host.kill();
    await eventually(() =>
      expect(factory.recording.lines('idle')).toEqual(['onCreate', 'onLeave:1:clientDisconnect:inactive', 'beforeClose:empty', 'onClose:empty']),
    );
  });
});
