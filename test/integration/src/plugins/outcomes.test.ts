// What a gate's settlement does to the request: fail → PLUGIN_REPORTED_ERROR (32752) with the
// plugin's reason, a throw → 32752 with a generic message, no settlement → HOOK_TIMEOUT within
// the deadline, 'cancel' and rewrites of a property change, onCreate overrides checked against
// the service's limits, and a joiner who disconnects while beforeJoin runs never gets callbacks.
import { afterEach, describe, expect, it } from 'vitest';
import { EventType, RequestType } from '../../../../src/protocol/index.js';
import { eventually, recordingFactory, replyError, startPluginService, type PluginService } from '../../../support/plugin-fixtures.js';

let service: PluginService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

const GATE_MS = 300;

describe('gate outcomes', () => {
  it('fail refuses with PLUGIN_REPORTED_ERROR and the reason; a throw refuses with PLUGIN_ERROR and a generic message; both Photon 32752', async () => {
    const factory = recordingFactory(['strict', 'buggy'], {
      strict: { beforeJoin: (call: { fail(reason: string, message?: string): never }) => call.fail('banned', 'You are banned from this room') },
      buggy: {
        beforeJoin: () => {
          throw new Error('secret internals: db password is hunter2');
        },
      },
    });
    service = await startPluginService({ apps: { game: { plugins: { factory } } } });
    const host = await service.client();
    await host.request({ type: RequestType.CREATE, name: 'strict', plugin: 'strict' });
    const host2 = await service.client();
    await host2.request({ type: RequestType.CREATE, name: 'buggy', plugin: 'buggy' });
    const guest = await service.client();
    expect(await replyError(guest.request({ type: RequestType.JOIN, name: 'strict' }))).toEqual(
      expect.objectContaining({ code: 'PLUGIN_REPORTED_ERROR', photonCode: 32752, message: 'You are banned from this room', detail: { reason: 'banned' } }),
    );
    const thrown = await replyError(guest.request({ type: RequestType.JOIN, name: 'buggy' }));
    expect(thrown).toMatchObject({ code: 'PLUGIN_ERROR', photonCode: 32752 });
    expect(thrown.message).not.toContain('hunter2');
    // A refused joiner never entered: no onJoin, no onLeave.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(factory.recording.lines('strict')).toEqual(['onCreate', 'beforeJoin:join']);
  });

  it('a gate that never settles is answered HOOK_TIMEOUT within its deadline (+ a margin), and the session carries on', async () => {
    let hang = true;
    const factory = recordingFactory(['stuck'], { stuck: { beforeJoin: () => (hang ? new Promise(() => undefined) : undefined) } });
    service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'stuck', deadlines: { gateMs: GATE_MS } } } } });
    const host = await service.client();
    await host.request({ type: RequestType.CREATE, name: 'slow' });
    const guest = await service.client();
    const asked = performance.now();
    expect(await replyError(guest.request({ type: RequestType.JOIN, name: 'slow' }))).toMatchObject({ code: 'HOOK_TIMEOUT', photonCode: 32752 });
    expect(performance.now() - asked).toBeLessThan(GATE_MS + 500);
    hang = false;
    await guest.request({ type: RequestType.JOIN, name: 'slow' });
  });

  it('a late settlement is ignored and counted: punchthrough_plugin_calls_total by outcome, punchthrough_plugin_late_total', async () => {
    let settle: () => void = () => undefined;
    const factory = recordingFactory(['late'], { late: { beforeJoin: () => new Promise<void>((resolve) => (settle = resolve)) } });
    service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'late', deadlines: { gateMs: GATE_MS } } } } });
    const host = await service.client();
    await host.request({ type: RequestType.CREATE, name: 'tardy' });
    const guest = await service.client();
    expect(await replyError(guest.request({ type: RequestType.JOIN, name: 'tardy' }))).toMatchObject({ code: 'HOOK_TIMEOUT' });
    settle();
    const metricsUrl = service.url.replace('ws://', 'http://').replace('/v1/signaling', '/metrics');
    let text = '';
    for (let tries = 0; tries < 100 && !text.includes('punchthrough_plugin_late_total{plugin="late",callback="beforeJoin"} 1'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      text = await (await fetch(metricsUrl)).text();
    }
    expect(text).toContain('punchthrough_plugin_late_total{plugin="late",callback="beforeJoin"} 1');
    expect(text).toContain('punchthrough_plugin_calls_total{plugin="late",callback="beforeJoin",outcome="timeout"} 1');
    expect(text).toContain('punchthrough_plugin_calls_total{plugin="late",callback="create",outcome="continue"} 1');
    expect(text).toContain('punchthrough_plugin_duration_seconds_bucket');
    // The late settlement did not admit the peer.
    expect(factory.recording.lines('tardy')).toEqual(['onCreate', 'beforeJoin:join']);
  });

  it('a peer a client without codes-v2 is refused by a plugin gets INVALID_REQUEST naming the code', async () => {
    const factory = recordingFactory(['strict'], { strict: { beforeJoin: (call: { fail(reason: string): never }) => call.fail('nope') } });
    service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'strict' } } } });
    const host = await service.client();
    await host.request({ type: RequestType.CREATE, name: 'r' });
    const old = await service.client({ features: [] });
    const reply = await replyError(old.request({ type: RequestType.JOIN, name: 'r' }));
    expect(reply.code).toBe('INVALID_REQUEST');
    expect(reply.message).toMatch(/^PLUGIN_REPORTED_ERROR/);
  });

  it('beforeSetProperties: cancel drops the change silently; a rewrite replaces it', async () => {
    const factory = recordingFactory(['guard'], {
      guard: {
        beforeSetProperties: (call: { request: { properties?: Record<string, unknown> } }) => {
          if (call.request.properties?.cheat !== undefined) return 'cancel';
          if (call.request.properties?.score !== undefined) return { properties: { score: 0 } };
          return undefined;
        },
      },
    });
    service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'guard' } } } });
    const host = await service.client();
    await host.request({ type: RequestType.CREATE, name: 'props' });
    const guest = await service.client();
    await guest.request({ type: RequestType.JOIN, name: 'props' });
    await host.request({ type: RequestType.SET_PROPERTIES, properties: { cheat: 1 } });
    await host.request({ type: RequestType.SET_PROPERTIES, properties: { score: 99 } });
    const changed = await guest.next(EventType.PROPERTIES_CHANGED);
    expect(changed.properties).toEqual({ score: 0 });
    expect(guest.events.filter((e) => e.type === EventType.PROPERTIES_CHANGED)).toEqual([]);
  });

  it('onCreate overrides are applied and enforced; overrides beyond the service limits fail LIMIT_EXCEEDED', async () => {
    const factory = recordingFactory(['duel', 'greedy'], {
      duel: { onCreate: () => ({ maxPlayers: 2, properties: { mode: 'duel' }, state: { round: 0 } }) },
      greedy: { onCreate: () => ({ maxPlayers: 100_000 }) },
    });
    service = await startPluginService({ apps: { game: { plugins: { factory } } } });
    const host = await service.client();
    const created = await host.request({ type: RequestType.CREATE, name: 'duel', plugin: 'duel', maxPlayers: 8 });
    expect(created.session).toMatchObject({ maxPlayers: 2, properties: { mode: 'duel' } });
    const first = await service.client();
    await first.request({ type: RequestType.JOIN, name: 'duel' });
    const second = await service.client();
    expect(await replyError(second.request({ type: RequestType.JOIN, name: 'duel' }))).toMatchObject({ code: 'SESSION_FULL' });
    expect(factory.recording.hosts.get('duel')?.state.get()).toEqual({ round: 0 });
    const greedy = await service.client();
    expect(await replyError(greedy.request({ type: RequestType.CREATE, name: 'greedy', plugin: 'greedy' }))).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    // The refused create left no session behind.
    expect(await replyError(greedy.request({ type: RequestType.JOIN, name: 'greedy' }))).toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });
});

describe('disconnect during beforeJoin', () => {
  it('a joiner whose socket closes while beforeJoin runs is never admitted: neither onJoin nor onLeave', async () => {
    let release: () => void = () => undefined;
    const factory = recordingFactory(['gate'], {
      gate: {
        beforeJoin: (call: { signal: AbortSignal }) =>
          new Promise<void>((resolve) => {
            release = resolve;
            call.signal.addEventListener('abort', () => resolve());
          }),
      },
    });
    service = await startPluginService({ apps: { game: { plugins: { factory, defaultPlugin: 'gate' } } }, reconnectGraceMs: 0 });
    const host = await service.client();
    await host.request({ type: RequestType.CREATE, name: 'door' });
    const guest = await service.client();
    void guest.request({ type: RequestType.JOIN, name: 'door' }).catch(() => undefined);
    await eventually(() => expect(factory.recording.lines('door')).toContain('beforeJoin:join'));
    await guest.kill();
    release();
    // Another peer's join and leave show the session's queue moved on past the abandoned join.
    const next = await service.client();
    const joining = next.request({ type: RequestType.JOIN, name: 'door' });
    await eventually(() => expect(factory.recording.lines('door').filter((l) => l === 'beforeJoin:join')).toHaveLength(2));
    release();
    expect((await joining).actor).toBe(2);
    await next.request({ type: RequestType.LEAVE });
    await eventually(() => expect(factory.recording.lines('door').at(-1)).toMatch(/^onLeave/));
    const lines = factory.recording.lines('door');
    expect(lines.filter((l) => l.startsWith('onJoin'))).toEqual(['onJoin:2']);
    expect(lines.filter((l) => l.startsWith('onLeave'))).toEqual(['onLeave:2:left']);
  });
});
