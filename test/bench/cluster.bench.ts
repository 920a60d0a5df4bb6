// Cluster benchmark (npm run bench:cluster; docs/benchmarks.md "Cluster mode"): the bench:session
// cycle (create → join → both report → both get the other's addresses → leave) against the
// compiled cloud in child processes: in-memory, and 1, 2 and 3 cluster nodes on one private
// redis-server, the load in its own process (pair i's host on node i mod N, its client on the
// next node). Per configuration: cycles/s, node CPU µs per cycle (each node, from /proc), Redis CPU
// µs per cycle, join p50/p99, event latency p50/p99 (session-load.ts says what it spans), loaded
// (BENCH_PAIRS pairs) and unloaded (1 pair). Interleaved rounds, medians; then the capacity model
// X(N) = min(N × C_node, ρmax × C_redis) for N = 1…10 from the measured constants.
// BENCH_PROF=DIR writes the first cluster node's CPU profiles there.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median } from './median.js';
import { startRedis, redisAvailable, REDIS_MISSING, type TestRedis, type TestRedisClient } from '../support/redis.js';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 64);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONFIGS = [0, 1, 2, 3] as const; // 0 = the in-memory service
/** Commits per cycle (create, join, two reports, leave): the Redis service time per mutation. */
const COMMITS_PER_CYCLE = 5;
/** Planning ceiling for Redis's single command thread (spec §9). */
const RHO_MAX = 0.7;
/** Offered load per node for the queueing columns (spec §9). */
const OFFERED_PER_NODE = 600;
const DEADLINE_MS = 900_000;
const TARGETS = { eventP50: 1, eventP99: 5, clusterShare: 0.55, redisFlat: 0.15 };

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU of a process (all its threads) so far, µs. */
function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

const loadAverage = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

async function ask<T>(child: ChildProcess, message: object): Promise<T> {
  const reply = once(child, 'message') as Promise<[T & { error?: string }]>;
  child.send(message);
  const [answer] = await reply;
  if (answer.error) throw new Error(answer.error);
  return answer;
}

interface Node {
  child: ChildProcess;
  url: string;
}

async function startNode(redisUrl: string | undefined, nodeId: string, profile: boolean): Promise<Node> {
  const prof = profile && process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  const child = fork(here('./cluster-server.ts'), redisUrl ? [redisUrl, nodeId] : [], {
    execArgv: ['--import', 'tsx', ...prof],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ url: string }];
  return { child, url: ready.url };
}

async function stopNode(node: Node): Promise<void> {
  const exited = once(node.child, 'exit');
  node.child.send({ cmd: 'stop' });
  await exited;
}

interface Figure {
  perSecond: number;
  /** Each node's CPU per cycle of the whole run, µs. */
  nodeUs: number[];
  redisUs: number;
  joinMs: number[];
  eventMs: number[];
  load: number;
  /** Redis commands per cycle by name (INFO commandstats, calls inside Functions included), when measured. */
  commands: Record<string, number>;
}

interface Measured {
  joins: number;
  ms: number;
  warmup: number;
  joinMs: number[];
  eventMs: number[];
}

/** Calls per command so far (`INFO commandstats`), the benchmark's own INFO left out. */
async function commandCalls(admin: TestRedisClient): Promise<Record<string, number>> {
  const text = String(await admin.sendCommand(['INFO', 'commandstats']));
  const out: Record<string, number> = {};
  for (const match of text.matchAll(/^cmdstat_([a-z_|]+):calls=(\d+)/gm)) if (match[1] !== 'info') out[match[1]!] = Number(match[2]);
  return out;
}

async function measure(load: ChildProcess, nodes: Node[], redis: TestRedis, admin: TestRedisClient, pairs: number): Promise<Figure> {
  await ask(load, { cmd: 'prepare', kind: 'session', url: nodes[0]!.url, urls: nodes.map((n) => n.url), pairs });
  const pids = nodes.map((n) => n.child.pid!);
  const callsBefore = await commandCalls(admin);
  const before = pids.map(cpuUs);
  const redisBefore = cpuUs(redis.pid);
  const result = await ask<Measured>(load, { cmd: 'measure', durationMs: DURATION_MS });
  const after = pids.map(cpuUs);
  const redisAfter = cpuUs(redis.pid);
  const callsAfter = await commandCalls(admin);
  const loadAvg = loadAverage();
  await ask(load, { cmd: 'release' });
  // CPU covers the warm-up too, so it is divided by every cycle run, warm-up included.
  const cycles = result.joins + result.warmup;
  return {
    perSecond: (result.joins * 1000) / result.ms,
    nodeUs: after.map((a, i) => (a - before[i]!) / cycles),
    redisUs: (redisAfter - redisBefore) / cycles,
    joinMs: result.joinMs,
    eventMs: result.eventMs,
    load: loadAvg,
    commands: Object.fromEntries(Object.entries(callsAfter).map(([name, calls]) => [name, (calls - (callsBefore[name] ?? 0)) / cycles]).filter(([, perCycle]) => (perCycle as number) > 0)),
  };
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
};
const fmt = (value: number, digits = 0): string => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const label = (n: number): string => (n === 0 ? 'in-memory' : `${n} node${n > 1 ? 's' : ''}`);

interface Summary {
  perSecond: number;
  nodeUs: number[];
  nodeTotalUs: number;
  redisUs: number;
  joinP50: number;
  joinP99: number;
  eventP50: number;
  eventP99: number;
  loads: number[];
  events: number;
  commands: Record<string, number>;
}

function summarize(figures: Figure[]): Summary {
  const joins = figures.flatMap((f) => f.joinMs);
  const events = figures.flatMap((f) => f.eventMs);
  const width = figures[0]!.nodeUs.length;
  return {
    perSecond: median(figures.map((f) => f.perSecond)),
    nodeUs: Array.from({ length: width }, (_, i) => median(figures.map((f) => f.nodeUs[i]!))),
    nodeTotalUs: median(figures.map((f) => sum(f.nodeUs))),
    redisUs: median(figures.map((f) => f.redisUs)),
    joinP50: percentile(joins, 50),
    joinP99: percentile(joins, 99),
    eventP50: percentile(events, 50),
    eventP99: percentile(events, 99),
    loads: figures.map((f) => f.load),
    events: events.length,
    commands: Object.fromEntries([...new Set(figures.flatMap((f) => Object.keys(f.commands)))].map((name) => [name, median(figures.map((f) => f.commands[name] ?? 0))])),
  };
}

function printTable(title: string, summaries: Map<number, Summary>, cpu: boolean): void {
  console.log(title);
  if (!cpu) {
    // One pair leaves the processes mostly idle: their timers (lease, inbox read, deadline poll) would dominate a CPU-per-cycle figure.
    console.log('  config       cycles/s   join p50/p99 ms   event p50/p99 ms   load avg');
    for (const [n, s] of summaries) {
      console.log(
        `  ${label(n).padEnd(10)} ${fmt(s.perSecond).padStart(9)}   ${`${fmt(s.joinP50, 2)} / ${fmt(s.joinP99, 2)}`.padStart(15)}   ` +
          `${`${fmt(s.eventP50, 2)} / ${fmt(s.eventP99, 2)}`.padStart(16)}   ${s.loads.map((l) => fmt(l, 1)).join(' ')}`,
      );
    }
    console.log('');
    return;
  }
  console.log('  config       cycles/s  node CPU µs/cycle (Σ = each node)   Redis µs/cycle   join p50/p99 ms   event p50/p99 ms   load avg');
  for (const [n, s] of summaries) {
    const nodes = n > 1 ? `${fmt(s.nodeTotalUs)} = ${s.nodeUs.map((u) => fmt(u)).join(' + ')}` : fmt(s.nodeTotalUs);
    console.log(
      `  ${label(n).padEnd(10)} ${fmt(s.perSecond).padStart(9)}   ${nodes.padEnd(34)} ${(n === 0 ? '—' : fmt(s.redisUs)).padStart(14)}   ` +
        `${`${fmt(s.joinP50, 2)} / ${fmt(s.joinP99, 2)}`.padStart(15)}   ${`${fmt(s.eventP50, 2)} / ${fmt(s.eventP99, 2)}`.padStart(16)}   ${s.loads.map((l) => fmt(l, 1)).join(' ')}`,
    );
  }
  console.log('');
}

/** Redis commands per cycle by name (medians of the rounds): top-level calls (fcall, xread, …) and the calls Functions make inside. */
function printCommands(title: string, summaries: Map<number, Summary>): void {
  const clusters = [...summaries].filter(([n]) => n > 0);
  const names = [...new Set(clusters.flatMap(([, s]) => Object.keys(s.commands)))].sort((a, b) => (clusters[0]![1].commands[b] ?? 0) - (clusters[0]![1].commands[a] ?? 0));
  console.log(title);
  console.log(`  command            ${clusters.map(([n]) => label(n).padStart(9)).join(' ')}`);
  for (const name of names) console.log(`  ${name.padEnd(18)} ${clusters.map(([, s]) => fmt(s.commands[name] ?? 0, 2).padStart(9)).join(' ')}`);
  console.log('');
}

function printModel(loaded: Map<number, Summary>): void {
  const memory = loaded.get(0)!;
  const clusterNodeUs = median([1, 2, 3].map((n) => loaded.get(n)!.nodeTotalUs));
  const redisUs = median([1, 2, 3].map((n) => loaded.get(n)!.redisUs));
  const perNodeCore = 1e6 / clusterNodeUs;
  const redisCeiling = (RHO_MAX * 1e6) / redisUs;
  const memoryPerCore = 1e6 / memory.nodeTotalUs;
  const service = redisUs / COMMITS_PER_CYCLE;
  console.log('capacity model (spec §9) from this run: X(N) = min(N × C_node, ρmax × C_redis)');
  console.log(
    `  C_node = 1e6 / ${fmt(clusterNodeUs)} µs = ${fmt(perNodeCore)} cycles/s per node core (median of 1–3 nodes, Σ over nodes);` +
      ` C_redis = 1e6 / ${fmt(redisUs)} µs = ${fmt(1e6 / redisUs)} /s, × ρmax ${RHO_MAX} = ${fmt(redisCeiling)} /s;` +
      ` in-memory: ${fmt(memory.nodeTotalUs)} µs = ${fmt(memoryPerCore)} /s per core`,
  );
  console.log(`  Redis service time per commit S = ${fmt(redisUs)} / ${COMMITS_PER_CYCLE} = ${fmt(service, 1)} µs; queueing column: M/M/1 wait S·ρ/(1−ρ) at ${OFFERED_PER_NODE} cycles/s offered per node`);
  console.log('  nodes   X(N) cycles/s   vs one in-memory core   Redis ρ at 600/s per node   Redis queueing per commit');
  for (let n = 1; n <= 10; n++) {
    const x = Math.min(n * perNodeCore, redisCeiling);
    const rho = (n * OFFERED_PER_NODE * redisUs) / 1e6;
    const wait = rho < 1 ? `${fmt((service * rho) / (1 - rho), 1)} µs` : 'unbounded';
    const bound = n * perNodeCore > redisCeiling ? ' (Redis-bound)' : '';
    console.log(`  ${String(n).padStart(5)}   ${`${fmt(x)}${bound}`.padStart(22)}   ${`${fmt(x / memoryPerCore, 2)}×`.padStart(21)}   ${fmt(rho, 2).padStart(25)}   ${wait.padStart(25)}`);
  }
  console.log('');
}

function verdicts(loaded: Map<number, Summary>, unloaded: Map<number, Summary>): void {
  const share = median(ROUND_SHARES);
  const redis = [1, 2, 3].map((n) => loaded.get(n)!.redisUs);
  const mid = median(redis);
  const worst = Math.max(...redis.map((r) => Math.abs(r / mid - 1)));
  const ok = (pass: boolean): string => (pass ? 'met' : 'MISSED');
  console.log('acceptance (spec §11)');
  for (const n of [1, 2, 3]) {
    const s = unloaded.get(n)!;
    console.log(
      `  event latency unloaded, ${label(n)}: p50 ${fmt(s.eventP50, 2)} ms (≤ ${TARGETS.eventP50}) ${ok(s.eventP50 <= TARGETS.eventP50)},` +
        ` p99 ${fmt(s.eventP99, 2)} ms (≤ ${TARGETS.eventP99}) ${ok(s.eventP99 <= TARGETS.eventP99)}   (${fmt(s.events)} events)`,
    );
  }
  console.log(`  1-node cluster / in-memory cycles/s, median of the rounds' ratios: ${fmt(share * 100)} % (≥ ${fmt(TARGETS.clusterShare * 100)} %) ${ok(share >= TARGETS.clusterShare)}`);
  console.log(
    `  Redis CPU per cycle 1 → 2 → 3 nodes: ${redis.map((r) => fmt(r)).join(' → ')} µs, at most ${fmt(worst * 100)} % from their median (≤ ±${fmt(TARGETS.redisFlat * 100)} %) ${ok(worst <= TARGETS.redisFlat)}`,
  );
}

const ROUND_SHARES: number[] = [];

async function main(): Promise<void> {
  if (!redisAvailable()) {
    console.log(REDIS_MISSING);
    return;
  }
  // The node children run dist/: compile the current sources first.
  execFileSync(process.execPath, [here('../../node_modules/typescript/bin/tsc'), '-p', here('../../tsconfig.build.json')], { stdio: 'inherit' });
  const redis = await startRedis();
  const redisUrl = `unix://${redis.socketPath}`;
  const admin = await redis.client();
  const load = fork(here('./session-load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const loaded = new Map<number, Figure[]>(CONFIGS.map((n) => [n, []]));
  const unloaded = new Map<number, Figure[]>(CONFIGS.map((n) => [n, []]));
  try {
    console.log(
      `cluster benchmark (node ${process.version}, ${PAIRS} concurrent pairs loaded, 1 pair unloaded, ${DURATION_MS} ms runs, ${ROUNDS} interleaved rounds, load average ${fmt(loadAverage(), 2)})\n`,
    );
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of CONFIGS) {
        const nodes: Node[] = [];
        try {
          if (n === 0) nodes.push(await startNode(undefined, 'memory', false));
          for (let i = 1; i <= n; i++) nodes.push(await startNode(redisUrl, `s${i}`, round === 0 && i === 1 && n === 1));
          loaded.get(n)!.push(await measure(load, nodes, redis, admin, PAIRS));
          unloaded.get(n)!.push(await measure(load, nodes, redis, admin, 1));
        } finally {
          for (const node of nodes) await stopNode(node);
        }
      }
      const rounds = loaded.get(1)!;
      ROUND_SHARES.push(rounds[round]!.perSecond / loaded.get(0)![round]!.perSecond);
      console.log(`  round ${round + 1}/${ROUNDS} done (load average ${fmt(loadAverage(), 2)})`);
    }
    console.log('');
    const summarized = (figures: Map<number, Figure[]>) => new Map(CONFIGS.map((n) => [n, summarize(figures.get(n)!)] as const));
    const loadedSummary = summarized(loaded);
    const unloadedSummary = summarized(unloaded);
    printTable(`loaded: ${PAIRS} pairs (medians of rounds; latency percentiles over the pooled samples; load average at the end of each round's run)`, loadedSummary, true);
    printTable('unloaded: 1 pair', unloadedSummary, false);
    printCommands(`Redis commands per cycle, loaded (INFO commandstats; fcall/fcall_ro and xread are what the nodes send, the rest runs inside Functions)`, loadedSummary);
    printModel(loadedSummary);
    verdicts(loadedSummary, unloadedSummary);
    const left = await redis.keys('pt:*');
    console.log(`\nkeys left in Redis after every node drained: ${left.length === 0 ? 'none' : left.join(' ')}`);
  } finally {
    load.kill();
    await redis.stop();
  }
}

const guard = setTimeout(() => {
  console.error(`cluster benchmark exceeded ${DEADLINE_MS / 1000} s; aborting`);
  process.exit(1);
}, DEADLINE_MS);
guard.unref();

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
