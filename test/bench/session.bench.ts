// Session service benchmark (npm run bench:session):
// - join rate: create + join + address exchange cycles per second, against ≥ 5,000/s, and
//   against a bare `ws` server answering the same requests with the same frames but no session
//   logic (the transport ceiling for this protocol on this machine), driven by the same load;
// - memory per idle connected peer (hello done) with 1,000 and 10,000 WebSocket peers, against
//   ≤ 50 KiB, and against idle peers of a bare `ws` server;
// - join latency (p50/p99 of create + join) with every app's webhook notifications going to a
//   receiver that accepts connections and never answers, side by side with no webhooks, in the
//   same run, and beside webhooks to a receiver that answers 200 at once (what webhooks cost when
//   the backend is well): a dead backend must never slow a join (docs/webhooks.md, "Gates").
// BENCH_PARTS=rate,memory,latency picks parts (default all); BENCH_PROF=DIR writes the service's CPU profiles there;
// BENCH_BASE_DIST and BENCH_RATE: see below. The join rate runs with first-release frames and with lean-join's.
// The service and the baseline each run in a fresh child process (clean RSS); the peers run in
// another child, so their own memory is not counted.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { median } from './median.js';
import { Feature } from '../../src/protocol/index.js';

const TARGET_JOINS_PER_SECOND = 5_000;
/** Issue 19: 1.5× the 2,092 join cycles per core of service CPU measured before lean-join. */
const TARGET_JOINS_PER_CORE = 3_138;
/** BENCH_BASE_DIST=DIR: also run the service built in DIR (main's dist/), "before" in the same run. */
const BASE_DIST = process.env.BENCH_BASE_DIST;
/** BENCH_RATE=old,lean,bare-old,bare-lean,base,base-lean: only these join-rate lines (a profile of one). */
const RATE_ONLY = process.env.BENCH_RATE ? new Set(process.env.BENCH_RATE.split(',')) : undefined;
const TARGET_KIB_PER_PEER = 50;
const JOIN_PAIRS = Number(process.env.BENCH_PAIRS ?? 64);
const JOIN_DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3_000);
const JOIN_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Cycles each fresh service process runs unmeasured first, ms (0: none, as before 3 December): its steady state, not V8 compiling its code. */
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 3_000);
const PEER_COUNTS = [1_000, 10_000];
/** Pairs in flight for the latency figure: few, so the figure is a join's own time, not queueing behind 64 pairs. */
const LATENCY_PAIRS = Number(process.env.BENCH_LATENCY_PAIRS ?? 8);
const LATENCY_ROUNDS = 3;
const PARTS = new Set((process.env.BENCH_PARTS ?? 'rate,memory,latency').split(','));
const DEADLINE_MS = 600_000;

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

function child(file: string, dist?: string): ChildProcess {
  const env = dist ? { ...process.env, BENCH_SERVICE_DIST: dist } : process.env;
  return fork(here(file), [], { env, execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROF && file.includes('server') ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

async function ask<T>(process: ChildProcess, message: object): Promise<T> {
  const reply = once(process, 'message') as Promise<[T & { error?: string }]>;
  process.send(message);
  const [answer] = await reply;
  if (answer.error) throw new Error(answer.error);
  return answer;
}

async function server(kind: 'session' | 'bare', webhookUrl?: string, how: { lean?: boolean; dist?: string } = {}): Promise<{ child: ChildProcess; url: string; memory: NodeJS.MemoryUsage }> {
  const proc = child('./session-server.ts', how.dist);
  const { port, memory } = await ask<{ port: number; memory: NodeJS.MemoryUsage }>(proc, { cmd: 'start', kind, lean: how.lean ?? false, ...(webhookUrl === undefined ? {} : { webhookUrl }) });
  return { child: proc, url: `ws://127.0.0.1:${port}${kind === 'session' ? '/v1/signaling' : '/'}`, memory };
}

async function stop(proc: ChildProcess): Promise<void> {
  const exited = once(proc, 'exit');
  proc.send({ cmd: 'stop' });
  await exited;
}

const kib = (bytes: number): number => bytes / 1024;
const fmt = (value: number, digits = 1): string => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

interface JoinFigure {
  perSecond: number;
  cpuUs: number;
  peerCpuUs: number;
}

/** Cycles per second (wall clock), and the server process's CPU time per cycle. */
async function joinRate(load: ChildProcess, config: RateConfig): Promise<JoinFigure> {
  const { kind, lean } = config;
  const srv = await server(kind, undefined, { lean, ...(config.dist ? { dist: config.dist } : {}) });
  const cpu = async () => (await ask<{ cpu: NodeJS.CpuUsage }>(srv.child, { cmd: 'cpu' })).cpu;
  const features = lean ? [Feature.CODES_V2, Feature.LEAN_JOIN] : [Feature.CODES_V2];
  const prepare = () => ask(load, { cmd: 'prepare', kind, url: srv.url, pairs: JOIN_PAIRS, features });
  if (WARMUP_MS > 0) {
    await prepare();
    await ask(load, { cmd: 'run', durationMs: WARMUP_MS });
    await ask(load, { cmd: 'release' });
  }
  await prepare();
  const before = await cpu();
  const { joins, ms, warmup, peerCpuUs } = await ask<{ joins: number; ms: number; warmup: number; peerCpuUs: number }>(load, {
    cmd: 'run',
    durationMs: JOIN_DURATION_MS,
  });
  const after = await cpu();
  await ask(load, { cmd: 'release' });
  await stop(srv.child);
  // CPU covers the warm-up too, so it is divided by every cycle run, warm-up included.
  const cycles = joins + warmup;
  return { perSecond: (joins * 1000) / ms, cpuUs: (after.user - before.user + after.system - before.system) / cycles, peerCpuUs };
}

interface MemoryFigure {
  rssKiB: number;
  heapKiB: number;
}

async function idleMemory(load: ChildProcess, kind: 'session' | 'bare', count: number): Promise<MemoryFigure> {
  const srv = await server(kind);
  await ask(load, { cmd: 'idle', url: srv.url, count, hello: kind === 'session' });
  const { memory } = await ask<{ memory: NodeJS.MemoryUsage }>(srv.child, { cmd: 'memory' });
  await ask(load, { cmd: 'closeAll' });
  await stop(srv.child);
  const js = (m: NodeJS.MemoryUsage): number => m.heapUsed + m.external;
  return { rssKiB: kib(memory.rss - srv.memory.rss) / count, heapKiB: kib(js(memory) - js(srv.memory)) / count };
}

/** A webhook receiver that accepts every connection, reads every byte and never answers (a hung backend). */
async function hangingReceiver(): Promise<{ url: string; connections: () => number; bytes: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  let bytes = 0;
  const srv: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('data', (chunk) => void (bytes += chunk.length));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const address = srv.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    connections: () => connections,
    bytes: () => bytes,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => srv.close(resolve));
    },
  };
}

/** A webhook receiver that reads each request and answers 200 at once (a healthy backend). */
async function answeringReceiver(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const srv = createHttpServer((request, response) => {
    requests += 1;
    request.resume();
    request.on('end', () => response.end());
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const address = srv.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests: () => requests,
    close: async () => {
      srv.closeAllConnections();
      await new Promise((resolve) => srv.close(resolve));
    },
  };
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
};

/** Create + join times (ms) of the counted cycles on a fresh service, with or without the hanging webhooks. */
async function joinLatency(load: ChildProcess, webhookUrl?: string): Promise<number[]> {
  const srv = await server('session', webhookUrl);
  await ask(load, { cmd: 'prepare', kind: 'session', url: srv.url, pairs: LATENCY_PAIRS });
  const { samples } = await ask<{ samples: number[] }>(load, { cmd: 'latency', durationMs: JOIN_DURATION_MS });
  await ask(load, { cmd: 'release' });
  await stop(srv.child);
  return samples;
}

async function latencyPart(load: ChildProcess): Promise<void> {
  const receiver = await hangingReceiver();
  const healthy = await answeringReceiver();
  try {
    const none: number[] = [];
    const answering: number[] = [];
    const hanging: number[] = [];
    // Alternating rounds, so the machine's drift shows in all three; the samples are pooled.
    for (let round = 0; round < LATENCY_ROUNDS; round++) {
      none.push(...(await joinLatency(load)));
      answering.push(...(await joinLatency(load, healthy.url)));
      hanging.push(...(await joinLatency(load, receiver.url)));
    }
    const line = (label: string, samples: number[]): string =>
      `  ${label.padEnd(44)} p50 ${fmt(percentile(samples, 50), 2).padStart(6)} ms   p99 ${fmt(percentile(samples, 99), 2).padStart(6)} ms   (${fmt(samples.length, 0)} cycles)`;
    console.log(`join latency: create + join of a pair (${LATENCY_PAIRS} pairs in flight, ${LATENCY_ROUNDS} alternating rounds of ${JOIN_DURATION_MS} ms, samples pooled)`);
    console.log(line('no webhooks', none));
    console.log(line('webhooks to a receiver that answers 200', answering));
    console.log(line('webhooks to a receiver that never answers', hanging));
    console.log(`  the hanging receiver accepted ${fmt(receiver.connections(), 0)} connections and read ${fmt(receiver.bytes() / 1024, 0)} KiB; it answered none`);
    console.log(`  the answering receiver got ${fmt(healthy.requests(), 0)} notifications`);
    const ratio = (p: number, of: number[], to: number[]): string => `${fmt(percentile(of, p) / percentile(to, p), 2)}×`;
    console.log(`  hanging / none: p50 ${ratio(50, hanging, none)} p99 ${ratio(99, hanging, none)}   hanging / answering: p50 ${ratio(50, hanging, answering)} p99 ${ratio(99, hanging, answering)}`);
    console.log('  target: p99 < 50 ms, and a receiver that never answers no slower than one that does\n');
  } finally {
    await receiver.close();
    await healthy.close();
  }
}

async function main(): Promise<void> {
  // The server child runs dist/: compile the current sources first.
  execFileSync(process.execPath, [here('../../node_modules/typescript/bin/tsc'), '-p', here('../../tsconfig.build.json')], { stdio: 'inherit' });
  const load = child('./session-load.ts');
  try {
    console.log(`session service benchmark (node ${process.version}, ${JOIN_PAIRS} concurrent pairs, ${JOIN_DURATION_MS} ms runs after ${WARMUP_MS} ms of warm-up per service process)\n`);
    if (PARTS.has('rate')) await ratePart(load);
    if (PARTS.has('memory')) await memoryPart(load);
    if (PARTS.has('latency')) await latencyPart(load);
  } finally {
    load.kill();
  }
}

/** One line of the join-rate table: which server, and the frames its peers ask for. */
interface RateConfig {
  key: string;
  label: string;
  kind: 'session' | 'bare';
  lean: boolean;
  /** Another build's dist/ for the service (BENCH_BASE_DIST: main's, "today"). */
  dist?: string;
}

const RATE_CONFIGS = ([
  ...(BASE_DIST ? [{ key: 'base', label: 'main, first-release frames', kind: 'session', lean: false, dist: BASE_DIST } satisfies RateConfig] : []),
  // Main has lean-join too now: its lean line is the before of a change to the lean cycle.
  ...(BASE_DIST ? [{ key: 'base-lean', label: 'main, lean-join frames', kind: 'session', lean: true, dist: BASE_DIST } satisfies RateConfig] : []),
  { key: 'old', label: 'service, first-release frames', kind: 'session', lean: false },
  { key: 'lean', label: 'service, lean-join frames', kind: 'session', lean: true },
  { key: 'bare-old', label: 'no logic, first-release frames', kind: 'bare', lean: false },
  { key: 'bare-lean', label: 'no logic, lean-join frames', kind: 'bare', lean: true },
] as RateConfig[]).filter((config) => !RATE_ONLY || RATE_ONLY.has(config.key));

async function ratePart(load: ChildProcess): Promise<void> {
  // Rounds alternate every configuration, so the machine's drift shows in all; medians.
  const rounds: Map<string, JoinFigure>[] = [];
  for (let round = 0; round < JOIN_ROUNDS; round++) {
    const figures = new Map<string, JoinFigure>();
    for (const config of RATE_CONFIGS) figures.set(config.key, await joinRate(load, config));
    rounds.push(figures);
  }
  const medianOf = (key: string): JoinFigure => ({
    perSecond: median(rounds.map((round) => round.get(key)!.perSecond)),
    cpuUs: median(rounds.map((round) => round.get(key)!.cpuUs)),
    peerCpuUs: median(rounds.map((round) => round.get(key)!.peerCpuUs)),
  });
  const ratio = (of: string, to: string, pick: (figure: JoinFigure) => number): string =>
    `${fmt(median(rounds.map((round) => pick(round.get(of)!) / pick(round.get(to)!))), 2)}×`;
  const line = (label: string, figure: JoinFigure): string =>
    `  ${label.padEnd(32)} ${fmt(figure.perSecond, 0).padStart(7)} /s   server CPU ${fmt(figure.cpuUs, 0).padStart(4)} µs/cycle` +
    ` = ${fmt(1e6 / figure.cpuUs, 0).padStart(6)} /s per core   (peers' CPU ${fmt(figure.peerCpuUs, 0)} µs/cycle)`;
  console.log(`join rate: create + join + address exchange cycles (wall clock, and server CPU time per cycle; medians of ${JOIN_ROUNDS} alternating rounds)`);
  const has = (key: string): boolean => RATE_CONFIGS.some((config) => config.key === key);
  for (const config of RATE_CONFIGS) {
    const figure = medianOf(config.key);
    const ceiling = config.kind === 'session' ? (config.lean ? 'bare-lean' : 'bare-old') : undefined;
    const beside = ceiling && has(ceiling) ? `   ${ratio(config.key, ceiling, (f) => f.perSecond)} the no-logic rate, ${ratio(config.key, ceiling, (f) => f.cpuUs)} its CPU` : '';
    const target = config.kind === 'session' ? `   (${fmt(1e6 / figure.cpuUs / TARGET_JOINS_PER_CORE, 2)}× the ${fmt(TARGET_JOINS_PER_CORE, 0)} /s per core target)` : '';
    console.log(`${line(config.label, figure)}${target}${beside}`);
  }
  if (has('base-lean') && has('lean')) console.log(`  lean-join service vs main's lean-join: ${ratio('base-lean', 'lean', (f) => f.cpuUs)} per core (CPU per cycle, main / this), ${ratio('lean', 'base-lean', (f) => f.perSecond)} the rate`);
  if (has('base') && has('lean')) console.log(`  lean-join service vs main: ${ratio('base', 'lean', (f) => f.cpuUs)} per core (CPU per cycle, main / this), ${ratio('lean', 'base', (f) => f.perSecond)} the rate`);
  console.log(`  target: join cycles per core of service CPU ≥ ${fmt(TARGET_JOINS_PER_CORE, 0)} /s (1.5× the 2,092 /s of issue 19); wall-clock target ≥ ${fmt(TARGET_JOINS_PER_SECOND, 0)} /s\n`);
}

async function memoryPart(load: ChildProcess): Promise<void> {
  console.log('memory per idle connected peer (server process, after GC)');
  for (const count of PEER_COUNTS) {
    const session = await idleMemory(load, 'session', count);
    const baseline = await idleMemory(load, 'bare', count);
    console.log(
      `  ${fmt(count, 0).padStart(6)} peers  punchthrough ${fmt(session.rssKiB).padStart(5)} KiB RSS (${fmt(session.heapKiB)} KiB JS heap)` +
        `   bare ws ${fmt(baseline.rssKiB).padStart(5)} KiB RSS (${fmt(baseline.heapKiB)} KiB heap)` +
        `   target ≤ ${TARGET_KIB_PER_PEER} KiB  (${fmt(session.rssKiB / TARGET_KIB_PER_PEER, 2)}× target, ${fmt(session.rssKiB / baseline.rssKiB, 2)}× bare ws)`,
    );
  }
  console.log('');
}

const guard = setTimeout(() => {
  console.error(`session benchmark exceeded ${DEADLINE_MS / 1000} s; aborting`);
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
