// The Redis store's own guarantees against a real redis-server: the fence, routing into inboxes, untrusted reads, outages.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isPunchthroughError } from '../../../../core/index.js';
import { decodeDeliveries, inboxKey, isFenced, leaseKey, nodeMembersKey, partitionKeys, partitionTag } from '../../../../src/cluster/index.js';
import { EventType } from '../../../../src/protocol/index.js';
import { admit, remove, type Session } from '../../../../src/session/model.js';
import { placeOn } from '../../../../src/session/placement.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis, type TestRedisClient } from '../../../support/redis.js';
import { leftoverKeys, startNode } from '../../../support/redis-store.js';
import { made } from '../../../support/session-store-conformance.js';

const APP = 'game\u00001.0';
const entrant = (peerId: string) => ({ mode: 'client' as const, peerId, rejoinToken: `r-${peerId}`, pairSecret: new Uint8Array(32).fill(7) });

describe.skipIf(!redisAvailable())('redis store', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  let redis: TestRedis;
  let admin: TestRedisClient;
  beforeAll(async () => {
    redis = await startRedis();
    admin = await redis.client();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  beforeEach(async () => {
    await redis.flush();
  });

  const hostedOn = (id: string, node: string): Session => {
    const created = placeOn({ ok: true, change: { next: made(id), deliveries: [], events: [], result: made(id).members[0]! } }, node);
    if (!created.ok) throw new Error('place');
    return created.change.next!;
  };

  it('fences: a node whose lease is gone, or held by another incarnation, writes nothing', async () => {
    const a = await startNode(redis, 'node-a');
    expect(await a.store.insert(hostedOn('s1', 'node-a'))).toBe(true);
    const before = await redis.keys('pt:*');
    const versionBefore = (await a.store.get('s1'))!.version;

    await admin.set(leaseKey('node-a'), 'another-incarnation');
    await expect(a.store.insert(hostedOn('s2', 'node-a'))).rejects.toSatisfy(isFenced);
    await expect(a.store.change('s1', (s) => admit(s, entrant('c1'), 0))).rejects.toSatisfy(isFenced);
    await expect(a.store.publish('s1', [{ actor: 1, event: { type: EventType.PEER_LEFT, peerId: 'x', actor: 2, reason: 'left' } }])).rejects.toSatisfy(isFenced);
    await admin.del(leaseKey('node-a'));
    const stored = (await a.store.get('s1'))!;
    const next = admit(stored.session, entrant('c2'), 0);
    if (!next.ok) throw new Error('admit');
    await expect(a.store.compareAndSet('s1', stored.version, next.change.next, next.change.deliveries)).rejects.toSatisfy(isFenced);

    expect((await a.store.get('s1'))!.version).toBe(versionBefore);
    expect((await a.store.get('s1'))!.session.members).toHaveLength(1);
    expect(await redis.keys('pt:*')).toEqual(before.filter((key) => key !== leaseKey('node-a')));
    expect(await admin.xLen(inboxKey('node-a'))).toBe(0);
  });

  it('routes a commit\'s deliveries to the inbox of each target\'s node, and keeps at:<sid> and nm:<node> in step', async () => {
    const a = await startNode(redis, 'node-a');
    const b = await startNode(redis, 'node-b');
    await a.store.insert(hostedOn('s1', 'node-a'));
    const keys = partitionKeys(partitionTag(APP));
    const entry = `{${partitionTag(APP)}}|s1`;
    expect(await admin.hGetAll(keys.at('s1'))).toEqual({ 1: 'node-a' });
    expect(await admin.sMembers(nodeMembersKey('node-a'))).toEqual([entry]);

    // A client enters through node b: the host (on a) hears PEER_JOINED in a's inbox, at the commit's version.
    const joined = await b.store.change('s1', (s) => placeOn(admit(s, entrant('c1'), 0), 'node-b'));
    expect(joined?.routed).toBe(true);
    const version = (await b.store.get('s1'))!.version;
    expect(await admin.hGetAll(keys.at('s1'))).toEqual({ 1: 'node-a', 2: 'node-b' });
    expect(await admin.sMembers(nodeMembersKey('node-b'))).toEqual([entry]);
    const inboxA = (await admin.xRange(inboxKey('node-a'), '-', '+')) ?? [];
    expect(inboxA).toHaveLength(1);
    expect(inboxA[0]!.message.s).toBe('s1');
    expect(Number(inboxA[0]!.message.v)).toBe(version);
    const delivered = decodeDeliveries(inboxA[0]!.message.d!, 65_536);
    expect(delivered).toEqual([{ actor: 1, event: expect.objectContaining({ type: EventType.PEER_JOINED }) }]);
    expect(await admin.xLen(inboxKey('node-b'))).toBe(0);

    // The client leaves: node b no longer holds a member, and the host hears it on a.
    await a.store.change('s1', (s) => ({ ok: true, change: remove(s, 2, 'left', 0) }));
    expect(await admin.sMembers(nodeMembersKey('node-b'))).toEqual([]);
    expect(await admin.xLen(inboxKey('node-a'))).toBe(2);

    // Outside a commit (known addresses on entry): routed by at:<sid>, version 0.
    await b.store.publish('s1', [{ actor: 1, event: { type: EventType.PEER_LEFT, peerId: 'x', actor: 9, reason: 'left' } }]);
    const last = ((await admin.xRange(inboxKey('node-a'), '-', '+')) ?? []).at(-1)!;
    expect(last.message.v).toBe('0');

    // The server leaves: the session and every index go; only inboxes and leases stay (helper B's reader trims inboxes).
    await a.store.change('s1', (s) => ({ ok: true, change: remove(s, 1, 'left', 0) }));
    expect((await leftoverKeys(redis)).filter((key) => !key.startsWith('pt:in:'))).toEqual([]);
  });

  it('with `own`, a commit hands its own node\'s deliveries over from its reply (after its inbox\'s last id) and appends only the others\'', async () => {
    const own: Array<{ sessionId: string; version: number; after: string; actors: number[] }> = [];
    let inFlight = 0;
    const a = await startNode(redis, 'node-a', {
      own: {
        ownSending: () => void (inFlight += 1),
        deliverOwn: (sessionId, version, after, deliveries) => void (inFlight -= 1, own.push({ sessionId, version, after, actors: deliveries.map((d) => d.actor) })),
        ownSettled: () => void (inFlight -= 1),
      },
    });
    const b = await startNode(redis, 'node-b');
    await a.store.insert(hostedOn('s1', 'node-a'));
    // A client on b joins through a: the host's PEER_JOINED stays on a (no inbox entry), b's inbox gets nothing (the joiner has none).
    const joined = await a.store.change('s1', (s) => placeOn(admit(s, entrant('c1'), 0), 'node-b'));
    expect(own).toEqual([{ sessionId: 's1', version: joined!.version, after: '0-0', actors: [1] }]);
    expect(await admin.exists(inboxKey('node-a'))).toBe(0);
    // b's commit (no deliverOwn) reaches a through a's inbox; a's next own delivery follows that entry.
    await b.store.change('s1', (s) => ({ ok: true, change: remove(s, 2, 'left', 0) }));
    const [entryFromB] = (await admin.xRange(inboxKey('node-a'), '-', '+')) ?? [];
    expect(entryFromB).toBeDefined();
    const rejoined = await a.store.change('s1', (s) => placeOn(admit(s, entrant('c2'), 0), 'node-a'));
    expect(own[1]).toEqual({ sessionId: 's1', version: rejoined!.version, after: entryFromB!.id, actors: [1] });
    expect(await admin.xLen(inboxKey('node-a'))).toBe(1);
    expect(inFlight).toBe(0);
  });

  it("the node's split of its own members' deliveries and the Function's routing agree, case by case (each delivered once, where the rule says)", async () => {
    // actor: node before → after the commit (undefined: none; 'gone': removed by it) → who delivers: the member's node after the change, else before.
    const table: Array<{ actor: number; before?: string; after?: string | 'gone'; expect: 'own' | 'node-b' | 'nobody' }> = [
      { actor: 1, before: 'node-a', after: 'node-a', expect: 'own' },
      { actor: 2, before: 'node-b', after: 'node-b', expect: 'node-b' },
      { actor: 3, before: 'node-a', after: 'node-b', expect: 'node-b' },
      { actor: 4, before: 'node-b', after: 'node-a', expect: 'own' },
      { actor: 5, before: 'node-a', after: 'gone', expect: 'own' },
      { actor: 6, before: 'node-b', after: 'gone', expect: 'node-b' },
      { actor: 7, expect: 'nobody' },
      { actor: 8, before: 'node-b', after: undefined, expect: 'node-b' },
    ];
    const own: number[] = [];
    const a = await startNode(redis, 'node-a', { own: { ownSending: () => undefined, deliverOwn: (_s, _v, _after, deliveries) => void own.push(...deliveries.map((d) => d.actor)), ownSettled: () => undefined } });
    await startNode(redis, 'node-b');
    let session = made('s1', { maxPlayers: 16 });
    for (let i = 2; i <= table.length; i++) {
      const admitted = admit(session, entrant(`c${i}`), 0);
      if (!admitted.ok) throw new Error(admitted.message);
      session = admitted.change.next!;
    }
    const withNode = (m: Session['members'][number], node: string | undefined) => {
      const { node: _drop, ...rest } = m;
      return node === undefined ? rest : { ...rest, node };
    };
    session = { ...session, members: session.members.map((m) => withNode(m, table[m.actor - 1]!.before)) };
    await a.store.insert(session);
    const event = { type: EventType.PEER_LEFT, actor: 99, reason: 'left' } as never;
    await a.store.change('s1', (s) => {
      const members = s.members.flatMap((m) => {
        const after = table[m.actor - 1]!.after;
        return after === 'gone' ? [] : [withNode(m, after)];
      });
      return { ok: true, change: { next: { ...s, members }, deliveries: table.map(({ actor }) => ({ actor, event })), events: [], result: undefined } };
    });
    const toB = ((await admin.xRange(inboxKey('node-b'), '-', '+')) ?? []).flatMap((entry) => decodeDeliveries(String(entry.message.d), 1 << 20).map((d) => d.actor));
    const where = (actor: number) => [...(own.includes(actor) ? ['own'] : []), ...(toB.includes(actor) ? ['node-b'] : [])];
    expect(table.map(({ actor }) => [actor, where(actor)])).toEqual(table.map(({ actor, expect: to }) => [actor, to === 'nobody' ? [] : [to]]));
    expect(own.length + toB.length).toBe(table.filter((row) => row.expect !== 'nobody').length);
  });

  it('a member rejoining through another node moves its routing there', async () => {
    const a = await startNode(redis, 'node-a');
    const b = await startNode(redis, 'node-b');
    await a.store.insert(hostedOn('s1', 'node-a'));
    await a.store.change('s1', (s) => placeOn(admit(s, entrant('c1'), 0), 'node-a'));
    const moved = await b.store.change('s1', (s) => placeOn({ ok: true, change: { next: s, deliveries: [], events: [], result: s.members[1]! } }, 'node-b'));
    expect(moved?.outcome.ok && moved.outcome.change.next?.members[1]?.node).toBe('node-b');
    expect(await admin.hGetAll(partitionKeys(partitionTag(APP)).at('s1'))).toEqual({ 1: 'node-a', 2: 'node-b' });
    expect(await admin.sMembers(nodeMembersKey('node-b'))).toEqual([`{${partitionTag(APP)}}|s1`]);
    expect(await b.store.sessionsOnNode('node-b')).toEqual([{ tag: partitionTag(APP), sessionId: 's1' }]);
  });

  it('keeps at:<sid> and nm:<node> in step whether a commit sends the replaced version\'s member → node pairs or not', async () => {
    const a = await startNode(redis, 'node-a');
    const b = await startNode(redis, 'node-b');
    await a.store.insert(hostedOn('s1', 'node-a'));
    const keys = partitionKeys(partitionTag(APP));
    const entry = `{${partitionTag(APP)}}|s1`;
    // change() sends the pairs of the copy it applied to (no read of at:<sid> in the Function).
    await a.store.change('s1', (s) => placeOn(admit(s, entrant('c1'), 0), 'node-b'));
    expect(await admin.hGetAll(keys.at('s1'))).toEqual({ 1: 'node-a', 2: 'node-b' });
    // compareAndSet sends none (as a node of an earlier release would): the Function reads at:<sid>.
    const stored = (await b.store.get('s1'))!;
    const moved = placeOn({ ok: true, change: { next: stored.session, deliveries: [], events: [], result: stored.session.members[1]! } }, 'node-a');
    if (!moved.ok) throw new Error('place');
    expect(await b.store.compareAndSet('s1', stored.version, moved.change.next)).toBe('ok');
    expect(await admin.hGetAll(keys.at('s1'))).toEqual({ 1: 'node-a', 2: 'node-a' });
    expect(await admin.sMembers(nodeMembersKey('node-b'))).toEqual([]);
    // Node a's copy (its own write) is stale now: its commit is refused, re-applied to the record in the reply, and lands with that version's pairs.
    await a.store.change('s1', (s) => ({ ok: true, change: remove(s, 2, 'left', 0) }));
    expect(a.store.stats().staleCopies).toBe(1);
    expect(await admin.hGetAll(keys.at('s1'))).toEqual({ 1: 'node-a' });
    expect(await admin.sMembers(nodeMembersKey('node-a'))).toEqual([entry]);
    await a.store.change('s1', (s) => ({ ok: true, change: remove(s, 1, 'left', 0) }));
    expect((await leftoverKeys(redis)).filter((key) => !key.startsWith('pt:in:'))).toEqual([]);
  });

  it('refuses what it reads back when it is oversize or not a session', async () => {
    const a = await startNode(redis, 'node-a');
    await a.store.insert(hostedOn('s1', 'node-a'));
    const key = partitionKeys(partitionTag(APP)).session('s1');
    await admin.hSet(key, 'b', JSON.stringify({ sessionId: 's1' }));
    await expect(a.store.get('s1')).rejects.toThrow(/invalid session record/);
    await admin.hSet(key, 'b', 'x'.repeat(600 * 1024));
    await expect(a.store.get('s1')).rejects.toThrow(/over \d+ bytes/);
  });

  it('a Redis that does not answer fails requests with SERVICE_UNAVAILABLE within the command timeout', async () => {
    const a = await startNode(redis, 'node-a');
    await a.store.insert(hostedOn('s1', 'node-a'));
    const { createRedisSessionStore } = await import('../../../../src/cluster/index.js');
    const { createEnv } = await import('../../../../core/index.js');
    const client = await redis.client({ disableOfflineQueue: true });
    const store = await createRedisSessionStore(createEnv(), { client, nodeId: a.nodeId, incarnation: a.incarnation, commandTimeoutMs: 200, loadLibrary: false });
    process.kill(redis.pid, 'SIGSTOP');
    const started = performance.now();
    try {
      const error: unknown = await store.get('s1').then(() => undefined, (e: unknown) => e);
      expect(isPunchthroughError(error) && error.code).toBe('SERVICE_UNAVAILABLE');
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    expect((await store.get('s1'))?.session.sessionId).toBe('s1');
  });
});
