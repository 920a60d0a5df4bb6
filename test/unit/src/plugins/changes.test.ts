// The plugin host's pure changes, what gates may return, the plugin config's validation and the
// bounded JSON check of PLUGIN_EVENT data.
import { describe, expect, it } from 'vitest';
import { PunchthroughError } from '../../../../core/index.js';
import { EventType, boundedJson } from '../../../../src/protocol/index.js';
import { pluginClose, pluginRemove, pluginSetProperties } from '../../../../src/plugins/changes.js';
import { validatePluginsConfig } from '../../../../src/plugins/config.js';
import { readOverrides, readRewrite } from '../../../../src/plugins/results.js';
import { admit, create, type Session } from '../../../../src/session/model.js';

const settings = { maxPlayers: 4, open: true, visible: true, properties: { phase: 'lobby' }, lobbyKeys: [], playerTtlMs: 0, emptySessionTtlMs: 0 };
const member = (mode: 'server' | 'client', n: number) => ({ mode, peerId: `p${n}`, rejoinToken: `t${n}`, pairSecret: new Uint8Array(32) });

function session(): Session {
  const made = create('s1', 'app\u00001', 'room', settings, member('server', 1), 0);
  if (!made.ok) throw new Error('create');
  const joined = admit(made.change.next!, member('client', 2), 0);
  if (!joined.ok) throw new Error('admit');
  return joined.change.next!;
}

describe('plugin changes', () => {
  it('setProperties by the session reaches every member, the server too; a mismatch of expected changes nothing', () => {
    const done = pluginSetProperties(session(), { properties: { phase: 'play' } }, { phase: 'lobby' });
    expect(done.ok && done.change.deliveries.map((d) => d.actor)).toEqual([1, 2]);
    expect(done.ok && done.change.next!.properties).toEqual({ phase: 'play' });
    expect(pluginSetProperties(session(), { properties: { phase: 'x' } }, { phase: 'play' })).toMatchObject({ ok: false, code: 'PROPERTIES_MISMATCH' });
  });

  it('removing a client tells it KICKED plugin; removing the server closes the session with reason plugin', () => {
    const client = pluginRemove(session(), 2, 'bye', 0);
    expect(client.ok && client.change.deliveries).toEqual([
      { actor: 2, event: { type: EventType.KICKED, sessionId: 's1', reason: 'plugin', message: 'bye' } },
      { actor: 1, event: { type: EventType.PEER_LEFT, peerId: 'p2', actor: 2, reason: 'kicked' } },
    ]);
    const server = pluginRemove(session(), 1, 'closing', 0);
    expect(server.ok && server.change.next).toBeNull();
    expect(server.ok && server.change.events.map((e) => e.type)).toEqual(['memberLeft', 'sessionClosed']);
    expect(server.ok && server.change.deliveries.map((d) => [d.actor, d.event.type, 'reason' in d.event ? d.event.reason : undefined])).toEqual([
      [1, EventType.KICKED, 'plugin'],
      [2, EventType.SESSION_CLOSED, 'plugin'],
    ]);
    expect(pluginRemove(session(), 9, '', 0)).toMatchObject({ ok: false, code: 'PLAYER_NOT_FOUND' });
    expect(pluginClose(session()).ok && pluginClose(session())).toMatchObject({ change: { next: null } });
  });
});

describe('gate results', () => {
  it('reads overrides and rewrites, and names a wrong field', () => {
    expect(readOverrides(undefined)).toBeUndefined();
    expect(readOverrides({ maxPlayers: 2, open: false, state: { a: 1 } })).toEqual({ maxPlayers: 2, open: false, state: { a: 1 } });
    expect(readOverrides({ maxPlayers: 'many' })).toBeInstanceOf(PunchthroughError);
    expect(readOverrides({ maxPlayers: 0 })).toBeInstanceOf(PunchthroughError);
    expect(readOverrides([1])).toBeInstanceOf(PunchthroughError);
    expect(readRewrite({ properties: { a: 1 }, lobbyKeys: ['a'] })).toEqual({ properties: { a: 1 }, lobbyKeys: ['a'] });
    expect(readRewrite({ visible: 'yes' })).toBeInstanceOf(PunchthroughError);
  });
});

describe('plugins config', () => {
  const factory = { names: ['a'], create: () => ({ name: 'a' }) };
  it('accepts a valid config and names the key at fault otherwise', () => {
    expect(validatePluginsConfig({ factory, defaultPlugin: 'a', required: true, config: { k: 'v' }, deadlines: { gateMs: 500 } }, 'p')).toBeTruthy();
    const fails = (value: unknown) => {
      try {
        validatePluginsConfig(value, 'apps.g.plugins');
      } catch (error) {
        return (error as PunchthroughError).message;
      }
      return 'accepted';
    };
    expect(fails({ factory, defaultPlugin: 'b' })).toMatch(/^apps\.g\.plugins\.defaultPlugin/);
    expect(fails({ factory, deadlines: { gateMs: 10_000 } })).toMatch(/^apps\.g\.plugins\.deadlines\.gateMs/);
    expect(fails({ factory, deadlines: { slowMs: 1 } })).toMatch(/^apps\.g\.plugins\.deadlines\.slowMs/);
    expect(fails({ factory, config: { k: 1 } })).toMatch(/^apps\.g\.plugins\.config\.k/);
    expect(fails({ factory, required: 'yes' })).toMatch(/^apps\.g\.plugins\.required/);
    expect(fails({ factory: { names: 'a', create: () => undefined } })).toMatch(/factory\.names/);
  });
});

describe('bounded JSON (PLUGIN_EVENT data)', () => {
  const check = boundedJson(4, 10);
  it('accepts JSON within the budgets and refuses deep, long, non-finite or non-plain values before walking further', () => {
    expect(check({ a: [1, 'x', null, true] })).toEqual({ a: [1, 'x', null, true] });
    expect(() => check([[[[[1]]]]])).toThrow(/levels deep/);
    expect(() => check(Array.from({ length: 11 }, () => 0))).toThrow(/values/);
    expect(() => check({ n: Number.NaN })).toThrow(/finite/);
    expect(() => check(new Date())).toThrow(/JSON/);
    expect(() => check(new Map())).toThrow(/JSON/);
  });
});
