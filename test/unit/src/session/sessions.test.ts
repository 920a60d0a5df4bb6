// The sessions service alone (no gateway, no sockets): concurrent joins on one store, join-random,
// limits checked again on the state being written, shutdown.
import { describe, expect, it } from 'vitest';
import { EventType, RequestType, type JoinResult } from '../../../../src/protocol/index.js';
import { createMemorySessionStore } from '../../../../src/session/store.js';
import { meetingStore, sessionsRig } from '../../../support/session-parts.js';

const joined = (outcome: JoinResult | string): JoinResult => {
  if (typeof outcome === 'string') throw new Error(outcome);
  return outcome;
};

describe('sessions service', () => {
  it('admits exactly one of two joins racing for the last slot: the loser re-reads and is refused SESSION_FULL', async () => {
    const meeting = meetingStore(createMemorySessionStore());
    const { sessions, peer, enter } = sessionsRig({ store: meeting.store });
    const host = await peer();
    joined(await enter((reply) => sessions.create(host, { type: RequestType.CREATE, id: 2, name: 'last', maxPlayers: 2 }, reply)));
    const [a, b] = [await peer('198.51.100.2'), await peer('198.51.100.3')];
    meeting.arm();
    const outcomes = await Promise.all([
      enter((reply) => sessions.join(a, { type: RequestType.JOIN, id: 2, name: 'last' }, reply)),
      enter((reply) => sessions.join(b, { type: RequestType.JOIN, id: 2, name: 'last' }, reply)),
    ]);
    expect(meeting.stats.conflicts).toBe(1);
    expect(outcomes.filter((o) => typeof o !== 'string')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'SESSION_FULL')).toHaveLength(1);
    const stored = await meeting.store.findByName('g\u00001', 'last');
    expect(stored?.members.map((m) => m.actor)).toEqual([1, 2]);
    // The host heard of the winner only, once.
    expect(host.events(EventType.PEER_JOINED)).toHaveLength(1);
    expect([a, b].filter((p) => p.membership)).toHaveLength(1);
  });

  it('lets two racing joins both in when there is room, each with its own actor', async () => {
    const meeting = meetingStore(createMemorySessionStore());
    const { sessions, peer, enter } = sessionsRig({ store: meeting.store });
    const host = await peer();
    await enter((reply) => sessions.create(host, { type: RequestType.CREATE, id: 2, name: 'room', maxPlayers: 3 }, reply));
    const [a, b] = [await peer(), await peer()];
    meeting.arm();
    const outcomes = await Promise.all([a, b].map((p) => enter((reply) => sessions.join(p, { type: RequestType.JOIN, id: 2, name: 'room' }, reply))));
    expect(meeting.stats.conflicts).toBe(1);
    expect(outcomes.map((o) => joined(o).actor).sort()).toEqual([2, 3]);
  });

  it('joins at random the oldest listed session with room whose lobby properties match, skipping full, hidden, closed and refused ones', async () => {
    const refusedId: string[] = [];
    const { sessions, peer, enter } = sessionsRig({
      hooks: {
        authorizeJoin: ({ session, kind }) => {
          if (kind === 'random' && refusedId.includes(session.sessionId)) throw new Error('not this one');
        },
      },
    });
    const create = async (name: string, options: Record<string, unknown>) => {
      const host = await peer();
      return joined(await enter((reply) => sessions.create(host, { type: RequestType.CREATE, id: 2, name, lobbyKeys: ['map'], ...options }, reply)));
    };
    await create('full', { maxPlayers: 1, properties: { map: 'a' } });
    await create('hidden', { visible: false, properties: { map: 'a' } });
    await create('closed', { open: false, properties: { map: 'a' } });
    await create('other-map', { properties: { map: 'b' } });
    refusedId.push((await create('refuses', { properties: { map: 'a' } })).session.sessionId);
    await create('match', { properties: { map: 'a' } });
    await create('younger', { properties: { map: 'a' } });
    const seeker = await peer();
    const result = joined(await enter((reply) => sessions.joinRandom(seeker, { type: RequestType.JOIN_RANDOM, id: 2, filter: { map: 'a' } }, reply)));
    expect(result.session.name).toBe('match');
    const nobody = await peer();
    expect(await enter((reply) => sessions.joinRandom(nobody, { type: RequestType.JOIN_RANDOM, id: 2, filter: { map: 'z' } }, reply))).toBe('NO_MATCH');
  });

  it('checks the size limits again on the state being written: two changes that fit alone do not both land', async () => {
    const meeting = meetingStore(createMemorySessionStore());
    const { sessions, peer, enter } = sessionsRig({ store: meeting.store, maxLobbyKeys: 3 });
    const host = await peer();
    await enter((reply) => sessions.create(host, { type: RequestType.CREATE, id: 2, name: 'p', lobbyKeys: ['a'] }, reply));
    meeting.arm();
    const results = await Promise.allSettled([
      sessions.setProperties(host, { type: RequestType.SET_PROPERTIES, id: 3, lobbyKeys: ['b', 'c'] }),
      sessions.setProperties(host, { type: RequestType.SET_PROPERTIES, id: 4, lobbyKeys: ['d', 'e'] }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'LIMIT_EXCEEDED' } });
    const stored = await meeting.store.findByName('g\u00001', 'p');
    expect(stored?.lobbyKeys).toHaveLength(3);
  });

  it('refuses a create past the live-session limit and counts a closed session out again', async () => {
    const { sessions, peer, enter } = sessionsRig({ maxSessions: 1 });
    const first = await peer();
    await enter((reply) => sessions.create(first, { type: RequestType.CREATE, id: 2 }, reply));
    const second = await peer();
    expect(await enter((reply) => sessions.create(second, { type: RequestType.CREATE, id: 2 }, reply))).toBe('LIMIT_EXCEEDED');
    await sessions.leave(first);
    joined(await enter((reply) => sessions.create(second, { type: RequestType.CREATE, id: 2 }, reply)));
  });

  it('on shutdown clears memberships and deadlines and keeps the stored sessions, telling no member the session closed (it outlives the process)', async () => {
    const { clock, sessions, store, peer, enter } = sessionsRig();
    const host = await peer();
    await enter((reply) => sessions.create(host, { type: RequestType.CREATE, id: 2, name: 's', emptySessionTtlMs: 60_000, playerTtlMs: 60_000 }, reply));
    const client = await peer();
    await enter((reply) => sessions.join(client, { type: RequestType.JOIN, id: 2, name: 's' }, reply));
    const dropped = await peer();
    await enter((reply) => sessions.join(dropped, { type: RequestType.JOIN, id: 2, name: 's' }, reply));
    await sessions.drop(dropped);
    expect(clock.pendingTimers).toBe(1);
    sessions.shutdown([host, client, dropped]);
    for (const member of [host, client]) {
      expect(member.events(EventType.SESSION_CLOSED)).toHaveLength(0);
      expect(member.membership).toBeUndefined();
    }
    expect(dropped.events(EventType.SESSION_CLOSED)).toHaveLength(0);
    expect(clock.pendingTimers).toBe(0);
    expect(await store.count()).toBe(1);
  });

  it('expires a session nobody is left in, with its reason, on the deadline scheduler', async () => {
    const closed: string[] = [];
    // No reconnect grace: the drop is at once (the grace is tested in reconnect.test.ts).
    const { clock, sessions, store, peer, enter } = sessionsRig({ reconnectGraceMs: 0, hooks: { sessionClosed: (event) => void closed.push(event.reason) } });
    const host = await peer();
    await enter((reply) => sessions.create(host, { type: RequestType.CREATE, id: 2, name: 'e', emptySessionTtlMs: 5_000, playerTtlMs: 60_000 }, reply));
    await sessions.drop(host);
    await clock.advanceAsync(4_999);
    expect(await store.count()).toBe(1);
    await clock.advanceAsync(1);
    expect(await store.count()).toBe(0);
    // Its only member inactive, nobody was left to tell; the close still has its reason.
    expect(closed).toEqual(['empty']);
  });
});
