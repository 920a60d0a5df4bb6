// Sessions and lobby through the SDK on the virtual network and a manual clock (the session
// service in memory): listSessions and the lobby subscription, runner.session and property
// changes, and autoHostOrClient's race (two runners started in the same tick).
import { afterEach, describe, expect, it } from 'vitest';
import type { NetworkRunner, SessionListUpdatedEvent, SessionPropertiesChangedEvent } from '../../../client-sdk/index.js';
import { advanceUntil, advanceUntilSettled } from '../../support/drive.js';
import { createMemoryCloud, type MemoryCloud } from '../../support/memory-cloud.js';

let cloud: MemoryCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

async function setup(seed: number) {
  const c = (cloud = await createMemoryCloud(seed, { lobbyUpdateIntervalMs: 200 }));
  const runnerBehindNat = (): NetworkRunner => c.runner(c.network.addNat({ preset: 'port-restricted-cone' }).addHost());
  return { c, runnerBehindNat };
}

/** Rejects with this code. */
async function codeOf(c: MemoryCloud, promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await advanceUntilSettled(c.clock, promise, 'request');
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('sessions and lobby on the virtual network', () => {
  it('lists sessions before any start, pushes lobby updates, and closes the lobby connection on leave and at shutdown', async () => {
    const { c, runnerBehindNat } = await setup(21);
    const browser = runnerBehindNat();
    expect(await advanceUntilSettled(c.clock, browser.listSessions(), 'empty list')).toEqual([]);
    const lists: SessionListUpdatedEvent[] = [];
    browser.on('sessionListUpdated', (event) => lists.push(event));
    await advanceUntilSettled(c.clock, browser.joinLobby({ filter: { rank: 5 } }), 'join lobby');
    expect(lists).toEqual([{ sessions: [], more: false }]);

    const host = runnerBehindNat();
    await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'ranked', sessionProperties: { rank: 5, ok: true }, maxPlayers: 4 }), 'host');
    await advanceUntil(c.clock, () => lists.length === 2, 'the created session in the lobby');
    expect(lists[1]!.sessions).toEqual([{ name: 'ranked', id: host.session!.id, properties: { rank: 5, ok: true }, playerCount: 1, maxPlayers: 4, open: true, visible: true }]);

    const client = runnerBehindNat();
    await advanceUntilSettled(c.clock, client.startGame({ mode: 'client', filter: { rank: 5, ok: true } }), 'random join');
    await advanceUntil(c.clock, () => lists.at(-1)!.sessions[0]?.playerCount === 2, 'player count 2 in the lobby');

    // Typed over signaling: "5" is not 5.
    expect(await advanceUntilSettled(c.clock, browser.listSessions({ filter: { rank: '5' } }), 'typed')).toEqual([]);
    expect((await advanceUntilSettled(c.clock, browser.listSessions({ filter: { ok: true }, limit: 10, offset: 0 }), 'list'))[0]!.name).toBe('ranked');

    const before = c.hub.connectionCount;
    await advanceUntilSettled(c.clock, browser.leaveLobby(), 'leave lobby');
    await c.clock.advanceAsync(0);
    expect(c.hub.connectionCount).toBe(before - 1);
    await advanceUntilSettled(c.clock, browser.joinLobby(), 'join again');
    expect(c.hub.connectionCount).toBe(before);
    await advanceUntilSettled(c.clock, browser.shutdown(), 'shutdown');
    expect(c.hub.connectionCount).toBe(before - 1);
    expect(await codeOf(c, browser.listSessions())).toBe('RUNNER_CLOSED');
  });

  it('keeps runner.session current at every member: properties with compare-and-set, open, visible, player count', async () => {
    const { c, runnerBehindNat } = await setup(22);
    const host = runnerBehindNat();
    const client = runnerBehindNat();
    expect(host.session).toBeUndefined();
    await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionProperties: { map: 'dust', round: 1 } }), 'host');
    await advanceUntilSettled(c.clock, client.startGame({ mode: 'client' }), 'client joins at random');
    // A client that joined at random reads the session's properties and player count.
    expect(client.session).toMatchObject({ name: host.session!.name, properties: { map: 'dust', round: 1 }, playerCount: 2, open: true, visible: true });
    await advanceUntil(c.clock, () => host.session!.playerCount === 2, 'host sees the client');

    const heard: SessionPropertiesChangedEvent[] = [];
    const told: SessionPropertiesChangedEvent[] = [];
    client.on('sessionPropertiesChanged', (event) => heard.push(event));
    host.on('sessionPropertiesChanged', (event) => told.push(event));
    await advanceUntilSettled(c.clock, host.setSessionProperties({ round: 2, map: null }, { expected: { round: 1 } }), 'cas');
    expect(host.session!.properties).toEqual({ round: 2 });
    await advanceUntil(c.clock, () => heard.length === 1, 'client hears the change');
    expect(heard[0]).toMatchObject({ changed: { round: 2, map: null }, actor: 1, session: { properties: { round: 2 } } });
    expect(told).toHaveLength(1);

    expect(await codeOf(c, host.setSessionProperties({ round: 3 }, { expected: { round: 1 } }))).toBe('PROPERTIES_MISMATCH');
    expect(host.session!.properties).toEqual({ round: 2 });
    expect(await codeOf(c, client.setSessionProperties({ round: 9 }))).toBe('NOT_ALLOWED');
    expect(await codeOf(c, client.setSessionOpen(false))).toBe('NOT_ALLOWED');
    expect(await codeOf(c, host.setSessionProperties({ big: 'x'.repeat(4_000), more: 'y'.repeat(1_000) }))).toBe('LIMIT_EXCEEDED');

    await advanceUntilSettled(c.clock, host.setSessionOpen(false), 'close');
    await advanceUntilSettled(c.clock, host.setSessionVisible(false), 'hide');
    await advanceUntil(c.clock, () => client.session!.visible === false, 'client sees open and visible');
    expect(client.session).toMatchObject({ open: false, visible: false });
    expect(await advanceUntilSettled(c.clock, runnerBehindNat().listSessions(), 'hidden from the lobby')).toEqual([]);

    await advanceUntilSettled(c.clock, client.shutdown(), 'client leaves');
    await advanceUntil(c.clock, () => host.session!.playerCount === 1, 'host sees the client go');
    // Before a start there is no session to change.
    expect(await codeOf(c, runnerBehindNat().setSessionOpen(true))).toBe('NOT_IN_SESSION');
  });

  it('autoHostOrClient: two runners started in the same tick end as one server and one client, connected', async () => {
    for (const sessionName of [undefined, 'named']) {
      const { c, runnerBehindNat } = await setup(sessionName ? 24 : 23);
      const [a, b] = [runnerBehindNat(), runnerBehindNat()];
      const game = { mode: 'autoHostOrClient' as const, filter: { queue: 'ranked' }, ...(sessionName ? { sessionName } : {}) };
      const both = Promise.all([a.startGame(game), b.startGame(game)]);
      const results = await advanceUntilSettled(c.clock, both, 'both started');
      expect(results.map((r) => r.mode).sort()).toEqual(['client', 'server']);
      expect(results[0]!.sessionId).toBe(results[1]!.sessionId);
      const [server, client] = results[0]!.mode === 'server' ? [a, b] : [b, a];
      await advanceUntil(c.clock, () => server.connectedPeers().length === 1, 'the server sees its client');
      expect(client.connectedPeers()).toHaveLength(1);
      if (!sessionName) expect(server.session!.properties).toEqual({ queue: 'ranked' });
      // A third finds the session now.
      const third = await advanceUntilSettled(c.clock, runnerBehindNat().startGame(game), 'third');
      expect(third).toMatchObject({ mode: 'client', sessionId: results[0]!.sessionId });
      await cloud!.close();
      cloud = undefined;
    }
  });
});
