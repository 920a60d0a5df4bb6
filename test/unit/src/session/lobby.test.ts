// The lobby on the signaling hub and a manual clock: LOBBY_SUBSCRIBE and the LOBBY_UPDATE lists
// that follow lobby-visible changes (coalesced, bounded), join random or create (race-safe), and
// how filters compare over signaling (typed) and HTTP (text).
import { describe, expect, it } from 'vitest';
import { EventType, ReplyType, RequestType, type JoinResult, type ListResult, type ServerMessage } from '../../../../src/protocol/index.js';
import { createLobbyFeed, createLocalLobbySignal } from '../../../../src/session/lobby-feed.js';
import { createKeyedLock } from '../../../../src/session/keyed-lock.js';
import { spells } from '../../../../src/session/views.js';
import { buildSessionService } from '../../../../src/session/service.js';
import { createMemorySessionStore } from '../../../../src/session/store.js';
import { appKeyOf, newSession } from '../../../../src/session/model.js';
import type { Properties } from '../../../../src/protocol/index.js';
import { setupHub, type FakePeer } from '../../../support/fake-hub-peer.js';

const ok = <T>(message: ServerMessage): T => {
  if (message.type !== ReplyType.RESPONSE) throw new Error(JSON.stringify(message));
  return message.result as T;
};
const code = (message: ServerMessage): string | undefined => (message.type === ReplyType.ERROR ? message.code : undefined);
const updates = (peer: FakePeer) => peer.events(EventType.LOBBY_UPDATE) as unknown as ListResult[];
const names = (list: ListResult) => list.sessions.map((s) => s.name);

describe('lobby subscriptions', () => {
  it('answers with the first list, then pushes the whole list after each lobby-visible change', async () => {
    const { clock, hub, connect } = setupHub({ lobbyUpdateIntervalMs: 500 });
    const host = await connect();
    ok(await host.request({ type: RequestType.CREATE, name: 'a', properties: { map: 'dust' }, lobbyKeys: ['map'] }));
    const browser = await connect();
    const first = ok<ListResult>(await browser.request({ type: RequestType.LOBBY_SUBSCRIBE }));
    expect(first.sessions).toMatchObject([{ name: 'a', players: 1, properties: { map: 'dust' } }]);
    expect(first.sessions[0]!.sessionId).toEqual(expect.any(String));

    // A client joins: the player count changes; the update waits for the subscriber's interval.
    const client = await connect();
    ok(await client.request({ type: RequestType.JOIN, name: 'a' }));
    await clock.advanceAsync(499);
    expect(updates(browser)).toHaveLength(0);
    await clock.advanceAsync(1);
    expect(updates(browser).at(-1)!.sessions).toMatchObject([{ name: 'a', players: 2 }]);

    // Properties, then a close: each arrives as a whole list.
    await clock.advanceAsync(500);
    ok(await host.request({ type: RequestType.SET_PROPERTIES, properties: { map: 'nuke' } }));
    await clock.advanceAsync(0);
    expect(updates(browser).at(-1)!.sessions).toMatchObject([{ name: 'a', properties: { map: 'nuke' } }]);
    await clock.advanceAsync(500);
    ok(await host.request({ type: RequestType.SET_PROPERTIES, visible: false }));
    await clock.advanceAsync(0);
    expect(updates(browser).at(-1)!.sessions).toEqual([]);
    expect(updates(browser)).toHaveLength(3);
    await hub.shutdown();
    expect(clock.pendingTimers).toBe(0);
  });

  it('coalesces a burst into one list per interval and sends nothing when the list did not change', async () => {
    const { clock, hub, connect } = setupHub({ lobbyUpdateIntervalMs: 500 });
    const browser = await connect();
    ok(await browser.request({ type: RequestType.LOBBY_SUBSCRIBE }));
    await clock.advanceAsync(500);
    const hosts = await Promise.all([1, 2, 3, 4, 5].map(() => connect()));
    for (const [i, host] of hosts.entries()) ok(await host.request({ type: RequestType.CREATE, name: `s${i}` }));
    await clock.advanceAsync(0);
    expect(updates(browser)).toHaveLength(1);
    expect(names(updates(browser)[0]!)).toEqual(['s0', 's1', 's2', 's3', 's4']);
    // A hidden session's changes (and a rejoin-free drop with a TTL) leave the list as it was.
    const hidden = await connect();
    ok(await hidden.request({ type: RequestType.CREATE, name: 'hidden', visible: false }));
    await clock.advanceAsync(1_000);
    expect(updates(browser)).toHaveLength(1);
    await hub.shutdown();
  });

  it('keeps the filter and limit, replaces on a second subscribe, and stops on unsubscribe and on close', async () => {
    const { clock, hub, connect } = setupHub({ lobbyUpdateIntervalMs: 100 });
    const browser = await connect();
    ok(await browser.request({ type: RequestType.LOBBY_SUBSCRIBE, filter: { rank: 5 }, limit: 1 }));
    const make = async (name: string, rank: number | string) => {
      const host = await connect();
      ok(await host.request({ type: RequestType.CREATE, name, properties: { rank }, lobbyKeys: ['rank'] }));
      await clock.advanceAsync(100);
    };
    await make('five', 5);
    // Over signaling values are typed: "5" is not 5.
    await make('text-five', '5');
    await make('another-five', 5);
    // The limit holds the list to one; the second list says more match.
    expect(updates(browser).map(names)).toEqual([['five'], ['five']]);
    expect(updates(browser).map((u) => u.more)).toEqual([undefined, true]);
    const replaced = ok<ListResult>(await browser.request({ type: RequestType.LOBBY_SUBSCRIBE, filter: { rank: '5' } }));
    expect(names(replaced)).toEqual(['text-five']);
    expect(ok<ListResult>(await browser.request({ type: RequestType.LOBBY_SUBSCRIBE, subscribe: false })).sessions).toEqual([]);
    await make('later', '5');
    expect(updates(browser)).toHaveLength(2);
    ok(await browser.request({ type: RequestType.LOBBY_SUBSCRIBE }));
    browser.connection.onClose();
    await make('after-close', 1);
    expect(updates(browser)).toHaveLength(2);
    await hub.shutdown();
  });

  it('caps subscriptions in the service (one per connection) with LIMIT_EXCEEDED, and frees a dropped one', async () => {
    const { clock, hub, connect } = setupHub({ maxLobbySubscribers: 2 });
    const [a, b, c] = [await connect(), await connect(), await connect()];
    ok(await a.request({ type: RequestType.LOBBY_SUBSCRIBE }));
    ok(await a.request({ type: RequestType.LOBBY_SUBSCRIBE }));
    ok(await b.request({ type: RequestType.LOBBY_SUBSCRIBE }));
    expect(code(await c.request({ type: RequestType.LOBBY_SUBSCRIBE }))).toBe('LIMIT_EXCEEDED');
    a.connection.onClose();
    await clock.advanceAsync(0);
    ok(await c.request({ type: RequestType.LOBBY_SUBSCRIBE }));
    await hub.shutdown();
  });

  it('bounds each pushed list by the service list caps (count and bytes), saying more follow', async () => {
    const { clock, hub, connect } = setupHub({ maxListSessions: 3, lobbyUpdateIntervalMs: 10 });
    const browser = await connect();
    ok(await browser.request({ type: RequestType.LOBBY_SUBSCRIBE, limit: 50 }));
    for (let i = 0; i < 5; i++) ok(await (await connect()).request({ type: RequestType.CREATE, name: `n${i}` }));
    await clock.advanceAsync(10);
    expect(updates(browser).at(-1)).toMatchObject({ more: true });
    expect(updates(browser).at(-1)!.sessions).toHaveLength(3);
    await hub.shutdown();
  });

  it('hears changes another process announces on the signal (the bus seam), and none after close', async () => {
    const signal = createLocalLobbySignal({ logger: { error: () => undefined } } as never);
    let calls = 0;
    const { ManualClock } = await import('../../../../core/index.js');
    const clock = new ManualClock();
    const sent: ServerMessage[] = [];
    const feed = createLobbyFeed({ clock, logger: console } as never, {
      list: async () => ({ sessions: [{ name: `x${++calls}`, players: 1, maxPlayers: 2, properties: {} }] }),
      signal,
      codec: (await import('../../../../src/protocol/index.js')).createSignalingCodec({ maxFrameBytes: 1 << 16 }),
      maxSubscribers: 1,
      updateIntervalMs: 100,
    });
    const peer = { address: 'a', sessionsCreated: 0, closed: false, hello: { appId: 'g', appVersion: '1', appKey: 'k' }, send: (m: ServerMessage) => sent.push(m), deliver: () => undefined };
    await feed.subscribe(peer, { type: RequestType.LOBBY_SUBSCRIBE, id: 1 });
    signal.lobbyChanged('other-app');
    await clock.advanceAsync(100);
    expect(sent).toHaveLength(0);
    signal.lobbyChanged('k');
    await clock.advanceAsync(100);
    expect(sent).toMatchObject([{ type: EventType.LOBBY_UPDATE, sessions: [{ name: 'x2' }] }]);
    feed.close();
    signal.lobbyChanged('k');
    await clock.advanceAsync(100);
    expect(sent).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('join random or create', () => {
  it('creates when nothing matches (the filter becomes lobby properties) and joins once something does', async () => {
    const { hub, connect } = setupHub();
    const first = await connect();
    const created = ok<JoinResult>(await first.request({ type: RequestType.JOIN_RANDOM, filter: { mode: 'ffa' }, create: { maxPlayers: 4 } }));
    expect(created).toMatchObject({ created: true, mode: 'server', session: { maxPlayers: 4, properties: { mode: 'ffa' }, lobbyKeys: ['mode'] } });
    const second = await connect();
    const joined = ok<JoinResult>(await second.request({ type: RequestType.JOIN_RANDOM, filter: { mode: 'ffa' }, create: {} }));
    expect(joined).toMatchObject({ created: false, mode: 'client', session: { sessionId: created.session.sessionId } });
    // Without `create` nothing changes: no match is NO_MATCH.
    expect(code(await (await connect()).request({ type: RequestType.JOIN_RANDOM, filter: { mode: 'duel' } }))).toBe('NO_MATCH');
    await hub.shutdown();
  });

  it('ends two peers asking at once as one server and one client of one session', async () => {
    const { hub, connect } = setupHub();
    const [a, b] = [await connect(), await connect()];
    const both = await Promise.all([a, b].map((peer) => peer.request({ type: RequestType.JOIN_RANDOM, filter: { q: 1 }, create: {} })));
    const results = both.map((m) => ok<JoinResult>(m));
    expect(results.map((r) => r.mode).sort()).toEqual(['client', 'server']);
    expect(new Set(results.map((r) => r.session.sessionId)).size).toBe(1);
    await hub.shutdown();
  });

  it('creates with the name asked for, and refuses a taken one with SESSION_EXISTS', async () => {
    const { hub, connect } = setupHub();
    const hidden = await connect();
    ok(await hidden.request({ type: RequestType.CREATE, name: 'taken', visible: false }));
    const peer = await connect();
    expect(code(await peer.request({ type: RequestType.JOIN_RANDOM, create: { name: 'taken' } }))).toBe('SESSION_EXISTS');
    expect(ok<JoinResult>(await peer.request({ type: RequestType.JOIN_RANDOM, create: { name: 'mine' } })).session.name).toBe('mine');
    await hub.shutdown();
  });

  it('runs tasks of one key one at a time and releases the key', async () => {
    const lock = createKeyedLock();
    const order: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = lock.run('k', async () => {
      order.push('first in');
      await gate;
      order.push('first out');
    });
    const second = lock.run('k', async () => void order.push('second'));
    const other = lock.run('j', async () => void order.push('other'));
    await other;
    expect(order).toEqual(['first in', 'other']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'other', 'first out', 'second']);
    expect(lock.size).toBe(0);
  });
});

describe('filters', () => {
  it('over HTTP, a query value finds the number or boolean it spells as well as the string', async () => {
    const store = createMemorySessionStore();
    const service = buildSessionService({ store });
    const settings = { maxPlayers: 4, open: true, visible: true, lobbyKeys: ['rank', 'ok', 'map'], playerTtlMs: 0, emptySessionTtlMs: 0 };
    const add = (name: string, properties: Properties) => store.insert(newSession(name, appKeyOf('g', '1'), name, { ...settings, properties }, 0));
    await add('number', { rank: 5, ok: true, map: 'dust' });
    await add('text', { rank: '5', ok: 'true', map: 'dust' });
    await add('other', { rank: 6, ok: false, map: 'nuke' });
    const list = async (query: string) =>
      ((await service.app.inject({ url: `/v1/sessions?appId=g&appVersion=1&${query}` })).json() as ListResult).sessions.map((s) => s.name);
    expect(await list('rank=5')).toEqual(['number', 'text']);
    expect(await list('ok=true')).toEqual(['number', 'text']);
    expect(await list('ok=false')).toEqual(['other']);
    expect(await list('rank=5.0&map=dust')).toEqual(['number']);
    expect(await list('rank=6&ok=false')).toEqual(['other']);
    expect(await list('rank=7')).toEqual([]);
    await service.close();
  });

  it('spells: decimals name numbers, true/false name booleans, strings compare exactly', () => {
    expect(spells('5', 5)).toBe(true);
    expect(spells('5.0', 5)).toBe(true);
    expect(spells('-2.5e1', -25)).toBe(true);
    expect(spells('5', '5')).toBe(true);
    expect(spells('true', true)).toBe(true);
    expect(spells('false', false)).toBe(true);
    expect(spells('', 0)).toBe(false);
    expect(spells(' 5', 5)).toBe(false);
    expect(spells('0x5', 5)).toBe(false);
    expect(spells('Infinity', Infinity)).toBe(false);
    expect(spells('1', true)).toBe(false);
    expect(spells('True', true)).toBe(false);
    expect(spells('5', 6)).toBe(false);
    expect(spells('5.0', '5')).toBe(false);
  });
});
