// npm run bench:stun — Binding requests per second and latency of our STUN server, the npm
// `stun` package's server and (when installed) coturn, driven by one load generator in one run.
//
// Each server runs in its own process. The load generator measures them in interleaved rounds
// (1 s each, rotating), so a change in background load on a shared machine hits all of them alike.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { COTURN_MISSING, coturnAvailable, startTurnserver } from '../support/coturn.js';

const SOCKETS = 8;
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
  lost: number;
  latencies: number[];
}

/** Closed-loop load for `durationMs` after a warm-up: every socket keeps IN_FLIGHT_PER_SOCKET requests outstanding. */
async function drive(port: number, tally: Tally): Promise<void> {
  const sockets = await Promise.all(
    Array.from({ length: SOCKETS }, async () => {
      const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
      socket.bind(0, '127.0.0.1');
      await once(socket, 'listening');
      return socket;
    }),
  );
  // One slot per outstanding request: its transaction id carries (socket, slot, sequence number).
  const sentAt = sockets.map(() => new Float64Array(IN_FLIGHT_PER_SOCKET));
  const sequence = sockets.map(() => new Uint32Array(IN_FLIGHT_PER_SOCKET));
  const template = Buffer.from('000100002112a442000000000000000000000000', 'hex');
  let measuring = false;

  const send = (s: number, slot: number): void => {
    const request = Buffer.from(template);
    request.writeUInt16BE(s, 8);
    request.writeUInt16BE(slot, 10);
    request.writeUInt32BE(++sequence[s]![slot]!, 12);
    sentAt[s]![slot] = performance.now();
    sockets[s]!.send(request, port, '127.0.0.1');
  };
  sockets.forEach((socket, s) => {
    socket.on('message', (data: Buffer) => {
      if (data.length < 20 || data.readUInt16BE(0) !== 0x0101) return;
      const slot = data.readUInt16BE(10);
      if (data.readUInt16BE(8) !== s || slot >= IN_FLIGHT_PER_SOCKET || data.readUInt32BE(12) !== sequence[s]![slot]) return;
      if (measuring) {
        tally.completed++;
        tally.latencies.push(performance.now() - sentAt[s]![slot]!);
      }
      send(s, slot);
    });
  });
  const sweeper = setInterval(() => {
    const now = performance.now();
    sentAt.forEach((times, s) =>
      times.forEach((at, slot) => {
        if (now - at > LOST_AFTER_MS) {
          if (measuring) tally.lost++;
          send(s, slot);
        }
      }),
    );
  }, 100);

  for (let s = 0; s < SOCKETS; s++) for (let slot = 0; slot < IN_FLIGHT_PER_SOCKET; slot++) send(s, slot);
  await sleep(WARMUP_MS);
  measuring = true;
  const start = performance.now();
  await sleep(ROUND_MS);
  measuring = false;
  tally.elapsedMs += performance.now() - start;
  clearInterval(sweeper);
  await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
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
  return { port: portOf(JSON.parse(line) as Record<string, unknown>), stop };
}

// Our server as users run it: the compiled CLI (built here, so the figures match the sources).
// The per-source limit is raised, not removed: all load comes from 127.0.0.1, and the limiter's
// cost belongs in the figures.
execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
const targets: Array<{ name: string; port: number; stop(): Promise<void> }> = [
  {
    name: 'punchthrough',
    ...(await startChild(
      ['bin/punchthrough.js', 'stun', '--json', '--host', '127.0.0.1', '--port', '0', '--rate-limit', '1000000000'],
      (line) => Number(String(line.stun).split(':').pop()),
    )),
  },
  {
    name: 'stun (npm) 2.1.0',
    ...(await startChild(['--import', 'tsx', 'test/bench/stun-package-server.ts'], (line) => Number(line.port))),
  },
];
if (coturnAvailable()) {
  const turn = await startTurnserver();
  targets.push({ name: 'coturn (turnserver --stun-only)', port: turn.port, stop: () => turn.stop() });
} else {
  console.log(`coturn: skipped — ${COTURN_MISSING}`);
}

const tallies = targets.map((t): Tally => ({ name: t.name, completed: 0, elapsedMs: 0, lost: 0, latencies: [] }));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < targets.length; i++) {
      const k = (round + i) % targets.length; // rotate who goes first
      await drive(targets[k]!.port, tallies[k]!);
    }
  }
} finally {
  await Promise.all(targets.map((t) => t.stop()));
}

const figures = tallies.map((t) => {
  t.latencies.sort((a, b) => a - b);
  const at = (q: number): number => t.latencies[Math.min(t.latencies.length - 1, Math.floor(q * t.latencies.length))] ?? NaN;
  return { name: t.name, perSecond: (t.completed * 1000) / t.elapsedMs, p50: at(0.5), p99: at(0.99), lost: t.lost };
});
const ours = figures[0]!;
const cell = (text: string, width: number): string => text.padEnd(width);
console.log(
  `\nSTUN Binding over loopback: ${SOCKETS} sockets × ${IN_FLIGHT_PER_SOCKET} requests in flight, ` +
    `${ROUNDS} interleaved rounds of ${ROUND_MS / 1000} s per server\n`,
);
console.log(`${cell('server', 34)}${cell('req/s', 10)}${cell('p50 ms', 9)}${cell('p99 ms', 9)}${cell('lost', 7)}punchthrough ÷ server`);
for (const f of figures) {
  const ratio = f === ours ? '—' : `${(ours.perSecond / f.perSecond).toFixed(2)}×`;
  console.log(
    `${cell(f.name, 34)}${cell(Math.round(f.perSecond).toString(), 10)}${cell(f.p50.toFixed(2), 9)}${cell(f.p99.toFixed(2), 9)}${cell(String(f.lost), 7)}${ratio}`,
  );
}
