// The cluster event bus against a real redis-server: a node's inbox reader delivers one
// session's events in version order, exactly once, across duplicates, two writers and a 2 s
// SIGSTOP of Redis; holds events for a member whose entry is in flight; notices a reset inbox.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEnv } from '../../../../core/index.js';
import { EventType, type Event } from '../../../../src/protocol/index.js';
import { createRedisEventBus, type ClusterEventBus } from '../../../../src/cluster/event-bus.js';
import { inboxKey } from '../../../../src/cluster/keys.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis, type TestRedisClient } from '../../../support/redis.js';

const left = (n: number): Event => ({ type: EventType.PEER_LEFT, peerId: `p${n}`, actor: n, reason: 'left' }) as Event;
const entry = (sid: string, v: number, deliveries: Array<[number, Event]>) => ['s', sid, 'v', String(v), 'd', JSON.stringify(deliveries)];

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(!redisAvailable())('cluster event bus (real redis-server)', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  let redis: TestRedis;
  const buses: ClusterEventBus[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const bus of buses.splice(0)) await bus.close();
    await redis.flush();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const makeBus = async (nodeId: string, extra: { onInboxReset?: (why: string) => void } = {}) => {
    const reader = await redis.client({ disableOfflineQueue: true });
    const commands = await redis.client({ disableOfflineQueue: true });
    const bus = createRedisEventBus(createEnv(), { reader, commands, nodeId, publish: async () => undefined, ...extra });
    await bus.start();
    buses.push(bus);
    return bus;
  };
  const xadd = (client: TestRedisClient, node: string, fields: string[]) => client.sendCommand(['XADD', inboxKey(node), 'MAXLEN', '~', '10000', '*', ...fields]);

  it('events committed alternately by two nodes reach a third node in version order, exactly once, across a 2 s SIGSTOP', async () => {
    const bus = await makeBus('n3');
    const got: number[] = [];
    bus.attach('sid', 1, (event) => void got.push((event as { actor: number }).actor));
    const writerA = await redis.client();
    const writerB = await redis.client();
    // Versions 1..20, written alternately; every fifth one redelivered (at-least-once).
    for (let v = 1; v <= 20; v++) {
      await xadd(v % 2 ? writerA : writerB, 'n3', entry('sid', v, [[1, left(v)]]));
      if (v % 5 === 0) await xadd(writerA, 'n3', entry('sid', v, [[1, left(v)]]));
    }
    await until(() => got.length === 20);
    process.kill(redis.pid, 'SIGSTOP');
    // Commits go on during the pause: each waits for the one before (a session's versions are
    // serialized by its compare-and-set), so they land one by one once Redis resumes.
    const late = (async () => {
      for (let v = 21; v <= 40; v++) {
        await xadd(v % 2 ? writerA : writerB, 'n3', entry('sid', v, [[1, left(v)]]));
        if (v % 7 === 0) await xadd(v % 2 ? writerB : writerA, 'n3', entry('sid', v, [[1, left(v)]]));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    process.kill(redis.pid, 'SIGCONT');
    await late;
    await until(() => got.length >= 40);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(bus.stats().duplicates).toBeGreaterThanOrEqual(4 + 2);
  });

  it('version 0 (publish outside a commit) is never deduped; malformed entries are dropped and counted, the reader carries on', async () => {
    const bus = await makeBus('n1');
    const got: number[] = [];
    bus.attach('sid', 2, (event) => void got.push((event as { actor: number }).actor));
    const writer = await redis.client();
    await xadd(writer, 'n1', entry('sid', 0, [[2, left(7)]]));
    await xadd(writer, 'n1', ['s', 'sid', 'v', '1', 'd', '{broken']);
    await xadd(writer, 'n1', ['junk', 'x']);
    await xadd(writer, 'n1', entry('sid', 0, [[2, left(7)]]));
    await xadd(writer, 'n1', entry('sid', 1, [[2, left(8)]]));
    await until(() => got.length === 3);
    expect(got).toEqual([7, 7, 8]);
    expect(bus.stats().malformed).toBe(2);
  });

  it('a commit\'s own deliveries (from its reply) wait for the inbox entry they followed, then keep commit order with the inbox\'s', async () => {
    const bus = await makeBus('n1');
    const got: number[] = [];
    bus.attach('sid', 1, (event) => void got.push((event as { actor: number }).actor));
    const writer = await redis.client();
    // Version 2 was committed here after version 1's entry (another node's commit) reached the inbox, which the reader has not read yet.
    bus.deliverOwn('sid', 2, '9999999999998-0', [{ actor: 1, event: left(2) }]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(got).toEqual([]);
    expect(bus.stats().ownWaiting).toBe(1);
    await writer.sendCommand(['XADD', inboxKey('n1'), '9999999999998-0', ...entry('sid', 1, [[1, left(1)]])]);
    await until(() => got.length === 2);
    // Caught up: the next own delivery goes at once, and a later entry after it.
    bus.deliverOwn('sid', 3, '9999999999998-0', [{ actor: 1, event: left(3) }]);
    expect(got).toEqual([1, 2, 3]);
    await writer.sendCommand(['XADD', inboxKey('n1'), '9999999999999-0', ...entry('sid', 4, [[1, left(4)]])]);
    await until(() => got.length === 4);
    expect(got).toEqual([1, 2, 3, 4]);
    expect(bus.stats()).toMatchObject({ ownWaiting: 0, duplicates: 0 });
  });

  it('holds a session\'s inbox entries while its own commit is in flight: a later commit read first still comes after it', async () => {
    const resets: string[] = [];
    const bus = await makeBus('n1', { onInboxReset: (why) => void resets.push(why) });
    const got: number[] = [];
    bus.attach('sid', 1, (event) => void got.push((event as { actor: number }).actor));
    bus.attach('other', 1, (event) => void got.push(100 + (event as { actor: number }).actor));
    const writer = await redis.client();
    await writer.sendCommand(['XADD', inboxKey('n1'), '9999999999990-0', ...entry('sid', 1, [[1, left(1)]])]);
    await until(() => got.length === 1);
    // This node sends version 2; another node's version 3 reaches the inbox and is read before version 2's reply.
    bus.ownSending('sid');
    await writer.sendCommand(['XADD', inboxKey('n1'), '9999999999991-0', ...entry('sid', 3, [[1, left(3)]])]);
    await writer.sendCommand(['XADD', inboxKey('n1'), '9999999999992-0', ...entry('other', 1, [[1, left(1)]])]);
    await until(() => got.length === 2);
    expect(got).toEqual([1, 101]);
    bus.deliverOwn('sid', 2, '9999999999990-0', [{ actor: 1, event: left(2) }]);
    expect(got).toEqual([1, 101, 2, 3]);
    // A commit refused holds nothing back; one whose connection was lost may have landed: the members here rejoin.
    bus.ownSending('sid');
    await writer.sendCommand(['XADD', inboxKey('n1'), '9999999999993-0', ...entry('sid', 4, [[1, left(4)]])]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(got).toEqual([1, 101, 2, 3]);
    bus.ownSettled('sid', false);
    expect(got).toEqual([1, 101, 2, 3, 4]);
    expect(resets).toEqual([]);
    bus.ownSending('sid');
    bus.ownSettled('sid', true);
    expect(resets).toHaveLength(1);
    expect(bus.stats()).toMatchObject({ ownWaiting: 0, duplicates: 0 });
  });

  it('holds events for a member not attached yet and delivers them once it attaches', async () => {
    const bus = await makeBus('n1');
    const writer = await redis.client();
    await xadd(writer, 'n1', entry('sid', 3, [[4, left(3)]]));
    await until(() => bus.stats().held === 1);
    const got: number[] = [];
    bus.attach('sid', 4, (event) => void got.push((event as { actor: number }).actor));
    await until(() => got.length === 1);
    expect(got).toEqual([3]);
  });

  it('notices an inbox that went back (a failover or a restart lost entries) and reports it', async () => {
    const resets: string[] = [];
    const bus = await makeBus('n1', { onInboxReset: (why) => resets.push(why) });
    const got: number[] = [];
    bus.attach('sid', 1, (event) => void got.push((event as { actor: number }).actor));
    const writer = await redis.client();
    await writer.sendCommand(['XADD', inboxKey('n1'), '9999999999999-0', ...entry('sid', 1, [[1, left(1)]])]);
    await until(() => got.length === 1);
    // The stream comes back lower than what this node read, as after a failover.
    await writer.sendCommand(['DEL', inboxKey('n1')]);
    await writer.sendCommand(['XADD', inboxKey('n1'), '1-1', ...entry('sid', 2, [[1, left(2)]])]);
    // Force the reader's connection to drop (a blip): on resume it checks the stream.
    await writer.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
    await until(() => got.length === 2);
    expect(resets).toHaveLength(1);
    expect(bus.stats().resets).toBe(1);
  });

  it('carries lobby changes to the other nodes over pub/sub', async () => {
    const subscriber = await redis.client();
    const reader = await redis.client();
    const commands = await redis.client();
    const a = createRedisEventBus(createEnv(), { reader, commands, subscriber: { subscribe: (c, l) => subscriber.subscribe(c, l) }, nodeId: 'a', publish: async () => undefined });
    await a.start();
    buses.push(a);
    const heard: string[] = [];
    a.onLobbyChanged((appKey) => heard.push(appKey));
    const b = await makeBus('b');
    b.lobbyChanged('app\u00001');
    a.lobbyChanged('mine');
    await until(() => heard.length === 2);
    expect(heard.sort()).toEqual(['app\u00001', 'mine']);
  });
});
