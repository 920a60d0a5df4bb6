// The relay fleet in cluster mode with real processes: a redis-server, 2 cloud nodes (`punchthrough
// cloud --redis-url`), 3 relays reporting to Redis (`punchthrough relay --redis-url`). Each pair's
// host signals through one node and its client through the other. 60 sessions spread over the
// relays (max/mean ≤ 1.2, placements counted across both nodes); kill -9 of a relay mid-game: its
// relayed pairs resume on another relay (p95 ≤ 5 s; the reaper holder moves them, RELAY_CHANGED
// reaches the members on both nodes through the inboxes), direct pairs untouched; `--drain` moves
// every session off a relay with 0 games ended; teardown leaves only registry and lease keys.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis } from '../../../support/redis.js';
import { spawnCli, type SpawnedCli } from '../../../support/cli.js';
import {
  adminRelays,
  chosenCounts,
  measureFailover,
  p95,
  sleep,
  startFleetRelay,
  startPairs,
  startTraffic,
  waitUntil,
  type FleetRelayProcess,
  type Pair,
} from '../../../support/fleet-pairs.js';

const MASTER = 'cluster fleet master secret, 32+';
const TOKEN = 'cluster-fleet-token-0123456789ab';
const ADMIN = 'cluster-fleet-admin-0123456789abcdef';
const env = { PUNCHTHROUGH_RELAY_SECRET: MASTER, PUNCHTHROUGH_RELAY_TOKEN: TOKEN };
const SESSIONS = 60;

describe.skipIf(!redisAvailable())('a relay fleet in cluster mode (real processes: redis-server, 2 cloud nodes, 3 relays)', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'pt-cluster-fleet-'));
  const relays = new Map<string, FleetRelayProcess>();
  const nodes: SpawnedCli[] = [];
  const https: string[] = [];
  const pairs: Pair[] = [];
  const ended: string[] = [];
  let redis: TestRedis | undefined;
  let redisUrl = '';
  let stopTraffic: (() => void) | undefined;

  const startRelay = async (id: string) => relays.set(id, await startFleetRelay(dir, id, ['--redis-url', redisUrl], env));
  const freshOnEveryNode = async (count: number) => {
    for (const http of https) if ((await adminRelays(http, ADMIN)).filter((r) => r.fresh).length !== count) return false;
    return true;
  };

  beforeAll(async () => {
    redis = await startRedis();
    redisUrl = `unix://${redis.socketPath}`;
    for (const id of ['c1', 'c2']) {
      const node = spawnCli(
        ['cloud', '--host', '127.0.0.1', '--http-port', '0', '--stun-port', '0', '--stun-alt-port', '0', '--no-ipv6', '--no-embedded-relay', '--admin-token', ADMIN, '--json', '--redis-url', redisUrl, '--node-id', id],
        env,
      );
      nodes.push(node);
      https.push(String((await node.waitFor((line) => line.event === 'ready')).http));
    }
    await Promise.all(['r1', 'r2', 'r3'].map((id) => startRelay(id)));
    await waitUntil('three fresh relays on both nodes', () => freshOnEveryNode(3));
  }, 60_000);

  afterAll(async () => {
    stopTraffic?.();
    await Promise.allSettled(pairs.flatMap((pair) => [pair.client.shutdown(), pair.host.shutdown()]));
    await Promise.allSettled([...relays.values()].map((relay) => relay.stop()));
    await Promise.allSettled(nodes.map((node) => node.stop()));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it(`spreads ${SESSIONS} sessions placed by two nodes over 3 relays with max/mean ≤ 1.2`, async () => {
    const signaling = https.map((http) => `${http.replace(/^http/, 'ws')}/v1/signaling`);
    // Pairs 0-1 host on c1, 2-3 on c2, …: each node creates relayed and direct sessions alike (pair n is relayed when n is even).
    const hostNode = (n: number) => Math.floor(n / 2) % 2;
    await startPairs(SESSIONS, { host: (n) => signaling[hostNode(n)]!, client: (n) => signaling[1 - hostNode(n)]! }, pairs, ended);
    const counts = await chosenCounts(https);
    const perNode = await Promise.all(https.map((http) => chosenCounts([http])));
    const values = Object.values(counts);
    expect(values.reduce((a, b) => a + b, 0)).toBe(SESSIONS);
    const ratio = Math.max(...values) / (SESSIONS / 3);
    console.log(`cluster fleet spread: ${JSON.stringify(counts)} max/mean ${ratio.toFixed(2)} (by node: ${JSON.stringify(perNode)})`);
    expect(values).toHaveLength(3);
    // Both nodes placed (the hosts create through both).
    for (const node of perNode) expect(Object.values(node).reduce((a, b) => a + b, 0)).toBe(SESSIONS / 2);
    expect(ratio).toBeLessThanOrEqual(1.2);
  }, 120_000);

  it('kill -9 of a relay mid-game: its relayed pairs resume on another (p95 ≤ 5 s), direct pairs see no gap over 200 ms', async () => {
    stopTraffic = startTraffic(pairs);
    await sleep(1_500);
    const victim = relays.get('r1')!;
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    const figures = await measureFailover(pairs, killedAt, 'r1');
    console.log(`cluster fleet failover: ${figures.line}`);
    expect(figures.relayed.length).toBeGreaterThan(0);
    // Both ends of every moved pair heard of it: the host on one node, the client on the other.
    expect(figures.moved.every((pair) => pair.moved.every((m) => m.port !== victim.port))).toBe(true);
    expect(p95(figures.gaps)).toBeLessThanOrEqual(5_000);
    expect(Math.max(...figures.directGaps)).toBeLessThanOrEqual(Math.max(200, Math.max(...figures.baseline) + 100));
    expect(ended).toEqual([]);
  }, 60_000);

  it('--drain moves every session off a relay, which then exits 0, with 0 games ended', async () => {
    await startRelay('r4');
    await waitUntil('r4 on both nodes', async () => {
      for (const http of https) if (!(await adminRelays(http, ADMIN)).some((r) => r.id === 'r4' && r.fresh)) return false;
      return true;
    });
    const drained = relays.get('r2')!;
    const before = pairs.map((pair) => pair.moved.length);
    const drain = spawnCli(['relay', '--drain', '--pid-file', drained.pidFile, '--json']);
    expect(await drain.exited).toBe(0);
    expect(await drained.exited).toBe(0);
    expect(drained.lines.some((line) => line.event === 'drained')).toBe(true);
    const drainedPairs = pairs.filter((pair, i) => pair.moved.slice(before[i]).some((m) => m.reason === 'drain'));
    console.log(`cluster fleet drain: ${drainedPairs.length} sessions moved off r2; ${JSON.stringify(drained.lines.at(-1))}`);
    expect(drainedPairs.length).toBeGreaterThan(0);
    expect(drainedPairs.every((pair) => pair.moved.at(-1)!.port !== drained.port)).toBe(true);
    await sleep(1_000);
    const since = performance.now() - 1_000;
    expect(pairs.every((pair) => pair.arrivals.some((at) => at > since))).toBe(true);
    expect(ended).toEqual([]);
  }, 90_000);

  it('teardown leaves only registry and lease keys in Redis', async () => {
    if (!redis) throw new Error('redis-server did not start');
    stopTraffic?.();
    await Promise.allSettled(pairs.splice(0).flatMap((pair) => [pair.client.shutdown(), pair.host.shutdown()]));
    for (const relay of relays.values()) await relay.stop();
    for (const node of nodes) await node.stop();
    // Reports lapse 3 s after the last, placement windows and counters 10 s after the last placement.
    const extra = async () => (await redis!.keys('pt:*')).filter((key) => !/^pt:(nodes|reaper|relays|lease:[^:]+)$/.test(key));
    await waitUntil('only registry and lease keys', async () => (await extra()).length === 0, 15_000).catch(() => undefined);
    expect(await extra()).toEqual([]);
  }, 60_000);
});
