// Cluster benchmark (npm run bench:cluster; docs/benchmarks.md "Cluster mode"): the bench:session
// cycle (create → join → both report → both get the other's addresses → leave) against the
// compiled cloud in child processes: in-memory, and 1, 2 and 3 cluster nodes on one private
// redis-server, the load in its own process. With 2 and 3 nodes both placements of the pairs run
// on the same node processes, in alternating order: `local` (pair i's host and client both on node
// i mod N: spec §12's "K processes, each driving its own pairs", the definition of §11 item 8)
// and `split` (pair i's host on node i mod N, its client on the next node: every event crosses
// nodes). Per configuration: cycles/s, node CPU µs per cycle (each node, from /proc), Redis CPU
// µs per cycle, Redis commands per cycle, join p50/p99, event latency p50/p99 (session-load.ts
// says what it spans), loaded (BENCH_PAIRS pairs) and unloaded (1 pair). Interleaved rounds (every
// other one in reverse order), medians; the ±15 % verdict for each placement's line; then the
// capacity model X(N) = min(N × C_node, ρmax × C_redis) for N = 1…10 from the node-local constants.
// BENCH_PROF=DIR writes CPU profiles of the first round's in-memory node and first cluster node there.
// Redis gets the last core to itself and every other process the rest (BENCH_PIN=0: no pinning),
// as it would have its own machine in production: on a 2-core VM five processes otherwise share
// both cores and the same Function calls run slower when Redis is descheduled mid-command.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median } from './median.js';
import type { Placement } from './session-load.js';
import { startRedis, redisAvailable, REDIS_MISSING, type TestRedisClient } from '../support/redis.js';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 64);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// Loaded cycles each new set of node processes runs before anything is measured, ms (0: none, as before 3 December).
// A node serves for days: what is measured is its steady state, not V8 still compiling its code in
// its first seconds (more of it in a cluster node), nor a second placement on warmer processes.
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 3_000);
const NODE_COUNTS = [0, 1, 2, 3] as const; // 0 = the in-memory service
const PLACEMENTS: readonly Placement[] = ['local', 'split'];

/** One measured configuration: with 0 or 1 node both placements are the same, so only `local` runs. */
interface Config {
  nodes: number;
  placement: Placement;
}
const CONFIGS: readonly Config[] = NODE_COUNTS.flatMap((nodes) => (nodes < 2 ? [{ nodes, placement: 'local' as const }] : PLACEMENTS.map((placement) => ({ nodes, placement }))));
const keyOf = (config: Config): string => `${config.nodes}:${config.placement}`;
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

/**
 * Gives redis-server the last core alone and this process (so the load and the nodes forked after
 * it) the others; returns what it did, for the header. Needs 2 cores and util-linux's taskset.
 */
function pinRedis(redisPid: number): string {
  const cores = availableParallelism();
  if (process.env.BENCH_PIN === '0' || cores < 2) return 'not pinned';
  const last = String(cores - 1);
  const rest = cores === 2 ? '0' : `0-${cores - 2}`;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', last, String(redisPid)], { stdio: 'ignore' });
    execFileSync('taskset', ['-a', '-p', '-c', rest, String(process.pid)], { stdio: 'ignore' });
  } catch {
    return 'not pinned (no taskset)';
  }
  return `redis-server pinned to core ${last}, the load and the nodes to ${rest}`;
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
  /** Redis time inside commands per cycle by name, µs (commandstats usec: a Function's includes the calls it makes). */
  commandUs: Record<string, number>;
}

interface Measured {
  joins: number;
  ms: number;
  warmup: number;
  joinMs: number[];
  eventMs: number[];
}

/** What Redis has counted so far, in one `INFO cpu commandstats stats`. */
interface RedisCounters {
  /** redis-server's user + system CPU, µs (getrusage: finer than /proc's 10 ms ticks). */
  cpuUs: number;
  /** Calls and µs per command, the benchmark's own INFO left out; `(reads)` and `(writes)`: client reads and reply writes (INFO stats), each an I/O wake-up's worth. */
  calls: Record<string, { calls: number; usec: number }>;
}

async function redisCounters(admin: TestRedisClient): Promise<RedisCounters> {
  const text = String(await admin.sendCommand(['INFO', 'cpu', 'commandstats', 'stats']));
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  const calls: RedisCounters['calls'] = {};
  for (const match of text.matchAll(/^cmdstat_([a-z_|]+):calls=(\d+),usec=(\d+)/gm)) if (match[1] !== 'info') calls[match[1]!] = { calls: Number(match[2]), usec: Number(match[3]) };
  calls['(reads)'] = { calls: field('total_reads_processed'), usec: 0 };
  calls['(writes)'] = { calls: field('total_writes_processed'), usec: 0 };
  return { cpuUs: (field('used_cpu_sys') + field('used_cpu_user')) * 1e6, calls };
}

const prepare = (load: ChildProcess, nodes: Node[], pairs: number, placement: Placement): Promise<unknown> =>
  ask(load, { cmd: 'prepare', kind: 'session', url: nodes[0]!.url, urls: nodes.map((n) => n.url), pairs, placement });

/** Runs the loaded cycle on fresh node processes, unmeasured, so that V8 has compiled the hot code. */
async function warmUp(load: ChildProcess, nodes: Node[], placement: Placement): Promise<void> {
  if (WARMUP_MS <= 0) return;
  await prepare(load, nodes, PAIRS, placement);
  await ask<Measured>(load, { cmd: 'measure', durationMs: WARMUP_MS });
  await ask(load, { cmd: 'release' });
}

async function measure(load: ChildProcess, nodes: Node[], admin: TestRedisClient, pairs: number, placement: Placement): Promise<Figure> {
  await prepare(load, nodes, pairs, placement);
  const pids = nodes.map((n) => n.child.pid!);
  const redisBefore = await redisCounters(admin);
  const before = pids.map(cpuUs);
  const result = await ask<Measured>(load, { cmd: 'measure', durationMs: DURATION_MS });
  const after = pids.map(cpuUs);
  const redisAfter = await redisCounters(admin);
  const loadAvg = loadAverage();
  await ask(load, { cmd: 'release' });
  // CPU covers the warm-up too, so it is divided by every cycle run, warm-up included.
  const cycles = result.joins + result.warmup;
  return {
    perSecond: (result.joins * 1000) / result.ms,
    nodeUs: after.map((a, i) => (a - before[i]!) / cycles),
    redisUs: (redisAfter.cpuUs - redisBefore.cpuUs) / cycles,
    joinMs: result.joinMs,
    eventMs: result.eventMs,
    load: loadAvg,
    commands: Object.fromEntries(Object.entries(redisAfter.calls).map(([name, { calls }]) => [name, (calls - (redisBefore.calls[name]?.calls ?? 0)) / cycles]).filter(([, perCycle]) => (perCycle as number) > 0)),
    commandUs: Object.fromEntries(Object.entries(redisAfter.calls).map(([name, { usec }]) => [name, (usec - (redisBefore.calls[name]?.usec ?? 0)) / cycles])),
  };
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
};
const fmt = (value: number, digits = 0): string => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const label = ({ nodes, placement }: Config): string => (nodes === 0 ? 'in-memory' : nodes === 1 ? '1 node' : `${nodes} nodes ${placement}`);

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
  commandUs: Record<string, number>;
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
    commandUs: Object.fromEntries([...new Set(figures.flatMap((f) => Object.keys(f.commandUs)))].map((name) => [name, median(figures.map((f) => f.commandUs[name] ?? 0))])),
  };
}

type Summaries = Map<string, { config: Config; summary: Summary }>;

function printTable(title: string, summaries: Summaries, cpu: boolean): void {
  console.log(title);
  if (!cpu) {
    // One pair leaves the processes mostly idle: their timers (lease, inbox read, deadline poll) would dominate a CPU-per-cycle figure.
    console.log('  config           cycles/s   join p50/p99 ms   event p50/p99 ms   load avg');
    for (const { config, summary: s } of summaries.values()) {
      console.log(
        `  ${label(config).padEnd(14)} ${fmt(s.perSecond).padStart(9)}   ${`${fmt(s.joinP50, 2)} / ${fmt(s.joinP99, 2)}`.padStart(15)}   ` +
          `${`${fmt(s.eventP50, 2)} / ${fmt(s.eventP99, 2)}`.padStart(16)}   ${s.loads.map((l) => fmt(l, 1)).join(' ')}`,
      );
    }
    console.log('');
    return;
  }
  console.log('  config           cycles/s  node CPU µs/cycle (Σ = each node)   Redis µs/cycle   join p50/p99 ms   event p50/p99 ms   load avg');
  for (const { config, summary: s } of summaries.values()) {
    const n = config.nodes;
    const nodes = n > 1 ? `${fmt(s.nodeTotalUs)} = ${s.nodeUs.map((u) => fmt(u)).join(' + ')}` : fmt(s.nodeTotalUs);
    console.log(
      `  ${label(config).padEnd(14)} ${fmt(s.perSecond).padStart(9)}   ${nodes.padEnd(34)} ${(n === 0 ? '—' : fmt(s.redisUs)).padStart(14)}   ` +
        `${`${fmt(s.joinP50, 2)} / ${fmt(s.joinP99, 2)}`.padStart(15)}   ${`${fmt(s.eventP50, 2)} / ${fmt(s.eventP99, 2)}`.padStart(16)}   ${s.loads.map((l) => fmt(l, 1)).join(' ')}`,
    );
  }
  console.log('');
}

/** Redis commands per cycle by name (medians of the rounds): top-level calls (fcall, xread, …) and the calls Functions make inside. */
function printCommands(title: string, summaries: Summaries): void {
  const clusters = [...summaries.values()].filter(({ config }) => config.nodes > 0);
  const first = clusters[0]!.summary.commands;
  const names = [...new Set(clusters.flatMap(({ summary }) => Object.keys(summary.commands)))].sort((a, b) => (first[b] ?? 0) - (first[a] ?? 0));
  console.log(title);
  console.log(`  command            ${clusters.map(({ config }) => label(config).padStart(14)).join(' ')}`);
  for (const name of names) console.log(`  ${name.padEnd(18)} ${clusters.map(({ summary }) => fmt(summary.commands[name] ?? 0, 2).padStart(14)).join(' ')}`);
  // The Functions' time includes the calls they make; the rest of Redis's CPU is I/O, the event loop and top-level commands.
  const inFunctions = (s: Summary): number => (s.commandUs.fcall ?? 0) + (s.commandUs.fcall_ro ?? 0);
  console.log(`  ${'µs in Functions'.padEnd(18)} ${clusters.map(({ summary }) => fmt(inFunctions(summary)).padStart(14)).join(' ')}`);
  console.log(`  ${'µs in xread'.padEnd(18)} ${clusters.map(({ summary }) => fmt(summary.commandUs.xread ?? 0).padStart(14)).join(' ')}`);
  console.log('');
}

/** The Redis CPU line of one placement: 1 node (the same for both), then 2 and 3 nodes. */
const redisLine = (summaries: Summaries, placement: Placement): number[] =>
  [1, 2, 3].map((nodes) => summaries.get(keyOf({ nodes, placement: nodes < 2 ? 'local' : placement }))!.summary.redisUs);

function printModel(loaded: Summaries): void {
  const local = [1, 2, 3].map((nodes) => loaded.get(keyOf({ nodes, placement: 'local' }))!.summary);
  const memory = loaded.get(keyOf({ nodes: 0, placement: 'local' }))!.summary;
  const clusterNodeUs = median(local.map((s) => s.nodeTotalUs));
  const redisUs = median(local.map((s) => s.redisUs));
  const perNodeCore = 1e6 / clusterNodeUs;
  const redisCeiling = (RHO_MAX * 1e6) / redisUs;
  const memoryPerCore = 1e6 / memory.nodeTotalUs;
  const service = redisUs / COMMITS_PER_CYCLE;
  console.log('capacity model (spec §9) from this run\'s node-local pairs: X(N) = min(N × C_node, ρmax × C_redis)');
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

const PLACEMENT_NAMES: Record<Placement, string> = {
  local: "node-local pairs (host and client on one node; spec §12's measurement, §11 item 8's definition)",
  split: 'split pairs (host and client on different nodes from 2 nodes on; every event crosses nodes)',
};

function verdicts(loaded: Summaries, unloaded: Summaries): void {
  const share = median(ROUND_SHARES);
  const ok = (pass: boolean): string => (pass ? 'met' : 'MISSED');
  console.log('acceptance (spec §11)');
  for (const { config, summary: s } of unloaded.values()) {
    if (config.nodes === 0) continue;
    console.log(
      `  event latency unloaded, ${label(config)}: p50 ${fmt(s.eventP50, 2)} ms (≤ ${TARGETS.eventP50}) ${ok(s.eventP50 <= TARGETS.eventP50)},` +
        ` p99 ${fmt(s.eventP99, 2)} ms (≤ ${TARGETS.eventP99}) ${ok(s.eventP99 <= TARGETS.eventP99)}   (${fmt(s.events)} events)`,
    );
  }
  console.log(`  1-node cluster / in-memory cycles/s, median of the rounds' ratios: ${fmt(share * 100)} % (≥ ${fmt(TARGETS.clusterShare * 100)} %) ${ok(share >= TARGETS.clusterShare)}`);
  for (const placement of PLACEMENTS) {
    const redis = redisLine(loaded, placement);
    const mid = median(redis);
    const worst = Math.max(...redis.map((r) => Math.abs(r / mid - 1)));
    console.log(
      `  Redis CPU per cycle 1 → 2 → 3 nodes, ${PLACEMENT_NAMES[placement]}: ${redis.map((r) => fmt(r)).join(' → ')} µs,` +
        ` at most ${fmt(worst * 100)} % from their median (≤ ±${fmt(TARGETS.redisFlat * 100)} %) ${ok(worst <= TARGETS.redisFlat)}`,
    );
  }
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
  const pinning = pinRedis(redis.pid);
  const redisUrl = `unix://${redis.socketPath}`;
  const admin = await redis.client();
  const load = fork(here('./session-load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const loaded = new Map<string, Figure[]>(CONFIGS.map((c) => [keyOf(c), []]));
  const unloaded = new Map<string, Figure[]>(CONFIGS.map((c) => [keyOf(c), []]));
  try {
    console.log(
      `cluster benchmark (node ${process.version}, ${PAIRS} concurrent pairs loaded, 1 pair unloaded, ${DURATION_MS} ms runs after ${WARMUP_MS} ms of warm-up per set of nodes, ${ROUNDS} interleaved rounds, ${pinning}, load average ${fmt(loadAverage(), 2)})\n`,
    );
    for (let round = 0; round < ROUNDS; round++) {
      // Every other round runs the configurations in reverse: a VM that speeds up or slows down
      // during a round then favours neither side of a comparison (the in-memory service and one
      // node are neighbours in both orders).
      for (const n of round % 2 === 1 ? [...NODE_COUNTS].reverse() : NODE_COUNTS) {
        const nodes: Node[] = [];
        try {
          if (n === 0) nodes.push(await startNode(undefined, 'memory', round === 0));
          for (let i = 1; i <= n; i++) nodes.push(await startNode(redisUrl, `s${i}`, round === 0 && i === 1 && n === 1));
          // Both placements on the same processes, the order alternating by round so neither always runs on warmer nodes.
          const placements = CONFIGS.filter((c) => c.nodes === n).map((c) => c.placement);
          if (round % 2 === 1) placements.reverse();
          await warmUp(load, nodes, placements[0]!);
          for (const placement of placements) {
            loaded.get(keyOf({ nodes: n, placement }))!.push(await measure(load, nodes, admin, PAIRS, placement));
            unloaded.get(keyOf({ nodes: n, placement }))!.push(await measure(load, nodes, admin, 1, placement));
          }
        } finally {
          for (const node of nodes) await stopNode(node);
        }
      }
      ROUND_SHARES.push(loaded.get('1:local')![round]!.perSecond / loaded.get('0:local')![round]!.perSecond);
      console.log(`  round ${round + 1}/${ROUNDS} done (load average ${fmt(loadAverage(), 2)})`);
    }
    console.log('');
    const summarized = (figures: Map<string, Figure[]>): Summaries => new Map(CONFIGS.map((config) => [keyOf(config), { config, summary: summarize(figures.get(keyOf(config))!) }] as const));
    const loadedSummary = summarized(loaded);
    const unloadedSummary = summarized(unloaded);
    printTable(`loaded: ${PAIRS} pairs (medians of rounds; latency percentiles over the pooled samples; load average at the end of each round's run)`, loadedSummary, true);
    printTable('unloaded: 1 pair', unloadedSummary, false);
    printCommands(`Redis commands per cycle, loaded (INFO commandstats; fcall/fcall_ro and xread are what the nodes send, the rest runs inside Functions; (reads) and (writes) are Redis's socket reads and reply writes, INFO stats)`, loadedSummary);
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
