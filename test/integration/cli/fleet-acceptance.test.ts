// A relay fleet with real processes: 1 cloud and 3 `punchthrough relay` processes reporting over
// HTTP, SDK pairs spread by load; kill -9 of a relay mid-game (its relayed pairs resume on
// another relay, direct pairs see no gap); `--drain` empties a relay without ending a game.
// (The cluster-mode twin, 2 cloud nodes on Redis: test/integration/src/cluster/cluster-fleet-acceptance.test.ts.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, type SpawnedCli } from '../../support/cli.js';
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
} from '../../support/fleet-pairs.js';

const MASTER = 'fleet test master secret, 32+ b.';
const TOKEN = 'fleet-registration-token-0123456789';
const ADMIN = 'fleet-admin-token-0123456789abcdef';
const env = { PUNCHTHROUGH_RELAY_SECRET: MASTER, PUNCHTHROUGH_RELAY_TOKEN: TOKEN };
const SESSIONS = 60;

describe('a relay fleet of real processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pt-fleet-'));
  const relays = new Map<string, FleetRelayProcess>();
  const pairs: Pair[] = [];
  const ended: string[] = [];
  let cloud: SpawnedCli;
  let http = '';
  let stopTraffic: (() => void) | undefined;

  const startRelay = async (id: string) => relays.set(id, await startFleetRelay(dir, id, ['--register', http], env));
  const admin = () => adminRelays(http, ADMIN);

  beforeAll(async () => {
    cloud = spawnCli(
      ['cloud', '--host', '127.0.0.1', '--http-port', '0', '--stun-port', '0', '--stun-alt-port', '0', '--no-ipv6', '--no-embedded-relay', '--admin-token', ADMIN, '--json'],
      env,
    );
    http = String((await cloud.waitFor((line) => line.event === 'ready')).http);
    await Promise.all(['r1', 'r2', 'r3'].map((id) => startRelay(id)));
    await waitUntil('three fresh relays', async () => (await admin()).filter((r) => r.fresh).length === 3);
  }, 60_000);

  afterAll(async () => {
    stopTraffic?.();
    await Promise.allSettled(pairs.flatMap((pair) => [pair.client.shutdown(), pair.host.shutdown()]));
    await Promise.allSettled([...relays.values()].map((relay) => relay.stop()));
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it(`spreads ${SESSIONS} sessions over 3 relays with max/mean ≤ 1.2`, async () => {
    const cloudUrl = `${http.replace(/^http/, 'ws')}/v1/signaling`;
    await startPairs(SESSIONS, { host: () => cloudUrl, client: () => cloudUrl }, pairs, ended);
    const counts = await chosenCounts([http]);
    const values = Object.values(counts);
    expect(values.reduce((a, b) => a + b, 0)).toBe(SESSIONS);
    const ratio = Math.max(...values) / (SESSIONS / 3);
    console.log(`fleet spread: ${JSON.stringify(counts)} max/mean ${ratio.toFixed(2)}`);
    expect(values).toHaveLength(3);
    // Two weighted draws per placement, the less loaded kept (src/fleet/choose.ts): ≤ 1.2 every run.
    expect(ratio).toBeLessThanOrEqual(1.2);
  }, 120_000);

  it('kill -9 of a relay mid-game: its relayed pairs resume on another (p95 ≤ 5 s), direct pairs see no gap over 200 ms', async () => {
    stopTraffic = startTraffic(pairs);
    await sleep(1_500);
    const victim = relays.get('r1')!;
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    const figures = await measureFailover(pairs, killedAt, 'r1');
    console.log(`fleet failover: ${figures.line}`);
    expect(figures.relayed.length).toBeGreaterThan(0);
    expect(figures.moved.every((pair) => pair.moved.every((m) => m.port !== victim.port))).toBe(true);
    expect(p95(figures.gaps)).toBeLessThanOrEqual(5_000);
    // 200 ms, unless this process (120 runners on a shared machine) already stalled longer before
    // the kill: then no more than 100 ms beyond its own stalls. A direct pair that lost its path
    // would be silent for seconds.
    expect(Math.max(...figures.directGaps)).toBeLessThanOrEqual(Math.max(200, Math.max(...figures.baseline) + 100));
    expect(ended).toEqual([]);
  }, 60_000);

  it('--drain moves every session off a relay, which then exits 0, with 0 games ended', async () => {
    // The replacement first: the drained relay's sessions need room elsewhere.
    await startRelay('r4');
    await waitUntil('r4 to report', async () => (await admin()).some((r) => r.id === 'r4' && r.fresh));
    const drained = relays.get('r2')!;
    const before = pairs.map((pair) => pair.moved.length);
    const drain = spawnCli(['relay', '--drain', '--pid-file', drained.pidFile, '--json']);
    expect(await drain.exited).toBe(0);
    expect(await drained.exited).toBe(0);
    expect(drained.lines.some((line) => line.event === 'drained')).toBe(true);
    const drainedPairs = pairs.filter((pair, i) => pair.moved.slice(before[i]).some((m) => m.reason === 'drain'));
    console.log(`fleet drain: ${drainedPairs.length} sessions moved off r2; ${JSON.stringify(drained.lines.at(-1))}`);
    expect(drainedPairs.length).toBeGreaterThan(0);
    expect(drainedPairs.every((pair) => pair.moved.at(-1)!.port !== drained.port)).toBe(true);
    await sleep(1_000);
    const since = performance.now() - 1_000;
    expect(pairs.every((pair) => pair.arrivals.some((at) => at > since))).toBe(true);
    expect(ended).toEqual([]);
  }, 90_000);
});
