// The local event bus and deadline scheduler, and the memory store's compare-and-set and queries.
import { describe, expect, it } from 'vitest';
import { ManualClock, createEnv } from '../../../../core/index.js';
import { EventType, type Event } from '../../../../src/protocol/index.js';
import { create, type Session } from '../../../../src/session/model.js';
import { createLocalDeadlines, createLocalEventBus } from '../../../../src/session/presence.js';
import { createMemorySessionStore } from '../../../../src/session/store.js';

const closed = (sessionId: string): Event => ({ type: EventType.SESSION_CLOSED, sessionId, reason: 'empty' });

describe('local event bus', () => {
  it('delivers to the attached sink, leaves a newer attachment alone on an old detach, and forgets closed sessions', () => {
    const bus = createLocalEventBus(createEnv());
    const first: Event[] = [];
    const second: Event[] = [];
    const detachFirst = bus.attach('s', 2, (e) => void first.push(e));
    bus.attach('s', 2, (e) => void second.push(e));
    detachFirst();
    bus.publish('s', [{ actor: 2, event: closed('s') }, { actor: 3, event: closed('s') }]);
    expect([first.length, second.length]).toEqual([0, 1]);
    bus.forget('s');
    bus.publish('s', [{ actor: 2, event: closed('s') }]);
    expect(second).toHaveLength(1);
  });

  it('keeps delivering to the others when one sink throws', () => {
    const bus = createLocalEventBus(createEnv());
    const got: number[] = [];
    bus.attach('s', 1, () => {
      throw new Error('socket gone');
    });
    bus.attach('s', 2, () => void got.push(2));
    bus.publish('s', [{ actor: 1, event: closed('s') }, { actor: 2, event: closed('s') }]);
    expect(got).toEqual([2]);
  });
});

describe('local deadlines', () => {
  it('fires once at the armed time; arming again replaces, undefined disarms, close stops all', () => {
    const clock = new ManualClock();
    const due: string[] = [];
    const deadlines = createLocalDeadlines(createEnv({ clock }), { onDue: (id) => void due.push(id) });
    deadlines.arm('a', 100);
    deadlines.arm('a', 200);
    deadlines.arm('b', 50);
    deadlines.arm('b', undefined);
    deadlines.arm('c', 300);
    clock.advance(199);
    expect(due).toEqual([]);
    clock.advance(1);
    expect(due).toEqual(['a']);
    deadlines.close();
    deadlines.arm('d', 400);
    clock.advance(1_000);
    expect(due).toEqual(['a']);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('memory session store', () => {
  const session = (id: string, name: string, extra: Partial<Session> = {}): Session => {
    const outcome = create(id, 'app', name, {
      maxPlayers: 2,
      open: true,
      visible: true,
      properties: { map: name.startsWith('d') ? 'dust' : 'nuke' },
      lobbyKeys: ['map'],
      playerTtlMs: 0,
      emptySessionTtlMs: 0,
    }, { mode: 'server', peerId: id, rejoinToken: 'r', pairSecret: new Uint8Array(32) }, 0);
    if (!outcome.ok) throw new Error(outcome.code);
    return { ...outcome.change.next!, ...extra };
  };

  it('writes only on the version it read: a stale compare-and-set is a conflict, a deleted session is missing', async () => {
    const store = createMemorySessionStore();
    expect(await store.insert(session('s1', 'one'))).toBe(true);
    expect(await store.insert(session('s2', 'one'))).toBe(false);
    const read = (await store.get('s1'))!;
    expect(await store.compareAndSet('s1', read.version, { ...read.session, open: false })).toBe('ok');
    expect(await store.compareAndSet('s1', read.version, read.session)).toBe('conflict');
    expect((await store.get('s1'))!.session.open).toBe(false);
    const now = (await store.get('s1'))!;
    expect(await store.compareAndSet('s1', now.version, null)).toBe('ok');
    expect(await store.compareAndSet('s1', now.version, null)).toBe('missing');
    expect(await store.findByName('app', 'one')).toBeUndefined();
  });

  it('answers a SessionQuery oldest first: app, listed, room, lobby filter, then offset and limit', async () => {
    const store = createMemorySessionStore();
    await store.insert(session('s1', 'dust-1'));
    await store.insert(session('s2', 'dust-hidden', { visible: false }));
    await store.insert(session('s3', 'nuke-1'));
    await store.insert(session('s4', 'dust-full', { maxPlayers: 1 }));
    await store.insert(session('s5', 'dust-2'));
    await store.insert({ ...session('s6', 'dust-other-app'), appKey: 'other' });
    const names = async (query: Parameters<typeof store.find>[0]) => (await store.find(query)).map((s) => s.name);
    expect(await names({ appKey: 'app', limit: 10 })).toEqual(['dust-1', 'dust-hidden', 'nuke-1', 'dust-full', 'dust-2']);
    expect(await names({ appKey: 'app', listed: true, filter: { map: 'dust' }, limit: 10 })).toEqual(['dust-1', 'dust-full', 'dust-2']);
    expect(await names({ appKey: 'app', listed: true, notFull: true, filter: { map: 'dust' }, limit: 10 })).toEqual(['dust-1', 'dust-2']);
    expect(await names({ appKey: 'app', listed: true, offset: 1, limit: 2 })).toEqual(['nuke-1', 'dust-full']);
  });
});
