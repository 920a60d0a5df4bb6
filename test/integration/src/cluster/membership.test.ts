// Node membership against a real redis-server: the lease fences its node when it is lost (taken
// away, or Redis silent for a lease period), the node registers again under a new incarnation,
// and the reaper detaches a dead node's members and removes its keys.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEnv } from '../../../../core/index.js';
import { createMembership, NODES_KEY, type Membership, type MembershipOptions } from '../../../../src/cluster/membership.js';
import { createRedisDeadlines } from '../../../../src/cluster/deadlines.js';
import { APPS_KEY, inboxKey, leaseKey, nodeMembersKey, partitionKeys, REAPER_KEY } from '../../../../src/cluster/keys.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis } from '../../../support/redis.js';

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!redisAvailable())('cluster membership (real redis-server)', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  let redis: TestRedis;
  const nodes: Membership[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const node of nodes.splice(0)) node.close();
    await redis.flush();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const join = async (nodeId: string, extra: Partial<MembershipOptions> = {}) => {
    const commands = await redis.client({ disableOfflineQueue: true });
    const node = createMembership(createEnv(), {
      commands,
      nodeId,
      newIncarnation: () => randomBytes(8).toString('hex'),
      onFenced: () => undefined,
      detachNode: async () => undefined,
      leaseMs: 600,
      refreshMs: 150,
      reaperPeriodMs: 100,
      ...extra,
    });
    await node.start();
    nodes.push(node);
    return node;
  };

  it('registers a lease holding its incarnation, and deletes it on leave', async () => {
    const admin = await redis.client();
    const node = await join('s1');
    expect(await admin.get(leaseKey('s1'))).toBe(node.incarnation);
    expect(await admin.hExists(NODES_KEY, 's1')).toBe(1);
    const ttl = Number(await admin.sendCommand(['PTTL', leaseKey('s1')]));
    expect(ttl).toBeGreaterThan(0);
    await node.leave();
    expect(await admin.get(leaseKey('s1'))).toBeNull();
    expect(await admin.hExists(NODES_KEY, 's1')).toBe(0);
  });

  it('hands the reaper lease back on leave, and leaves another holder alone', async () => {
    const admin = await redis.client();
    const first = await join('s1');
    await until(() => first.isReaper());
    await first.leave();
    expect(await admin.get(REAPER_KEY)).toBeNull();
    const second = await join('s2');
    await admin.set(REAPER_KEY, 'other:1', { PX: 5_000 });
    await second.leave();
    expect(await admin.get(REAPER_KEY)).toBe('other:1');
  });

  it('a lease taken away fences the node, which registers again under a new incarnation', async () => {
    const admin = await redis.client();
    const fenced: Array<[string, string]> = [];
    const node = await join('s1', { onFenced: (previous, next) => void fenced.push([previous, next]) });
    const first = node.incarnation;
    // Another process took the node id's lease (or Redis expired it while this node was paused).
    await admin.set(leaseKey('s1'), 'someone-else', { PX: 400 });
    await until(() => fenced.length === 1);
    expect(fenced[0]![0]).toBe(first);
    expect(fenced[0]![1]).toBe(node.incarnation);
    expect(node.incarnation).not.toBe(first);
    // Once the other lease lapses this node takes it again, under the new incarnation.
    await until(async () => (await admin.get(leaseKey('s1'))) === node.incarnation);
    expect(node.registered).toBe(true);
  });

  it('Redis silent for longer than the lease fences the node by its own clock; it registers again once Redis answers', async () => {
    const fenced: string[] = [];
    const node = await join('s1', { onFenced: (previous) => void fenced.push(previous) });
    const first = node.incarnation;
    process.kill(redis.pid, 'SIGSTOP');
    try {
      // No refresh confirmed for a lease period: the node stops counting itself registered.
      await until(() => !node.registered, 3_000);
      expect(node.incarnation).not.toBe(first);
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    // Registration under the new incarnation needs Redis; then the sockets are closed (onFenced).
    await until(() => fenced.length === 1 && node.registered);
    expect(fenced).toEqual([first]);
    expect(await (await redis.client()).get(leaseKey('s1'))).toBe(node.incarnation);
  });

  it("the reaper detaches a dead node's members, then deletes its member set, inbox and registry entry", async () => {
    const admin = await redis.client();
    const detached: Array<[string, string]> = [];
    const reaper = await join('s1', { detachNode: async (sid, dead) => void detached.push([sid, dead]) });
    const victim = await join('s2');
    await admin.sAdd(nodeMembersKey('s2'), ['{abcdefgh23456712}|sidA', '{abcdefgh23456712}|sidB', 'malformed entry']);
    await admin.sendCommand(['XADD', inboxKey('s2'), '*', 's', 'sidA', 'v', '1', 'd', '[]']);
    // Alive: nothing is reaped.
    expect(await reaper.reap()).toEqual([]);
    const killedAt = Date.now();
    victim.close(); // as kill -9: no leave, the lease lapses
    await until(() => detached.length === 2, 5_000);
    const detectedMs = Date.now() - killedAt;
    expect(detached.sort()).toEqual([
      ['sidA', 's2'],
      ['sidB', 's2'],
    ]);
    await until(async () => (await admin.exists([nodeMembersKey('s2'), inboxKey('s2')])) === 0);
    expect(await admin.hExists(NODES_KEY, 's2')).toBe(0);
    expect(await admin.get(leaseKey('s1'))).toBe(reaper.incarnation);
    // Detection within a lease period plus the reaper's period and a refresh (600 + 100 + slack).
    expect(detectedMs).toBeLessThan(1_500);
  });

  it('the reaper waits one lease period after its own connection before condemning anyone', async () => {
    const admin = await redis.client();
    // A node that died before this reaper started: its lease is already gone.
    await admin.hSet(NODES_KEY, 'ghost', '{}');
    await admin.sAdd(nodeMembersKey('ghost'), '{abcdefgh23456712}|sidA');
    const detached: string[] = [];
    const startedAt = Date.now();
    await join('s1', { detachNode: async (sid) => void detached.push(sid), reaperPeriodMs: 50 });
    await until(() => detached.length === 1, 3_000);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(550);
  });

  it('deadlines: every node polls the due sessions of every partition; a due session is handed over once per deadline', async () => {
    const admin = await redis.client();
    const tag = 'abcdefgh23456712';
    await admin.sAdd(APPS_KEY, tag);
    const now = Date.now();
    await admin.zAdd(partitionKeys(tag).deadlines, [
      { score: now - 10, value: 'due1' },
      { score: now - 5, value: 'due2' },
      { score: now + 60_000, value: 'later' },
    ]);
    const due: string[] = [];
    const commands = await redis.client();
    const env = createEnv({ clock: { ...createEnv().clock, now: () => Date.now() } });
    const deadlines = createRedisDeadlines(env, { commands, onDue: (sid) => due.push(sid) });
    try {
      await deadlines.poll();
      expect(due.sort()).toEqual(['due1', 'due2']);
      await deadlines.poll();
      expect(due).toHaveLength(2);
      // A new deadline for the same session (its expiry re-armed it) is handed over again.
      await admin.zAdd(partitionKeys(tag).deadlines, { score: Date.now() - 1, value: 'due1' });
      await deadlines.poll();
      expect(due.filter((s) => s === 'due1')).toHaveLength(2);
    } finally {
      deadlines.close();
    }
  });
});
