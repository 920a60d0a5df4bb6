// A cluster node's relay table against a real redis-server, fed by the relay's own Redis sink: reports, every node's placements in
// the window, the since-report counter the relay takes, sessions by relay, hostile values, forgetting, and the settled gate of failover.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, createEnv, createSilentLogger } from '../../../../core/index.js';
import { createRedisRelayTable, relayPlacedKey, relaySessionsKey, type RedisRelayTable } from '../../../../src/cluster/index.js';
import { isFresh, chooseRelay } from '../../../../src/fleet/index.js';
import { RELAY_REGISTRY_KEY, relayReportKey, type RelayReport } from '../../../../relay/index.js';
import { createRedisReportSink, type RedisReportSink } from '../../../../cli/fleet-redis-sink.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis } from '../../../support/redis.js';

const report = (id: string, reportedAtMs: number, over: Partial<RelayReport> = {}): RelayReport => ({
  id,
  epoch: 1_700_000_000_000,
  endpoint: `127.0.0.1:${6000 + Number(id.replace(/\D/g, '') || 0)}`,
  region: 'eu',
  state: 'normal',
  level: 0,
  inputs: { bindingsPct: 0, ppsPct: 0, cpuPct: 0 },
  bindings: 0,
  sessions: 0,
  reportedAtMs,
  ...over,
});

describe.skipIf(!redisAvailable())('the Redis relay table (real redis-server, the relay sink writing)', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  let redis: TestRedis;
  let sink: RedisReportSink;
  const tables: RedisRelayTable[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    sink = await createRedisReportSink(`unix://${redis.socketPath}`, () => undefined);
  });
  afterEach(async () => {
    for (const table of tables.splice(0)) table.close();
    await redis.flush();
  });
  afterAll(async () => {
    await sink?.close();
    await redis?.stop();
  });

  const send = (r: RelayReport) => sink.send(r, JSON.stringify(r));
  const table = async (nodeId: string, clock: ManualClock, prunes = false) => {
    const made = createRedisRelayTable(createEnv({ clock, logger: createSilentLogger() }), { commands: await redis.client(), nodeId, prunes: () => prunes });
    tables.push(made);
    return made;
  };

  it("every node sees every node's placements of the window; the relay's report takes the since-report counter", async () => {
    const clock = new ManualClock(1_700_000_100_000, 1_700_000_100_000);
    const [a, b] = [await table('node-a', clock), await table('node-b', clock)];
    await send(report('r1', clock.wallTime()));
    await send(report('r2', clock.wallTime()));
    await Promise.all([a.refresh(), b.refresh()]);
    expect(a.list(clock.now()).map((r) => r.id).sort()).toEqual(['r1', 'r2']);
    for (let i = 0; i < 3; i++) a.countAssignment('r1', clock.now());
    b.countAssignment('r1', clock.now());
    b.countAssignment('r2', clock.now());
    // Before a refresh each node counts only its own; after one, both see all five.
    expect(a.list(clock.now()).find((r) => r.id === 'r1')?.assigned).toBe(3);
    expect(b.list(clock.now()).find((r) => r.id === 'r1')?.assigned).toBe(1);
    await Promise.all([a.refresh(), b.refresh()]);
    for (const t of [a, b]) expect(Object.fromEntries(t.list(clock.now()).map((r) => [r.id, r.assigned]))).toEqual({ r1: 4, r2: 1 });
    // The relay's next report takes the counter (GETDEL) and answers it; the window stays.
    expect(await send(report('r1', clock.wallTime() + 1))).toEqual({ assigned: 4 });
    expect(await send(report('r1', clock.wallTime() + 2))).toEqual({});
    clock.advance(5_000);
    await a.refresh();
    expect(a.list(clock.now()).find((r) => r.id === 'r1')?.assigned).toBe(4);
    // Past the window the placements drop out (and their keys expire on their own).
    clock.advance(5_001);
    await a.refresh();
    expect(a.list(clock.now()).find((r) => r.id === 'r1')?.assigned).toBe(0);
    expect(await redis.client().then((c) => c.pTTL(relayPlacedKey('r1')))).toBeGreaterThan(0);
  });

  it('a relay whose key expires goes stale 3 s after its last new report; its sessions stay findable; hostile values are dropped', async () => {
    const clock = new ManualClock(1_700_000_200_000, 1_700_000_200_000);
    const t = await table('node-a', clock);
    await send(report('r1', clock.wallTime()));
    const client = await redis.client();
    await client.zAdd(RELAY_REGISTRY_KEY, [{ score: clock.wallTime(), value: 'evil' }, { score: clock.wallTime(), value: 'not an id!' }]);
    await client.set(relayReportKey('evil'), '{"id":"evil","level":"high"}');
    await t.refresh();
    expect(t.stats().malformed).toBe(2);
    expect(chooseRelay(t.list(clock.now()), { regions: [] }, clock.now(), () => 0.5)?.id).toBe('r1');
    await t.index.add('r1', 'sessionAAAA1');
    await t.index.add('r1', 'sessionAAAA2');
    await t.index.add('local', 'sessionAAAA3');
    expect((await t.index.list('r1', 10)).sort()).toEqual(['sessionAAAA1', 'sessionAAAA2']);
    expect(await t.index.list('r1', 1)).toHaveLength(1);
    await t.index.remove('r1', 'sessionAAAA2');
    expect(await t.index.list('r1', 10)).toEqual(['sessionAAAA1']);
    await client.del(relayReportKey('r1'));
    clock.advance(2_000);
    await t.refresh();
    expect(isFresh(t.get('r1')!, clock.now())).toBe(true);
    clock.advance(1_001);
    expect(isFresh(t.get('r1')!, clock.now())).toBe(false);
    expect(t.get('r1')?.region).toBe('eu');
  });

  it('the reaper holder forgets a relay silent for a minute once no session is left on it', async () => {
    const clock = new ManualClock(1_700_000_300_000, 1_700_000_300_000);
    const t = await table('node-a', clock, true);
    await send(report('r1', clock.wallTime() - 61_000));
    await send(report('r2', clock.wallTime() - 61_000));
    await t.index.add('r2', 'sessionBBBB1');
    await t.refresh();
    const client = await redis.client();
    expect(await client.zRange(RELAY_REGISTRY_KEY, 0, -1)).toEqual(['r2']);
    expect(t.stats().forgotten).toBe(1);
    await t.index.remove('r2', 'sessionBBBB1');
    expect(await client.exists(relaySessionsKey('r2'))).toBe(0);
    await t.refresh();
    expect(await client.zRange(RELAY_REGISTRY_KEY, 0, -1)).toEqual([]);
  });

  it('drives failover only when settled: refreshed lately and without a failure for a staleness period', async () => {
    const clock = new ManualClock(1_700_000_400_000, 1_700_000_400_000);
    const t = await table('node-a', clock);
    expect(t.settled(clock.now())).toBe(false);
    await t.refresh();
    expect(t.settled(clock.now())).toBe(false);
    clock.advance(3_000);
    await t.refresh();
    expect(t.settled(clock.now())).toBe(false);
    clock.advance(1_000);
    await t.refresh();
    expect(t.settled(clock.now())).toBe(true);
    // No refresh for two periods: not settled.
    clock.advance(2_001);
    expect(t.settled(clock.now())).toBe(false);
  });
});
