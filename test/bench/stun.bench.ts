// npm run bench:stun — Binding requests per second and per CPU-second, and latency, of our STUN
// server (on the batched UDP addon, on node:dgram, and with 2 worker loops), the npm `stun`
// package's server and (when installed) coturn, driven by one load generator in one run.
//
// Each server runs in its own process. The load generator measures them in interleaved rounds
// (1 s each, rotating), so a change in background load on a shared machine hits all of them alike.
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { LoadCommand, LoadReport } from './stun-load.js';
import { COTURN_MISSING, coturnAvailable, startTurnserver } from '../support/coturn.js';

/** Load generator processes, so the generator is not what limits a fast server on two cores. */
const LOADERS = Number(process.env.STUN_BENCH_LOADERS ?? 2);
const SOCKETS_PER_LOADER = 4;
const IN_FLIGHT_PER_SOCKET = 32;
const ROUNDS = 5;
const ROUND_MS = 1_000;
const WARMUP_MS = 300;
/** A request unanswered this long is counted lost and re-sent (UDP drops under overload). */
const LOST_AFTER_MS = 500;

interface Tally {
  name: string;
  completed: number;
  elapsedMs: number;
  /** CPU time the server process used during the measured windows (Linux /proc), ms. */
  cpuMs: number;
  lost: number;
  latencies: number[];
}

/** User + system CPU time of a process in ms (Linux /proc; NaN elsewhere). */
function cpuTimeMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return NaN;
  }
}

/** Drives `port` from every load process for one round; adds what they counted to `tally`. */
async function drive(port: number, pid: number | undefined, tally: Tally): Promise<void> {
  const replies = (loader: ChildProcess): Promise<unknown> => once(loader, 'message').then(([message]) => message as unknown);
  const post = (command: LoadCommand): void => loaders.forEach((loader) => loader.send(command));
  const started = loaders.map(replies);
  post({ command: 'start', port });
  await Promise.all(started);
  await sleep(WARMUP_MS);
  post({ command: 'measure' });
  const start = performance.now();
  const cpuStart = cpuTimeMs(pid);
  await sleep(ROUND_MS);
  const reports = loaders.map(replies);
  post({ command: 'stop' });
  tally.elapsedMs += performance.now() - start;
  tally.cpuMs += cpuTimeMs(pid) - cpuStart;
  for (const report of (await Promise.all(reports)) as LoadReport[]) {
    tally.completed += report.completed;
    tally.lost += report.lost;
    for (const latency of report.latencies) tally.latencies.push(latency);
  }
}

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Starts a server in its own process; resolves with its port once it says it is listening. */
async function startChild(args: string[], portOf: (line: Record<string, unknown>) => number) {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  return { port: portOf(JSON.parse(line) as Record<string, unknown>), pid: child.pid, stop };
}

// Our server as users run it: the compiled CLI (built here, so the figures match the sources).
// The per-source limit is raised, not removed: all load comes from 127.0.0.1, and the limiter's
// cost belongs in the figures.
execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
const ours = (name: string, flags: string[]) => async () => ({
  name,
  ...(await startChild(
    ['bin/punchthrough.js', 'stun', '--json', '--host', '127.0.0.1', '--port', '0', '--rate-limit', '1000000000', ...flags],
    (line) => Number(String(line.stun).split(':').pop()),
  )),
});
const targets: Array<{ name: string; port: number; pid: number | undefined; stop(): Promise<void> }> = [];
for (const start of [
  ours('punchthrough, batched addon', ['--udp-io', 'batched']),
  ours('punchthrough, node:dgram', ['--udp-io', 'dgram']),
  ours('punchthrough, batched, 2 workers', ['--udp-io', 'batched', '--workers', '2']),
]) {
  targets.push(await start());
}
targets.push({
  name: 'stun (npm) 2.1.0',
  ...(await startChild(['--import', 'tsx', 'test/bench/stun-package-server.ts'], (line) => Number(line.port))),
});
if (coturnAvailable()) {
  const turn = await startTurnserver();
  targets.push({ name: 'coturn (turnserver --stun-only)', port: turn.port, pid: turn.child.pid, stop: () => turn.stop() });
} else {
  console.log(`coturn: skipped — ${COTURN_MISSING}`);
}

const loaders = Array.from({ length: LOADERS }, () =>
  fork(fileURLToPath(new URL('./stun-load.ts', import.meta.url)), [SOCKETS_PER_LOADER, IN_FLIGHT_PER_SOCKET, LOST_AFTER_MS].map(String), {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
  }),
);
const tallies = targets.map((t): Tally => ({ name: t.name, completed: 0, elapsedMs: 0, cpuMs: 0, lost: 0, latencies: [] }));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < targets.length; i++) {
      const k = (round + i) % targets.length; // rotate who goes first
      await drive(targets[k]!.port, targets[k]!.pid, tallies[k]!);
    }
  }
} finally {
  loaders.forEach((loader) => loader.disconnect());
  await Promise.all(targets.map((t) => t.stop()));
}

const figures = tallies.map((t) => {
  t.latencies.sort((a, b) => a - b);
  const at = (q: number): number => t.latencies[Math.min(t.latencies.length - 1, Math.floor(q * t.latencies.length))] ?? NaN;
  return {
    name: t.name,
    perSecond: (t.completed * 1000) / t.elapsedMs,
    perCpuSecond: (t.completed * 1000) / t.cpuMs,
    p50: at(0.5),
    p99: at(0.99),
    lost: t.lost,
  };
});
const coturn = figures.find((f) => f.name.startsWith('coturn'));
const cell = (text: string, width: number): string => text.padEnd(width);
console.log(
  `\nSTUN Binding over loopback: ${LOADERS} load processes × ${SOCKETS_PER_LOADER} sockets × ${IN_FLIGHT_PER_SOCKET} requests in flight, ` +
    `${ROUNDS} interleaved rounds of ${ROUND_MS / 1000} s per server\n`,
);
console.log(`${cell('server', 34)}${cell('req/s', 9)}${cell('req/CPU-s', 11)}${cell('p50 ms', 8)}${cell('p99 ms', 8)}${cell('lost', 6)}÷ coturn (req/s, req/CPU-s)`);
for (const f of figures) {
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
  const ratios = !coturn || f === coturn ? '—' : `${ratio(f.perSecond, coturn.perSecond)}, ${ratio(f.perCpuSecond, coturn.perCpuSecond)}`;
  console.log(
    `${cell(f.name, 34)}${cell(Math.round(f.perSecond).toString(), 9)}${cell(Math.round(f.perCpuSecond).toString(), 11)}` +
      `${cell(f.p50.toFixed(2), 8)}${cell(f.p99.toFixed(2), 8)}${cell(String(f.lost), 6)}${ratios}`,
  );
}
console.log("\nreq/CPU-s: requests answered per second of the server process's own CPU time, all its threads (robust on a busy machine).");
if (coturn) {
  const batched = figures[0]!;
  const met = batched.perCpuSecond >= coturn.perCpuSecond;
  console.log(`Target: batched req/CPU-s ≥ 1.0× coturn's: ${(batched.perCpuSecond / coturn.perCpuSecond).toFixed(2)}× — ${met ? 'met' : 'missed'}.`);
}
