// Benchmark: a relayed pair beside a forged-bind flood, against this checkout or another one (before/after).
/**
 * node --import tsx test/bench/relay-flood.bench.ts [checkout] — a relayed pair beside a flood
 * of forged binds: the share of the pair's datagrams the relay still delivers, and what the
 * flood costs the relay (CPU per forged bind, HMACs). `checkout` is the repository whose relay
 * and relay client run (default: this one), so the same load runs against another version, e.g.
 * `node --import tsx test/bench/relay-flood.bench.ts /path/to/main`.
 *
 * The relay runs in a child process; the pair (two relay clients on real sockets) and the
 * flooder (one socket sending forged binds at 20,000/s, 40,000/s, then as fast as it can) run
 * here. Each round measures the pair alone, then under each flood; figures are medians over the
 * rounds. On a machine shared with other work the relay loses CPU time to it: compare versions
 * run back to back, not with figures from elsewhere.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './median.js';

const ROUNDS = 3;
const PHASE_MS = 3_000;
const PAIR_PACKETS_PER_MS = 2; // each way: 2,000 datagrams/s, a busy game's relayed pair
const FLOOD_BATCH = 64; // forged binds per event-loop turn at most
/** Forged binds per second of each flood phase; 0 is as fast as one socket sends. */
const FLOOD_RATES = [20_000, 40_000, 0];
const root = resolve(process.argv[2] ?? fileURLToPath(new URL('../..', import.meta.url)));
const secret = 'relay flood benchmark secret, 32B';

interface Socket {
  send(data: Uint8Array, port: number, address: string): void;
  close(): Promise<void>;
}
interface Client {
  bind(): Promise<void>;
  send(toActor: number, payload: Uint8Array): boolean;
  onMessage(handler: (from: number, payload: Uint8Array) => void): () => void;
  close(): void;
}
interface RelayModule {
  createTicketIssuer(options: { secret: string; ttlMs?: number }): { issue(sessionId: string, actor: number): { ticket: Uint8Array } };
  createRelayClient(options: { socket: Socket; relay: { address: string; port: number }; ticket: Uint8Array; keepaliveIntervalMs: number }): Client;
  encodeRelayFrame(frame: Record<string, unknown>): Uint8Array;
  splitTicket?: (ticket: Uint8Array) => { body: Uint8Array; mac: Uint8Array };
}
interface RuntimeModule {
  createNodeUdpSocketFactory(): { bind(options: Record<string, unknown>): Promise<Socket> };
}
interface Usage {
  cpuMicros: number;
  stats: { packetsRelayed: number; bindHmacs?: number; challenges?: number; dropped: Record<string, number> };
}

const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(root, path)).href)) as T;
const relay = await load<RelayModule>('relay/index.ts');
const runtime = await load<RuntimeModule>('core/index.ts');
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

const child = fork(fileURLToPath(new URL('./relay-flood-server.ts', import.meta.url)), [root, secret], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  execArgv: process.execArgv,
});
const [ready] = (await once(child, 'message')) as [{ port: number }];
const endpoint = { address: '127.0.0.1', port: ready.port };
const usage = async (): Promise<Usage> => {
  const reply = new Promise<Usage>((done) => {
    const onMessage = (message: { type: string } & Usage): void => {
      if (message.type !== 'usage') return;
      child.off('message', onMessage);
      done(message);
    };
    child.on('message', onMessage);
  });
  child.send({ type: 'usage' });
  return reply;
};

const factory = runtime.createNodeUdpSocketFactory();
const open = (): Promise<Socket> => factory.bind({ type: 'udp4', address: '127.0.0.1', receiveBufferSize: 1 << 21, sendBufferSize: 1 << 21 });
const issuer = relay.createTicketIssuer({ secret, ttlMs: 3_600_000 });
const sockets = await Promise.all([open(), open(), open()]);
const [hostSocket, guestSocket, floodSocket] = sockets as [Socket, Socket, Socket];
const host = relay.createRelayClient({ socket: hostSocket, relay: endpoint, ticket: issuer.issue('pair', 1).ticket, keepaliveIntervalMs: 0 });
const guest = relay.createRelayClient({ socket: guestSocket, relay: endpoint, ticket: issuer.issue('pair', 2).ticket, keepaliveIntervalMs: 0 });
await Promise.all([host.bind(), guest.bind()]);
const received = { host: 0, guest: 0 };
host.onMessage(() => received.host++);
guest.onMessage(() => received.guest++);

// Forged binds, the strongest an attacker without the secret can send to this version: tickets
// signed with another secret (one HMAC each at a version-1 relay); at version 2, first binds
// with such tickets' bodies (a cookie each) and binds echoing made-up cookies (a check each).
const forger = relay.createTicketIssuer({ secret: 'the attacker’s own secret, 32 B!!' });
const forged: Uint8Array[] = Array.from({ length: 256 }, (_, i) => {
  const { ticket } = forger.issue(`forged-${i}`, i + 1);
  if (!relay.splitTicket) return relay.encodeRelayFrame({ type: 'bind', ticket });
  const { body } = relay.splitTicket(ticket);
  const cookie = i % 3 === 2 ? new Uint8Array(16).fill(i | 1) : undefined;
  return relay.encodeRelayFrame({ type: 'bind', body, cookie, proof: new Uint8Array(16) });
});

interface Phase {
  delivered: number;
  floodSent: number;
  /** Forged binds the relay read (the rest the kernel dropped for lack of buffer). */
  floodHandled: number;
  cpuMicrosPerHandled: number;
  hmacs: number;
}

/** Datagrams the relay has read and answered or dropped, other than the pair's forwarded ones. */
const handledOther = (usage: Usage): number =>
  Object.values(usage.stats.dropped).reduce((a, b) => a + b, 0) + (usage.stats.challenges ?? 0) - (usage.stats.dropped.cookieInvalid ?? 0);

async function phase(floodRate: number | undefined): Promise<Phase> {
  const sentBefore = { ...received };
  let pairSent = 0;
  let floodSent = 0;
  let running = true;
  const pacer = setInterval(() => {
    for (let i = 0; i < PAIR_PACKETS_PER_MS; i++) {
      host.send(2, Buffer.alloc(64, 1));
      guest.send(1, Buffer.alloc(64, 2));
      pairSent++;
    }
  }, 1);
  const started = performance.now();
  const floodTurn = (): void => {
    if (!running || floodRate === undefined) return;
    const due = floodRate === 0 ? FLOOD_BATCH : Math.min(FLOOD_BATCH, Math.floor(((performance.now() - started) * floodRate) / 1000) - floodSent);
    for (let i = 0; i < due; i++) floodSocket.send(forged[(floodSent + i) % forged.length]!, endpoint.port, endpoint.address);
    floodSent += Math.max(0, due);
    if (due > 0 || floodRate === 0) setImmediate(floodTurn);
    else setTimeout(floodTurn, 1);
  };
  const before = await usage();
  floodTurn();
  await sleep(PHASE_MS);
  running = false;
  clearInterval(pacer);
  await sleep(300); // in flight
  const after = await usage();
  const delivered = (received.host - sentBefore.host + received.guest - sentBefore.guest) / (2 * pairSent);
  const floodHandled = handledOther(after) - handledOther(before);
  // Everything the relay read in the phase: the pair's datagrams and the forged binds.
  const handled = after.stats.packetsRelayed - before.stats.packetsRelayed + floodHandled;
  const hmacs =
    after.stats.bindHmacs !== undefined
      ? after.stats.bindHmacs - (before.stats.bindHmacs ?? 0)
      : (after.stats.dropped.ticketInvalid ?? 0) - (before.stats.dropped.ticketInvalid ?? 0); // version 1: one per forged bind it verified
  return { delivered, floodSent, floodHandled, cpuMicrosPerHandled: (after.cpuMicros - before.cpuMicros) / handled, hmacs };
}

const quiet: Phase[] = [];
const floods: Phase[][] = FLOOD_RATES.map(() => []);
try {
  for (let round = 0; round < ROUNDS; round++) {
    quiet.push(await phase(undefined));
    for (const [i, rate] of FLOOD_RATES.entries()) floods[i]!.push(await phase(rate));
  }
} finally {
  host.close();
  guest.close();
  await Promise.all(sockets.map((socket) => socket.close()));
  child.send({ type: 'stop' });
  await once(child, 'exit');
}

const med = (phases: Phase[], key: keyof Phase): number => median(phases.map((p) => p[key]));
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const row = (name: string, phases: Phase[]): string =>
  [
    name.padEnd(12),
    pct(med(phases, 'delivered')).padStart(14),
    String(Math.round(med(phases, 'floodSent'))).padStart(11),
    String(Math.round(med(phases, 'floodHandled'))).padStart(14),
    String(Math.round(med(phases, 'hmacs'))).padStart(11),
    med(phases, 'cpuMicrosPerHandled').toFixed(2).padStart(17),
  ].join(' | ');
console.log(`relay flood benchmark: ${root}`);
console.log(`pair: 2 × ${PAIR_PACKETS_PER_MS * 1000} datagrams/s of 64 B through the relay; ${PHASE_MS} ms per phase; medians of ${ROUNDS} rounds.`);
console.log('forged sent/read: forged binds sent, and read by the relay (the kernel dropped the rest); HMACs: computed');
console.log('for binds in the phase; CPU: the relay process\'s CPU time per datagram it read (pair and flood).');
console.log('flood        | pair delivered | forged sent | forged read    | bind HMACs | relay CPU µs/dgram');
console.log(row('none', quiet));
for (const [i, rate] of FLOOD_RATES.entries()) console.log(row(rate === 0 ? 'max rate' : `${rate / 1000}k/s`, floods[i]!));
