/**
 * npm run bench:relay-ws — what carrying relay frames over WebSocket costs beside UDP, in one run
 * on loopback: one-way latency p50/p99 of game-sized updates direct, through the relay over UDP,
 * over WebSocket, and between a UDP peer and a WebSocket peer; and how long a client takes to be
 * bound (WebSocket open + bind, beside the UDP bind).
 *
 * The relay and its WebSocket listener run in a child process; both peers of a pair are relay
 * clients here (the SDK's own client), so the one-way time is stamped and read on one clock.
 * One update is in flight at a time: latency, not throughput.
 */
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createNodeUdpSocketFactory, createRealClock, createSilentLogger, type UdpSocket } from '../../core/index.js';
import {
  createRelayClient,
  createTicketIssuer,
  generateTicketSecret,
  openRelayWebSocket,
  type RelayClient,
  type RelayWebSocketTransport,
} from '../../relay/index.js';
import { median } from './median.js';

const UPDATES = Number(process.env.RELAY_WS_BENCH_UPDATES ?? 2_000);
const ROUNDS = 3;
const WARMUP = 500;
const CONNECTS = 30;
const UPDATE_BYTES = 64;

const env = { clock: createRealClock(), logger: createSilentLogger() };
const secret = generateTicketSecret();
const issuer = createTicketIssuer({ secret });
const child = fork(fileURLToPath(new URL('./relay-ws-server.ts', import.meta.url)), [secret], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  execArgv: process.execArgv,
});
const [ready] = (await once(child, 'message')) as [{ port: number; wsUrl: string }];
const relay = { address: '127.0.0.1', port: ready.port };
const closers: Array<() => unknown> = [];
let sessionCounter = 0;

type Carrier = 'udp' | 'websocket';

interface Peer {
  client: RelayClient;
  boundMs: number;
}

async function peer(sessionId: string, actor: number, carrier: Carrier): Promise<Peer> {
  const started = performance.now();
  const ticket = issuer.issue(sessionId, actor).ticket;
  let client: RelayClient;
  if (carrier === 'udp') {
    const socket: UdpSocket = await createNodeUdpSocketFactory().bind({ type: 'udp4', address: '127.0.0.1' });
    closers.push(() => socket.close());
    client = createRelayClient({ socket, relay, ticket, keepaliveIntervalMs: 0 });
  } else {
    const transport: RelayWebSocketTransport = await openRelayWebSocket({ url: ready.wsUrl, ...env });
    closers.push(() => transport.close());
    client = createRelayClient({ transport, ticket, keepaliveIntervalMs: 0 });
  }
  closers.unshift(() => client.close());
  await client.bind();
  return { client, boundMs: performance.now() - started };
}

/** One-way latencies (ms) of `UPDATES` updates A → B, one in flight, after a warm-up. */
async function pingPong(send: (payload: Buffer) => void, onReceive: (handler: (payload: Uint8Array) => void) => void): Promise<number[]> {
  const samples: number[] = [];
  let next: (() => void) | undefined;
  onReceive((payload) => {
    const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    samples.push(performance.now() - view.readDoubleBE(0));
    next?.();
  });
  for (let i = 0; i < UPDATES + WARMUP; i++) {
    const arrived = new Promise<void>((resolve) => (next = resolve));
    const payload = Buffer.alloc(UPDATE_BYTES);
    payload.writeDoubleBE(performance.now(), 0);
    send(payload);
    await Promise.race([arrived, new Promise((resolve) => setTimeout(resolve, 100))]);
  }
  return samples.slice(WARMUP);
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function direct(): Promise<number[]> {
  const a = dgram.createSocket('udp4');
  const b = dgram.createSocket('udp4');
  await Promise.all([new Promise<void>((r) => a.bind(0, '127.0.0.1', r)), new Promise<void>((r) => b.bind(0, '127.0.0.1', r))]);
  closers.push(() => a.close(), () => b.close());
  const to = b.address().port;
  return pingPong((payload) => a.send(payload, to, '127.0.0.1'), (handler) => b.on('message', (data) => handler(data)));
}

async function relayed(from: Carrier, to: Carrier): Promise<number[]> {
  const sessionId = `bench-${++sessionCounter}`;
  const [a, b] = await Promise.all([peer(sessionId, 1, from), peer(sessionId, 2, to)]);
  return pingPong((payload) => a.client.send(2, payload), (handler) => b.client.onMessage((_from, payload) => handler(payload)));
}

// Interleaved rounds, so warm-up and machine noise fall on every path alike; each row pools its rounds.
const paths: Array<{ path: string; run: () => Promise<number[]> }> = [
  { path: 'direct UDP', run: direct },
  { path: 'relay, UDP ↔ UDP', run: () => relayed('udp', 'udp') },
  { path: 'relay, WebSocket ↔ WebSocket', run: () => relayed('websocket', 'websocket') },
  { path: 'relay, UDP → WebSocket', run: () => relayed('udp', 'websocket') },
  { path: 'relay, WebSocket → UDP', run: () => relayed('websocket', 'udp') },
];
const rows = paths.map(({ path }) => ({ path, samples: [] as number[] }));
for (let round = 0; round < ROUNDS; round++) {
  for (const [index, { run }] of paths.entries()) rows[index]!.samples.push(...(await run()));
}
const base = percentile(rows[0]!.samples, 50);
const udpRelay = percentile(rows[1]!.samples, 50);
console.log(`relay over WebSocket vs UDP, loopback, ${ROUNDS} interleaved rounds of ${UPDATES} updates of ${UPDATE_BYTES} B, one at a time (node ${process.version})`);
console.log('| path | one-way p50 (µs) | p99 (µs) | added over direct, p50 (µs) | added over the UDP relay, p50 (µs) |');
console.log('|---|--:|--:|--:|--:|');
for (const { path, samples } of rows) {
  const p50 = percentile(samples, 50);
  const added = (value: number) => (value === 0 ? '—' : Math.round(value * 1000).toString());
  console.log(`| ${path} | ${Math.round(p50 * 1000)} | ${Math.round(percentile(samples, 99) * 1000)} | ${path === 'direct UDP' ? '—' : added(p50 - base)} | ${path.startsWith('relay') && path !== 'relay, UDP ↔ UDP' ? added(p50 - udpRelay) : '—'} |`);
}

// Time to bound: a fresh client each time (new socket or WebSocket, cookie exchange, bind).
const bindTimes: Record<Carrier, number[]> = { udp: [], websocket: [] };
for (let i = 0; i < CONNECTS; i++) {
  for (const carrier of ['udp', 'websocket'] as const) {
    const made = await peer(`connect-${i}-${carrier}`, 1, carrier);
    bindTimes[carrier].push(made.boundMs);
  }
}
console.log(`\nTime to bound, ${CONNECTS} fresh clients each (median / p90, ms): UDP ${median(bindTimes.udp).toFixed(2)} / ${percentile(bindTimes.udp, 90).toFixed(2)}; WebSocket (open + bind) ${median(bindTimes.websocket).toFixed(2)} / ${percentile(bindTimes.websocket, 90).toFixed(2)}`);

for (const close of closers) await close();
child.send({ type: 'stop' });
await once(child, 'exit');
