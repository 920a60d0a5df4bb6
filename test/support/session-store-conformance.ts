// The SessionStore conformance suite: one list of behaviours every store (memory, Redis) must show, driven through the real model.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { admit, create, remove, setProperties, type NewMember, type Outcome, type Session, type SessionSettings } from '../../src/session/model.js';
import { drop, expire } from '../../src/session/expiry.js';
import { disconnect } from '../../src/session/reconnect.js';
import type { SessionStore } from '../../src/session/store.js';
import { applyChange } from '../../src/session/store-update.js';

export interface StoreUnderTest {
  store: SessionStore;
  /** What the store's backing keeps besides its fixed keys (Redis: `pt:*` but leases); [] when clean. */
  leftovers?(): Promise<string[]>;
  close(): Promise<void>;
}

const APP = 'game\u00001.0';
const OTHER_APP = 'game\u00002.0';
const T0 = 1_800_000_000_000; // wall-clock ms, as cluster mode stores

const settingsOf = (over: Partial<SessionSettings> = {}): SessionSettings => ({
  maxPlayers: 4,
  open: true,
  visible: true,
  properties: {},
  lobbyKeys: [],
  playerTtlMs: 0,
  emptySessionTtlMs: 0,
  ...over,
});

let serial = 0;
const entrant = (mode: 'server' | 'client' = 'client'): NewMember => {
  serial += 1;
  return { mode, peerId: `p${serial}`, rejoinToken: `r${serial}`, pairSecret: new Uint8Array(32).fill(serial % 256) };
};

/** A new session made by the model, its creator as the server. */
export function made(id: string, over: Partial<SessionSettings> = {}, name = id, appKey = APP, now = T0): Session {
  const outcome = create(id, appKey, name, settingsOf(over), entrant('server'), now);
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.change.next!;
}

export function sessionStoreConformance(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`SessionStore conformance: ${name}`, () => {
    let under: StoreUnderTest;
    let store: SessionStore;
    beforeEach(async () => {
      under = await make();
      store = under.store;
    });
    afterEach(async () => {
      await under.close();
    });

    const change = <R>(id: string, attempt: (s: Session) => Outcome<R>) => applyChange(store, id, attempt);
    const join = (id: string, now = T0) => change(id, (s) => admit(s, entrant(), now));

    it('inserts a session once: its id and its name in its app are unique; other apps may reuse the name', async () => {
      const first = made('s1', {}, 'lobby');
      expect(await store.insert(first)).toBe(true);
      expect(await store.insert(made('s2', {}, 'lobby'))).toBe(false);
      expect(await store.insert(made('s1', {}, 'other'))).toBe(false);
      expect(await store.insert(made('s3', {}, 'lobby', OTHER_APP))).toBe(true);
      expect(await store.count()).toBe(2);
      const stored = await store.get('s1');
      expect(stored?.session).toEqual(first);
      expect(stored?.version).toBeGreaterThan(0);
      expect(await store.findByName(APP, 'lobby')).toEqual(first);
      expect((await store.findByName(OTHER_APP, 'lobby'))?.sessionId).toBe('s3');
      expect(await store.findByName(APP, 'nope')).toBeUndefined();
      expect(await store.get('nope')).toBeUndefined();
    });

    it('joins through the model until full; a closed session refuses; every write moves the version', async () => {
      await store.insert(made('s1', { maxPlayers: 3 }));
      const v0 = (await store.get('s1'))!.version;
      expect((await join('s1'))?.outcome.ok).toBe(true);
      expect((await join('s1'))?.outcome.ok).toBe(true);
      const full = await join('s1');
      expect(full?.outcome).toMatchObject({ ok: false, code: 'SESSION_FULL' });
      const stored = (await store.get('s1'))!;
      expect(stored.session.members.map((m) => m.actor)).toEqual([1, 2, 3]);
      expect(stored.version).not.toBe(v0);
      // The server closes it: a leave frees a slot, and the closed session still refuses.
      await change('s1', (s) => setProperties(s, 1, { open: false }));
      await change('s1', (s) => ({ ok: true, change: remove(s, 3, 'left', T0) }));
      expect((await join('s1'))?.outcome).toMatchObject({ ok: false, code: 'SESSION_CLOSED' });
      expect(await join('nope')).toBeUndefined();
    });

    it('a compare-and-set on a stale version writes nothing', async () => {
      await store.insert(made('s1'));
      const stored = (await store.get('s1'))!;
      const joined = admit(stored.session, entrant(), T0);
      if (!joined.ok) throw new Error('admit');
      expect(await store.compareAndSet('s1', stored.version, joined.change.next, joined.change.deliveries)).toBe('ok');
      const again = admit(stored.session, entrant(), T0);
      if (!again.ok) throw new Error('admit');
      expect(await store.compareAndSet('s1', stored.version, again.change.next, again.change.deliveries)).toBe('conflict');
      expect((await store.get('s1'))!.session.members).toHaveLength(2);
      expect(await store.compareAndSet('nope', 1, null)).toBe('missing');
    });

    it('finds join-random candidates oldest first: listed, not full, matching the filters', async () => {
      const lobby = { lobbyKeys: ['map', 'level'] };
      await store.insert(made('a', { ...lobby, properties: { map: 'dust', level: 3 } }));
      await store.insert(made('b', { ...lobby, properties: { map: 'dust', level: 5 }, maxPlayers: 1 })); // full (its server)
      await store.insert(made('c', { ...lobby, properties: { map: 'dust', level: 3 }, visible: false }));
      await store.insert(made('d', { ...lobby, properties: { map: 'ice', level: 3 } }));
      await store.insert(made('e', { ...lobby, properties: { map: 'dust', level: 3 } }));
      await store.insert(made('f', { properties: { map: 'dust' } })); // map is not lobby-visible
      await store.insert(made('x', { ...lobby, properties: { map: 'dust' } }, 'x', OTHER_APP));
      const ids = (sessions: Session[]) => sessions.map((s) => s.sessionId);
      expect(ids(await store.find({ appKey: APP, listed: true, notFull: true, limit: 10 }))).toEqual(['a', 'd', 'e', 'f']);
      expect(ids(await store.find({ appKey: APP, listed: true, notFull: true, filter: { map: 'dust' }, limit: 10 }))).toEqual(['a', 'e']);
      expect(ids(await store.find({ appKey: APP, listed: true, notFull: true, filter: { level: 3 }, limit: 10 }))).toEqual(['a', 'd', 'e']);
      expect(ids(await store.find({ appKey: APP, listed: true, notFull: true, filter: { level: '3' }, limit: 10 }))).toEqual([]);
      expect(ids(await store.find({ appKey: APP, listed: true, notFull: true, textFilter: { level: '3.0' }, limit: 10 }))).toEqual(['a', 'd', 'e']);
      expect(ids(await store.find({ appKey: APP, listed: true, limit: 10 }))).toEqual(['a', 'b', 'd', 'e', 'f']);
      expect(ids(await store.find({ appKey: APP, limit: 10 }))).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
      // A join fills `g`: it leaves the candidates, and comes back when a member leaves.
      await store.insert(made('g', { ...lobby, maxPlayers: 2, properties: { map: 'dust' } }));
      await join('g');
      expect(ids(await store.find({ appKey: APP, listed: true, notFull: true, filter: { map: 'dust' }, limit: 10 }))).toEqual(['a', 'e']);
      await change('g', (s) => ({ ok: true, change: remove(s, 2, 'left', T0) }));
      expect(ids(await store.find({ appKey: APP, listed: true, notFull: true, filter: { map: 'dust' }, limit: 10 }))).toEqual(['a', 'e', 'g']);
    });

    it('pages a listing by offset and limit', async () => {
      for (const id of ['p1', 'p2', 'p3', 'p4', 'p5']) await store.insert(made(id));
      const page = async (offset: number, limit: number) => (await store.find({ appKey: APP, listed: true, offset, limit })).map((s) => s.sessionId);
      expect(await page(0, 2)).toEqual(['p1', 'p2']);
      expect(await page(2, 2)).toEqual(['p3', 'p4']);
      expect(await page(4, 2)).toEqual(['p5']);
      expect(await page(5, 2)).toEqual([]);
    });

    it('SET_PROPERTIES with expected: a mismatch changes nothing, a match writes', async () => {
      await store.insert(made('s1', { properties: { round: 1 }, lobbyKeys: ['round'] }));
      const before = (await store.get('s1'))!;
      const refused = await change('s1', (s) => setProperties(s, 1, { properties: { round: 3 }, expected: { round: 2 } }));
      expect(refused?.outcome).toMatchObject({ ok: false, code: 'PROPERTIES_MISMATCH' });
      expect((await store.get('s1'))!.version).toBe(before.version);
      const done = await change('s1', (s) => setProperties(s, 1, { properties: { round: 2 }, expected: { round: 1 } }));
      expect(done?.outcome.ok).toBe(true);
      const after = (await store.get('s1'))!;
      expect(after.session.properties).toEqual({ round: 2 });
      expect((await store.find({ appKey: APP, listed: true, filter: { round: 2 }, limit: 5 })).map((s) => s.sessionId)).toEqual(['s1']);
      expect(await store.find({ appKey: APP, listed: true, filter: { round: 1 }, limit: 5 })).toEqual([]);
    });

    it('leave, drop and the player TTL on a manual clock: inactive, then removed; the server gone closes it', async () => {
      await store.insert(made('s1', { playerTtlMs: 1_000 }));
      await join('s1');
      await join('s1');
      // A drop with a grace holds the member detached, still active.
      await change('s1', (s) => ({ ok: true, change: disconnect(s, 2, 0, T0, 500) }));
      expect((await store.get('s1'))!.session.members[1]).toMatchObject({ active: true, detachedUntil: T0 + 500 });
      await change('s1', (s) => ({ ok: true, change: expire(s, T0 + 500) }));
      expect((await store.get('s1'))!.session.members[1]).toMatchObject({ active: false, inactiveUntil: T0 + 1_500 });
      await change('s1', (s) => ({ ok: true, change: drop(s, 3, T0 + 600) }));
      await change('s1', (s) => ({ ok: true, change: expire(s, T0 + 1_499) }));
      expect((await store.get('s1'))!.session.members.map((m) => m.actor)).toEqual([1, 2, 3]);
      await change('s1', (s) => ({ ok: true, change: expire(s, T0 + 1_500) }));
      expect((await store.get('s1'))!.session.members.map((m) => m.actor)).toEqual([1, 3]);
      await change('s1', (s) => ({ ok: true, change: remove(s, 1, 'left', T0 + 1_600) }));
      expect(await store.get('s1')).toBeUndefined();
      expect(await store.findByName(APP, 's1')).toBeUndefined();
      expect(await store.count()).toBe(0);
    });

    it('closing every session removes it from every index and leaves no key behind', async () => {
      await store.insert(made('s1', { lobbyKeys: ['map'], properties: { map: 'dust' }, playerTtlMs: 5_000 }));
      await store.insert(made('s2', { emptySessionTtlMs: 1_000 }, 's2', OTHER_APP));
      await join('s1');
      await change('s1', (s) => ({ ok: true, change: drop(s, 2, T0) })); // a deadline
      await change('s1', (s) => ({ ok: true, change: remove(s, 1, 'left', T0) }));
      await change('s2', (s) => ({ ok: true, change: remove(s, 1, 'left', T0) })); // the server left: closed
      expect(await store.get('s1')).toBeUndefined();
      expect(await store.get('s2')).toBeUndefined();
      expect(await store.find({ appKey: APP, limit: 10 })).toEqual([]);
      expect(await store.find({ appKey: OTHER_APP, limit: 10 })).toEqual([]);
      expect(await store.count()).toBe(0);
      expect(await store.insert(made('s3', {}, 's1'))).toBe(true); // the name is free again
      await change('s3', (s) => ({ ok: true, change: remove(s, 1, 'left', T0) }));
      expect((await under.leftovers?.()) ?? []).toEqual([]);
    });

    // Eight writers: within the service's retry limit for a plain compare-and-set store (the
    // memory store); the Redis store's 64-writer case is in test/integration/src/cluster/contention.test.ts.
    it('concurrent joins through the store admit exactly up to maxPlayers, with no failed request', async () => {
      await store.insert(made('hot', { maxPlayers: 6 }));
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => join('hot')));
      expect(outcomes.filter((o) => o?.outcome.ok)).toHaveLength(5);
      const refused = outcomes.flatMap((o) => (o && !o.outcome.ok ? [o.outcome.code] : []));
      expect(refused).toEqual(Array(3).fill('SESSION_FULL'));
      const members = (await store.get('hot'))!.session.members;
      expect(new Set(members.map((m) => m.actor)).size).toBe(6);
    });
  });
}
