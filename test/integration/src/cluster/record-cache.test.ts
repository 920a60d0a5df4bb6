// The node-local record copies against a real redis-server: a commit from a stale copy lands (one refused write, no lost race),
// a refusal decided on a copy is decided again on a fresh read, an inbox entry of a newer version drops the copy.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inboxKey, partitionKeys, partitionTag } from '../../../../src/cluster/index.js';
import { admit, remove } from '../../../../src/session/model.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis } from '../../../support/redis.js';
import { startNode } from '../../../support/redis-store.js';
import { made } from '../../../support/session-store-conformance.js';

const entrant = (peerId: string) => ({ mode: 'client' as const, peerId, rejoinToken: `r-${peerId}`, pairSecret: new Uint8Array(32).fill(7) });

describe.skipIf(!redisAvailable())('redis store: node-local record copies', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  beforeEach(async () => {
    await redis.flush();
  });

  it('one node: commits start from its copies (no read), and look-ups by name and recent reads need no Redis call', async () => {
    const a = await startNode(redis, 'node-a');
    expect(await a.store.insert(made('s1', { maxPlayers: 4 }, 'room'))).toBe(true);
    const admin = await redis.client();
    const calls = async (): Promise<number> => Number(/cmdstat_fcall_ro:calls=(\d+)/.exec(String(await admin.sendCommand(['INFO', 'commandstats'])))?.[1] ?? 0);
    const readsBefore = await calls();
    expect((await a.store.findByName(made('s1').appKey, 'room'))?.sessionId).toBe('s1');
    await a.store.change('s1', (s) => admit(s, entrant('c1'), 0));
    await a.store.change('s1', (s) => admit(s, entrant('c2'), 0));
    expect((await a.store.getRecent('s1'))?.session.members).toHaveLength(3);
    expect(await calls()).toBe(readsBefore);
    expect(a.store.stats()).toMatchObject({ commits: 2, cacheHits: 2, staleCopies: 0, conflicts: 0 });
    expect((await a.store.get('s1'))!.session.members).toHaveLength(3);
  });

  it('a stale copy costs one refused write, counted apart from lost races, and the change lands on the current record', async () => {
    const a = await startNode(redis, 'node-a');
    const b = await startNode(redis, 'node-b');
    expect(await a.store.insert(made('s1', { maxPlayers: 8 }))).toBe(true);
    await b.store.change('s1', (s) => admit(s, entrant('from-b'), 0));
    const applied = await a.store.change('s1', (s) => admit(s, entrant('from-a'), 0));
    expect(applied?.outcome.ok).toBe(true);
    expect((await a.store.get('s1'))!.session.members.map((m) => m.peerId)).toEqual([expect.any(String), 'from-b', 'from-a']);
    expect(a.store.stats()).toMatchObject({ commits: 1, cacheHits: 1, staleCopies: 1, conflicts: 0, locks: 0 });
  });

  it('a refusal decided on a copy is decided again on a fresh read: a session full in the copy but not in Redis admits', async () => {
    const a = await startNode(redis, 'node-a');
    const b = await startNode(redis, 'node-b');
    expect(await a.store.insert(made('s1', { maxPlayers: 2 }))).toBe(true);
    await a.store.change('s1', (s) => admit(s, entrant('c1'), 0));
    // b sees the session and removes c1; a's copy still says full.
    await b.store.change('s1', (s) => ({ ok: true, change: remove(s, 2, 'left', 0) }));
    expect(a.store.stats().cacheHits).toBe(1);
    const applied = await a.store.change('s1', (s) => admit(s, entrant('c2'), 0));
    expect(applied?.outcome.ok).toBe(true);
    expect((await b.store.get('s1'))!.session.members.map((m) => m.peerId)).toEqual([expect.any(String), 'c2']);
  });

  it('an inbox entry of a newer version drops the copy: the next commit reads instead of failing a write', async () => {
    const a = await startNode(redis, 'node-a');
    const b = await startNode(redis, 'node-b');
    expect(await a.store.insert(made('s1', { maxPlayers: 8 }))).toBe(true);
    const applied = await b.store.change('s1', (s) => admit(s, entrant('from-b'), 0));
    a.store.seen('s1', applied!.version!);
    await a.store.change('s1', (s) => admit(s, entrant('from-a'), 0));
    expect(a.store.stats()).toMatchObject({ commits: 1, cacheHits: 0, staleCopies: 0, conflicts: 0 });
    // A look-up by name no longer answers from the dropped copy either.
    expect((await a.store.findByName(made('s1').appKey, 's1'))!.members).toHaveLength(3);
  });

  it('a commit tells other nodes its record in their inbox entries (not its own node\'s): their copies stay current', async () => {
    const a = await startNode(redis, 'node-a');
    const b = await startNode(redis, 'node-b');
    const admin = await redis.client();
    const hosted = made('s1', { maxPlayers: 8 });
    const onA = { ...hosted, members: hosted.members.map((m) => ({ ...m, node: 'node-a' })) };
    expect(await a.store.insert(onA)).toBe(true);
    // b admits a client placed on b: PEER_JOINED goes to the host on a, with the record.
    const applied = await b.store.change('s1', (s) => {
      const out = admit(s, entrant('from-b'), 0);
      return out.ok ? { ...out, change: { ...out.change, next: { ...out.change.next!, members: out.change.next!.members.map((m) => (m.node ? m : { ...m, node: 'node-b' })) } } } : out;
    });
    const entries = (await admin.xRange(inboxKey('node-a'), '-', '+')) as Array<{ message: Record<string, string> }>;
    expect(entries).toHaveLength(1);
    expect(entries[0]!.message.v).toBe(String(applied!.version));
    expect(entries[0]!.message.r).toBe(String(await admin.hGet(partitionKeys(partitionTag(hosted.appKey)).session('s1'), 'b')));
    expect(await admin.exists(inboxKey('node-b'))).toBe(0);
    a.store.seen('s1', applied!.version!, entries[0]!.message.r);
    await a.store.change('s1', (s) => admit(s, entrant('from-a'), 0));
    expect(a.store.stats()).toMatchObject({ commits: 1, cacheHits: 1, staleCopies: 0, conflicts: 0 });
    // A malformed record is dropped, never cached.
    a.store.seen('s1', 99, '{"not":"a session"}');
    expect(await a.store.getRecent('s1')).toMatchObject({ version: applied!.version! + 1 });
  });

  it('a copy of a session closed elsewhere: the change finds it missing and the copy goes', async () => {
    const a = await startNode(redis, 'node-a');
    const b = await startNode(redis, 'node-b');
    expect(await a.store.insert(made('s1'))).toBe(true);
    await b.store.change('s1', (s) => ({ ok: true, change: remove(s, 1, 'left', 0) }));
    expect(await a.store.change('s1', (s) => admit(s, entrant('late'), 0))).toBeUndefined();
    expect(await a.store.getRecent('s1')).toBeUndefined();
  });
});
