// A relay fleet with real processes: 1 cloud and 3 `punchthrough relay` processes reporting over
// HTTP, SDK pairs spread by load; kill -9 of a relay mid-game (its relayed pairs resume on
// another relay, direct pairs see no gap); `--drain` empties a relay without ending a game.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkRunner } from '../../../client-sdk/index.js';
import { droppingSocketFactory } from '../../support/sdk-cloud.js';
import { spawnCli, type SpawnedCli } from '../../support/cli.js';

const MASTER = 'fleet test master secret, 32+ b.';
const TOKEN = 'fleet-registration-token-0123456789';
const ADMIN = 'fleet-admin-token-0123456789abcdef';
const env = { PUNCHTHROUGH_RELAY_SECRET: MASTER, PUNCHTHROUGH_RELAY_TOKEN: TOKEN };
const SESSIONS = 60;
/** Small on purpose: the bindings of 20 sessions (two each) make a relay's level climb, which is what spreads them. */
const MAX_BINDINGS = '100';
const UPDATE_MS = 50;

interface Pair {
  host: NetworkRunner;
  client: NetworkRunner;
  relayed: boolean;
  /** Arrival times of the host's updates at the client (ms, performance.now). */
  arrivals: number[];
  moved: Array<{ at: number; reason: string; port: number }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(values.length * 0.95) - 1)]!;

/** The longest silence between arrivals within [from, to]. */
function longestGap(arrivals: number[], from: number, to: number): number {
  let last = from;
  let gap = 0;
  for (const at of arrivals) {
    if (at < from) continue;
    if (at > to) break;
    gap = Math.max(gap, at - last);
    last = at;
  }
  return Math.max(gap, to - last);
}

describe('a relay fleet of real processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pt-fleet-'));
  const relays = new Map<string, SpawnedCli & { port: number; pidFile: string }>();
  const pairs: Pair[] = [];
  const ended: string[] = [];
  let cloud: SpawnedCli;
  let http = '';
  let ticker: NodeJS.Timeout | undefined;

  const startRelay = async (id: string) => {
    const pidFile = join(dir, `${id}.pid`);
    const cli = spawnCli(
      ['relay', '--host', '127.0.0.1', '--port', '0', '--relay-id', id, '--region', 'test', '--register', http, '--max-bindings', MAX_BINDINGS, '--pid-file', pidFile, '--json'],
      env,
    );
    const ready = await cli.waitFor((line) => line.event === 'ready');
    const port = Number(String(ready.relay).split(':').pop());
    relays.set(id, Object.assign(cli, { port, pidFile }));
    return port;
  };

  const admin = async () => {
    const answer = await fetch(`${http}/v1/admin/relays`, { headers: { authorization: `Bearer ${ADMIN}` } });
    return ((await answer.json()) as { relays: Array<{ id: string; fresh: boolean; state: string; bindings: number }> }).relays;
  };

  const chosen = async (): Promise<Record<string, number>> => {
    const text = await (await fetch(`${http}/metrics`)).text();
    const out: Record<string, number> = {};
    for (const match of text.matchAll(/^punchthrough_relay_chosen_total\{relay="([^"]+)"\} (\d+)$/gm)) out[match[1]!] = Number(match[2]);
    return out;
  };

  const waitUntil = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) => {
    const until = performance.now() + timeoutMs;
    while (!(await check())) {
      if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  };

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
    if (ticker) clearInterval(ticker);
    await Promise.allSettled(pairs.flatMap((pair) => [pair.client.shutdown(), pair.host.shutdown()]));
    await Promise.allSettled([...relays.values()].map((relay) => relay.stop()));
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it(`spreads ${SESSIONS} sessions over 3 relays with max/mean ≤ 1.2`, async () => {
    const cloudUrl = `${http.replace(/^http/, 'ws')}/v1/signaling`;
    // Ten sessions at a time, as games arrive: the relays' reports see the bindings of the earlier ones.
    for (let batch = 0; batch < SESSIONS / 10; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const n = batch * 10 + i;
          const relayed = n % 2 === 0;
          const host = new NetworkRunner({ cloudUrl, appId: 'fleet', bindAddress: '127.0.0.1' });
          // A relayed pair: the client's datagrams to its host are dropped (as bench:connect does), so only the relay carries them.
          const hostPorts = new Set<number>();
          const client = new NetworkRunner({
            cloudUrl,
            appId: 'fleet',
            bindAddress: '127.0.0.1',
            ...(relayed ? { socketFactory: droppingSocketFactory((_address, port) => hostPorts.has(port)) } : {}),
          });
          const pair: Pair = { host, client, relayed, arrivals: [], moved: [] };
          pairs.push(pair);
          for (const runner of [host, client]) {
            runner.on('peerDisconnected', (e) => ended.push(`${n}: peerDisconnected ${e.reason}`));
            runner.on('sessionClosed', () => ended.push(`${n}: sessionClosed`));
          }
          client.on('message', () => pair.arrivals.push(performance.now()));
          client.on('relayChanged', (e) => pair.moved.push({ at: performance.now(), reason: e.reason, port: e.endpoint.port }));
          const hosted = await host.startGame({ mode: 'server', sessionName: `game-${n}` });
          for (const endpoint of [...hosted.local, ...(hosted.reflexive ? [hosted.reflexive] : [])]) hostPorts.add(endpoint.port);
          const start = await client.startGame({ mode: 'client', sessionName: `game-${n}` });
          expect(start.server?.path).toBe(relayed ? 'relay' : 'direct');
        }),
      );
      await sleep(1_000);
    }
    const counts = await chosen();
    const values = Object.values(counts);
    expect(values.reduce((a, b) => a + b, 0)).toBe(SESSIONS);
    const ratio = Math.max(...values) / (SESSIONS / 3);
    console.log(`fleet spread: ${JSON.stringify(counts)} max/mean ${ratio.toFixed(2)}`);
    expect(values).toHaveLength(3);
    // Two weighted draws per placement, the less loaded kept (src/fleet/choose.ts): ≤ 1.2 every run.
    expect(ratio).toBeLessThanOrEqual(1.2);
  }, 120_000);

  it('kill -9 of a relay mid-game: its relayed pairs resume on another (p95 ≤ 5 s), direct pairs see no gap over 200 ms', async () => {
    ticker = setInterval(() => {
      for (const pair of pairs) {
        const client = pair.host.connectedPeers()[0];
        if (client) pair.host.send(client, Buffer.from('update'));
      }
    }, UPDATE_MS);
    await sleep(1_500);
    const victim = relays.get('r1')!;
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    const onVictim = () => pairs.filter((pair) => pair.moved.some((m) => m.reason === 'failover'));
    await waitUntil('the killed relay\'s sessions to move', () => onVictim().length > 0 && onVictim().every((pair) => pair.arrivals.at(-1)! > pair.moved[0]!.at), 20_000);
    await sleep(2_000);
    const end = performance.now();
    const moved = onVictim();
    const relayed = moved.filter((pair) => pair.relayed);
    // Resumed: the first update that arrived after the pair's RELAY_CHANGED, from the kill.
    const resumeMs = relayed.map((pair) => (pair.arrivals.find((at) => at > pair.moved[0]!.at) ?? end) - killedAt);
    const gaps = relayed.map((pair) => longestGap(pair.arrivals, killedAt, end));
    const directGaps = pairs.filter((pair) => !pair.relayed).map((pair) => longestGap(pair.arrivals, killedAt, end));
    // The same measure over the 1.5 s before the kill: what this busy test process itself adds.
    const baseline = pairs.filter((pair) => !pair.relayed).map((pair) => longestGap(pair.arrivals, killedAt - 1_400, killedAt));
    console.log(
      `fleet failover: ${moved.length} sessions moved off r1 (${relayed.length} relayed pairs); relayed gap p95 ${p95(gaps).toFixed(0)} ms, max ${Math.max(...gaps).toFixed(0)} ms; resume after kill p95 ${p95(resumeMs).toFixed(0)} ms; direct pairs' longest gap ${Math.max(...directGaps).toFixed(0)} ms (on r1: ${Math.max(0, ...moved.filter((pair) => !pair.relayed).map((pair) => longestGap(pair.arrivals, killedAt, end))).toFixed(0)} ms; before the kill: ${Math.max(...baseline).toFixed(0)} ms)`,
    );
    expect(relayed.length).toBeGreaterThan(0);
    expect(moved.every((pair) => pair.moved.every((m) => m.port !== victim.port))).toBe(true);
    expect(p95(gaps)).toBeLessThanOrEqual(5_000);
    // 200 ms, unless this process (120 runners on a shared machine) already stalled longer before
    // the kill: then no more than 100 ms beyond its own stalls. A direct pair that lost its path
    // would be silent for seconds.
    expect(Math.max(...directGaps)).toBeLessThanOrEqual(Math.max(200, Math.max(...baseline) + 100));
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
