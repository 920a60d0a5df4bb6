// The statistics collector on a manual clock: NAT pairs classified once both sides are known, upgrades, leaving pairs, bounded memory.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ManualClock, createSilentLogger } from '../../../../core/index.js';
import { createMemorySessionStore, type Session } from '../../../../src/index.js';
import { MAX_LIVE_PAIRS, NAT_WAIT_MS, PATH_REPORTS_PER_MINUTE, PENDING_SWEEP_MS, createStatsCollector } from '../../../../src/stats/index.js';
import type { NatType } from '../../../../src/protocol/index.js';

function session(sessionId: string, server: NatType | undefined, client: NatType | undefined): Session {
  const member = (actor: number, mode: 'server' | 'client', natType: NatType | undefined) => ({
    actor,
    peerId: `p${actor}`,
    mode,
    active: true,
    rejoinToken: 't',
    pairSecret: new Uint8Array(32),
    ...(natType ? { addresses: { local: [], natType } } : {}),
  });
  return {
    sessionId,
    appKey: 'game\u00001',
    name: sessionId,
    createdAt: 0,
    maxPlayers: 4,
    open: true,
    visible: true,
    properties: {},
    lobbyKeys: [],
    playerTtlMs: 0,
    emptySessionTtlMs: 0,
    members: [member(1, 'server', server), member(2, 'client', client)],
    nextActor: 3,
  } as Session;
}

async function setUp() {
  const clock = new ManualClock();
  const store = createMemorySessionStore();
  const collector = createStatsCollector({ clock, logger: createSilentLogger() }, { store });
  return { clock, store, collector };
}

describe('statistics collector', () => {
  it('classifies a pair once both NAT types are reported, not before', async () => {
    const { clock, store, collector } = await setUp();
    await store.insert(session('s1', 'portRestrictedCone', undefined));
    collector.connected('s1', 2, { path: 'direct', ms: 40, rttMs: 20 });
    await clock.advanceAsync(PENDING_SWEEP_MS);
    expect(collector.aggregates().natPairs).toEqual({});
    // The client's discovery reports its type later.
    const stored = (await store.get('s1'))!;
    await store.compareAndSet('s1', stored.version, session('s1', 'portRestrictedCone', 'symmetric'));
    await clock.advanceAsync(PENDING_SWEEP_MS);
    expect(collector.aggregates().natPairs).toEqual({ 'symmetric|portRestrictedCone': { direct: 1, relay: 0, upgraded: 0 } });
    expect(collector.pairs()).toEqual([expect.objectContaining({ sessionId: 's1', clientActor: 2, path: 'direct', rttMs: 20, natPair: 'symmetric|portRestrictedCone' })]);
  });

  it('gives up waiting after NAT_WAIT_MS: the pair counts with what is known', async () => {
    const { clock, store, collector } = await setUp();
    await store.insert(session('s1', 'open', undefined));
    collector.connected('s1', 2, { path: 'relay', ms: 3_000 });
    await clock.advanceAsync(NAT_WAIT_MS + PENDING_SWEEP_MS);
    expect(collector.aggregates().natPairs).toEqual({ 'unknown|open': { direct: 0, relay: 1, upgraded: 0 } });
  });

  it('an upgrade moves the pair from relay to upgraded, before or after it is classified', async () => {
    const { clock, store, collector } = await setUp();
    await store.insert(session('a', 'symmetric', 'fullCone'));
    await store.insert(session('b', 'symmetric', 'fullCone'));
    collector.connected('a', 2, { path: 'relay', ms: 3_000 });
    collector.connected('b', 2, { path: 'relay', ms: 3_000 });
    expect(collector.pathChanged('a', 2, { path: 'direct', reason: 'upgrade', rttMs: 9 })).toBe(true);
    await clock.advanceAsync(PENDING_SWEEP_MS);
    expect(collector.pathChanged('b', 2, { path: 'direct', reason: 'upgrade' })).toBe(true);
    const stats = collector.aggregates();
    expect(stats.natPairs['fullCone|symmetric']).toEqual({ direct: 0, relay: 0, upgraded: 2 });
    expect(stats.upgrades).toBe(2);
    expect(stats.connects).toEqual({ direct: 0, relay: 2 });
    expect(collector.pairs().map((pair) => [pair.sessionId, pair.path, pair.outcome])).toEqual([
      ['a', 'direct', 'upgraded'],
      ['b', 'direct', 'upgraded'],
    ]);
  });

  it('drops path reports of unknown pairs and beyond the per-pair rate', async () => {
    const { store, collector } = await setUp();
    await store.insert(session('s1', 'open', 'open'));
    expect(collector.pathChanged('s1', 2, { path: 'relay', reason: 'fallback' })).toBe(false);
    collector.connected('s1', 2, { path: 'direct', ms: 5 });
    // The connect was the pair's first report of the minute.
    for (let i = 1; i < PATH_REPORTS_PER_MINUTE; i++) expect(collector.pathChanged('s1', 2, { path: 'direct', reason: 'roamed' })).toBe(true);
    expect(collector.pathChanged('s1', 2, { path: 'direct', reason: 'roamed' })).toBe(false);
    expect(collector.dropped.reports).toBe(2);
    // A CONNECTED loop cannot inflate the counts either.
    for (let i = 0; i < 2 * PATH_REPORTS_PER_MINUTE; i++) collector.connected('s1', 3, { path: 'direct', ms: 5 });
    expect(collector.aggregates().connects.direct).toBe(1 + PATH_REPORTS_PER_MINUTE);
    expect(collector.dropped.reports).toBe(2 + PATH_REPORTS_PER_MINUTE);
  });

  it('forgets the pairs of members that left and of closed sessions', async () => {
    const { store, collector } = await setUp();
    const s = session('s1', 'open', 'open');
    await store.insert(s);
    collector.connected('s1', 2, { path: 'direct', ms: 5 });
    collector.committed(s, { next: s, events: [{ type: 'memberLeft', sessionId: 's1', appKey: s.appKey, actor: 2, peerId: 'p2', mode: 'client', reason: 'left' }] });
    expect(collector.pairs()).toEqual([]);
    collector.connected('s1', 2, { path: 'direct', ms: 5 });
    collector.committed(s, { next: null, events: [] });
    expect(collector.pairs()).toEqual([]);
    // Gone before its NAT types were read: still counted, as unknown.
    expect(collector.aggregates().natPairs['unknown|unknown']).toEqual({ direct: 2, relay: 0, upgraded: 0 });
  });

  it('stays bounded over 100,000 connects: pairs capped, aggregates a fixed size, heap flat', async () => {
    const { clock, collector } = await setUp();
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heapAfter = (): number => (gc(), process.memoryUsage().heapUsed);
    const connect = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i++) {
        collector.connected(`s${i}`, 2, { path: i % 3 === 0 ? 'relay' : 'direct', ms: i % 5_000, rttMs: 30 });
        if (i % 7 === 0) collector.pathChanged(`s${i}`, 2, { path: 'direct', reason: 'upgrade' });
        if (i % 1_000 === 999) await clock.advanceAsync(PENDING_SWEEP_MS);
      }
    };
    await connect(0, 20_000);
    const sizeAt20k = JSON.stringify(collector.aggregates()).length;
    const heapAt20k = heapAfter();
    await connect(20_000, 100_000);
    await clock.advanceAsync(NAT_WAIT_MS + PENDING_SWEEP_MS);
    const stats = collector.aggregates();
    expect(stats.connects.direct + stats.connects.relay).toBe(100_000);
    expect(collector.pairs().length).toBeLessThanOrEqual(MAX_LIVE_PAIRS);
    // Counts grow in digits only: the shapes are fixed by the enums and the constants.
    expect(JSON.stringify(stats).length).toBeLessThan(sizeAt20k + 200);
    // Four times the connects, no more memory than noise (collected before each reading).
    expect(heapAfter() - heapAt20k).toBeLessThan(8 * 1024 * 1024);
    collector.close();
  });
});
