// Shared by the relay-fleet acceptance tests (one cloud, and a cluster): relay processes, SDK host/client pairs (half relayed), game traffic and its gaps.
import { join } from 'node:path';
import { expect } from 'vitest';
import { NetworkRunner } from '../../client-sdk/index.js';
import { droppingSocketFactory } from './sdk-cloud.js';
import { spawnCli, type SpawnedCli } from './cli.js';

/** Small on purpose: the bindings of 20 sessions (two each) make a relay's level climb. */
export const FLEET_MAX_BINDINGS = '100';
export const UPDATE_MS = 50;

export interface Pair {
  n: number;
  host: NetworkRunner;
  client: NetworkRunner;
  relayed: boolean;
  /** Arrival times of the host's updates at the client (ms, performance.now). */
  arrivals: number[];
  moved: Array<{ at: number; reason: string; port: number }>;
}

export type FleetRelayProcess = SpawnedCli & { port: number; pidFile: string };

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(values.length * 0.95) - 1)]!;

/** The longest silence between arrivals within [from, to]. */
export function longestGap(arrivals: number[], from: number, to: number): number {
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

export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** `punchthrough relay --relay-id id` reporting with `report` (`['--register', url]` or `['--redis-url', url]`), ready. */
export async function startFleetRelay(dir: string, id: string, report: string[], env: NodeJS.ProcessEnv): Promise<FleetRelayProcess> {
  const pidFile = join(dir, `${id}.pid`);
  const cli = spawnCli(
    ['relay', '--host', '127.0.0.1', '--port', '0', '--relay-id', id, '--region', 'test', ...report, '--max-bindings', FLEET_MAX_BINDINGS, '--pid-file', pidFile, '--json'],
    env,
  );
  const ready = await cli.waitFor((line) => line.event === 'ready');
  return Object.assign(cli, { port: Number(String(ready.relay).split(':').pop()), pidFile });
}

/** The admin view of one cloud's relay table. */
export async function adminRelays(http: string, adminToken: string): Promise<Array<{ id: string; fresh: boolean; state: string; bindings: number }>> {
  const answer = await fetch(`${http}/v1/admin/relays`, { headers: { authorization: `Bearer ${adminToken}` } });
  return ((await answer.json()) as { relays: Array<{ id: string; fresh: boolean; state: string; bindings: number }> }).relays;
}

/** Sessions placed per relay, summed over the clouds' `/metrics`. */
export async function chosenCounts(https: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const http of https) {
    const text = await (await fetch(`${http}/metrics`)).text();
    for (const match of text.matchAll(/^punchthrough_relay_chosen_total\{relay="([^"]+)"\} (\d+)$/gm)) out[match[1]!] = (out[match[1]!] ?? 0) + Number(match[2]);
  }
  return out;
}

/**
 * Starts `sessions` games ten at a time, 1 s apart (as games arrive: the relays' reports see the
 * earlier ones). Pair n's host signals through `hostUrl(n)`, its client through `clientUrl(n)`;
 * even pairs are relayed (the client's datagrams to its host are dropped, as bench:connect does).
 */
export async function startPairs(
  sessions: number,
  urls: { host(n: number): string; client(n: number): string },
  pairs: Pair[],
  ended: string[],
): Promise<void> {
  for (let batch = 0; batch < sessions / 10; batch++) {
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const n = batch * 10 + i;
        const relayed = n % 2 === 0;
        const host = new NetworkRunner({ cloudUrl: urls.host(n), appId: 'fleet', bindAddress: '127.0.0.1' });
        const hostPorts = new Set<number>();
        const client = new NetworkRunner({
          cloudUrl: urls.client(n),
          appId: 'fleet',
          bindAddress: '127.0.0.1',
          ...(relayed ? { socketFactory: droppingSocketFactory((_address, port) => hostPorts.has(port)) } : {}),
        });
        const pair: Pair = { n, host, client, relayed, arrivals: [], moved: [] };
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
}

/** Every host sends an update to its client every UPDATE_MS; returns the stop function. */
export function startTraffic(pairs: readonly Pair[]): () => void {
  const ticker = setInterval(() => {
    for (const pair of pairs) {
      const client = pair.host.connectedPeers()[0];
      if (client) pair.host.send(client, Buffer.from('update'));
    }
  }, UPDATE_MS);
  return () => clearInterval(ticker);
}

export interface FailoverFigures {
  moved: Pair[];
  relayed: Pair[];
  gaps: number[];
  resumeMs: number[];
  directGaps: number[];
  /** The direct pairs' longest gap in the 1.4 s before the kill: what the busy test process itself adds. */
  baseline: number[];
  line: string;
}

/** After a relay was killed at `killedAt`: waits for its pairs to move and resume, then measures. */
export async function measureFailover(pairs: readonly Pair[], killedAt: number, victim: string): Promise<FailoverFigures> {
  const onVictim = () => pairs.filter((pair) => pair.moved.some((m) => m.reason === 'failover'));
  await waitUntil("the killed relay's sessions to move", () => onVictim().length > 0 && onVictim().every((pair) => pair.arrivals.at(-1)! > pair.moved[0]!.at), 20_000);
  await sleep(2_000);
  const end = performance.now();
  const moved = onVictim();
  const relayed = moved.filter((pair) => pair.relayed);
  // Resumed: the first update that arrived after the pair's RELAY_CHANGED, from the kill.
  const resumeMs = relayed.map((pair) => (pair.arrivals.find((at) => at > pair.moved[0]!.at) ?? end) - killedAt);
  const gaps = relayed.map((pair) => longestGap(pair.arrivals, killedAt, end));
  const direct = pairs.filter((pair) => !pair.relayed);
  const directGaps = direct.map((pair) => longestGap(pair.arrivals, killedAt, end));
  const baseline = direct.map((pair) => longestGap(pair.arrivals, killedAt - 1_400, killedAt));
  const line = `${moved.length} sessions moved off ${victim} (${relayed.length} relayed pairs); relayed gap p95 ${p95(gaps).toFixed(0)} ms, max ${Math.max(...gaps).toFixed(0)} ms; resume after kill p95 ${p95(resumeMs).toFixed(0)} ms; direct pairs' longest gap ${Math.max(...directGaps).toFixed(0)} ms (on ${victim}: ${Math.max(0, ...moved.filter((pair) => !pair.relayed).map((pair) => longestGap(pair.arrivals, killedAt, end))).toFixed(0)} ms; before the kill: ${Math.max(...baseline).toFixed(0)} ms)`;
  return { moved, relayed, gaps, resumeMs, directGaps, baseline, line };
}
