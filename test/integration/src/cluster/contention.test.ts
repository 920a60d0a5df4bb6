// Many nodes writing one session at once: 64 concurrent joins across 3 stores, and a linearizability property over random operations.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admit, remove, setProperties, type Session } from '../../../../src/session/model.js';
import { drop } from '../../../../src/session/expiry.js';
import { placeOn } from '../../../../src/session/placement.js';
import { applyChange } from '../../../../src/session/store-update.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis } from '../../../support/redis.js';
import { leftoverKeys, startNode, type TestNode } from '../../../support/redis-store.js';
import { made } from '../../../support/session-store-conformance.js';

let serial = 0;
const entrant = () => {
  serial += 1;
  return { mode: 'client' as const, peerId: `c${serial}`, rejoinToken: `r${serial}`, pairSecret: new Uint8Array(32) };
};

describe.skipIf(!redisAvailable())('contention across nodes (real redis-server)', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  let redis: TestRedis;
  let nodes: TestNode[];
  beforeAll(async () => {
    redis = await startRedis();
    nodes = await Promise.all(['node-a', 'node-b', 'node-c'].map((id) => startNode(redis, id)));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const join = (node: TestNode, sid: string) => applyChange(node.store, sid, (s) => placeOn(admit(s, entrant(), 0), node.nodeId));

  it('64 concurrent joins from 3 nodes into one 64-player session admit exactly 63, and no request fails', async () => {
    await nodes[0]!.store.insert(made('hot', { maxPlayers: 64 }));
    const before = nodes.map((n) => n.store.stats());
    const started = performance.now();
    const settled = await Promise.allSettled(Array.from({ length: 64 }, (_, i) => join(nodes[i % 3]!, 'hot')));
    const ms = performance.now() - started;
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    const outcomes = settled.map((s) => (s.status === 'fulfilled' ? s.value?.outcome : undefined));
    expect(outcomes.filter((o) => o?.ok)).toHaveLength(63);
    expect(outcomes.flatMap((o) => (o && !o.ok ? [o.code] : []))).toEqual(['SESSION_FULL']);
    const session = (await nodes[1]!.store.get('hot'))!.session;
    expect(session.members).toHaveLength(64);
    expect(new Set(session.members.map((m) => m.actor)).size).toBe(64);
    expect(new Set(session.members.slice(1).map((m) => m.node))).toEqual(new Set(['node-a', 'node-b', 'node-c']));
    const stats = nodes.map((n, i) => {
      const now = n.store.stats();
      const was = before[i]!;
      return { commits: now.commits - was.commits, conflicts: now.conflicts - was.conflicts, locks: now.locks - was.locks, lockWaits: now.lockWaits - was.lockWaits };
    });
    console.log(`64 joins / 3 nodes: ${ms.toFixed(0)} ms, per node ${JSON.stringify(stats)}`);
    await applyChange(nodes[0]!.store, 'hot', (s) => ({ ok: true, change: remove(s, 1, 'left', 0) }));
  });

  it('random joins, leaves, drops and property bumps from 3 nodes stay linearizable (no lost update, max players, actors never reused)', async () => {
    const RUNS = Number(process.env.CLUSTER_PROPERTY_RUNS ?? 500);
    const OPS = 50;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('join' as const), node: fc.nat(2) }),
      fc.record({ kind: fc.constant('leave' as const), node: fc.nat(2), pick: fc.nat(63) }),
      fc.record({ kind: fc.constant('drop' as const), node: fc.nat(2), pick: fc.nat(63) }),
      fc.record({ kind: fc.constant('bump' as const), node: fc.nat(2) }),
    );
    let run = 0;
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: OPS, maxLength: OPS }), fc.integer({ min: 2, max: 8 }), async (ops, maxPlayers) => {
        const sid = `lin${run++}`;
        await nodes[0]!.store.insert(made(sid, { maxPlayers, playerTtlMs: 60_000 }));
        const admitted: number[] = [];
        const removed = new Set<number>();
        let bumps = 0;
        // Waves of 10 concurrent operations: leaves and drops aim at actors admitted in earlier waves.
        for (let wave = 0; wave < OPS; wave += 10) {
          await Promise.all(
            ops.slice(wave, wave + 10).map(async (o) => {
              const node = nodes[o.node]!;
              if (o.kind === 'join') {
                const done = await join(node, sid);
                if (done?.outcome.ok) admitted.push(done.outcome.change.result.actor);
                return;
              }
              if (o.kind === 'bump') {
                const done = await applyChange(node.store, sid, (s) => setProperties(s, 1, { properties: { n: Number(s.properties.n ?? 0) + 1 } }));
                if (done?.outcome.ok) bumps += 1;
                return;
              }
              if (admitted.length === 0) return;
              const actor = admitted[o.pick % admitted.length]!;
              const change = (s: Session) => (o.kind === 'leave' ? remove(s, actor, 'left', 0) : drop(s, actor, 0));
              const done = await applyChange(node.store, sid, (s) => ({ ok: true, change: change(s) }));
              if (o.kind === 'leave' && done?.outcome.ok && done.outcome.change.next !== done.before) removed.add(actor);
            }),
          );
        }
        const final = (await nodes[2]!.store.get(sid))!.session;
        const actors = final.members.map((m) => m.actor);
        expect(actors.length).toBeLessThanOrEqual(maxPlayers);
        expect(new Set(admitted).size).toBe(admitted.length); // never handed out twice
        expect(new Set(actors).size).toBe(actors.length);
        expect(actors).toEqual([1, ...admitted.filter((a) => !removed.has(a)).sort((x, y) => x - y)]);
        expect(final.nextActor).toBe(2 + admitted.length);
        expect(final.properties.n ?? 0).toBe(bumps);
        await applyChange(nodes[1]!.store, sid, (s) => ({ ok: true, change: remove(s, 1, 'left', 0) }));
      }),
      { numRuns: RUNS },
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(`linearizability: ${RUNS} runs x ${OPS} ops x 3 nodes in ${seconds.toFixed(1)} s`);
    expect((await leftoverKeys(redis)).filter((key) => !key.startsWith('pt:in:'))).toEqual([]);
  }, 300_000);
});
