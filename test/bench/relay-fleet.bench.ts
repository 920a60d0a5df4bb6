/**
 * The fleet part of npm run bench:relay: aggregate forwards/s and forwards per CPU-second of 1
 * and 2 relay processes on this machine, side by side (several relay processes on one host are
 * several relays of a fleet: Node forwards on one thread, so a second process is a second core).
 *
 * 200 peer pairs (one session each) ping-pong 64-byte datagrams, 4 in flight per pair; with 1
 * relay every pair goes through relay 0, with 2 relays pair i goes through relay i mod 2. The
 * relays' own counters and CPU time give the figures; the load generator is this process, on
 * the same cores, so on a small machine it caps the aggregate: forwards per CPU-second is the
 * figure that does not depend on it. Rounds alternate the order of the two configurations.
 */
import { fork, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { bindProof, createTicketIssuer, decodeRelayFrame, encodeRelayFrame, generateTicketSecret, splitTicket, RELAY_PROTOCOL_VERSION, RelayFrameType } from '../../relay/index.js';
import { median } from './median.js';

const PAIRS = Number(process.env.RELAY_FLEET_BENCH_PAIRS ?? 200);
const IN_FLIGHT_PER_PAIR = 4;
const WARMUP_MS = 500;
const MEASURE_MS = 2_000;
const ROUNDS = 5;
const DATAGRAM_BYTES = 64;
const PHASE_OFFSET = 14;

const secret = generateTicketSecret();
const forwarderScript = fileURLToPath(new URL('./relay-forwarder.ts', import.meta.url));

interface Relay {
  child: ChildProcess;
  port: number;
}

async function startRelay(): Promise<Relay> {
  const child = fork(forwarderScript, ['relay', secret], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = (await once(child, 'message')) as [{ port: number }];
  return { child, port: message.port };
}

async function usage(relay: Relay): Promise<{ cpuMicros: number; packets: number }> {
  const reply = new Promise<{ cpuMicros: number; packets: number }>((resolve) => {
    const onMessage = (message: { type: string; cpuMicros: number; packets: number }): void => {
      if (message.type !== 'usage') return;
      relay.child.off('message', onMessage);
      resolve(message);
    };
    relay.child.on('message', onMessage);
  });
  relay.child.send({ type: 'usage' });
  return reply;
}

async function openSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
  socket.on('error', () => undefined);
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

/** Binds `socket` as `actor` of `session` at the relay on `port`, through the cookie exchange. */
async function bindAt(socket: dgram.Socket, port: number, session: string, actor: number): Promise<void> {
  const { body, mac } = splitTicket(createTicketIssuer({ secret }).issue(session, actor).ticket);
  const bound = new Promise<void>((resolve) => {
    const onMessage = (data: Buffer): void => {
      const frame = decodeRelayFrame(data);
      if (!frame.ok) return;
      if (frame.value.type === 'challenge') {
        const cookie = Uint8Array.from(frame.value.cookie);
        socket.send(encodeRelayFrame({ type: 'bind', cookie, proof: bindProof(mac, cookie), body }), port, '127.0.0.1');
      } else if (frame.value.type === 'bound') {
        socket.off('message', onMessage);
        resolve();
      }
    };
    socket.on('message', onMessage);
  });
  socket.send(encodeRelayFrame({ type: 'bind', cookie: undefined, proof: new Uint8Array(0), body }), port, '127.0.0.1');
  await bound;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
let phaseId = 0;

interface Figures {
  forwardsPerSecond: number;
  forwardsPerCpuSecond: number;
  relayCores: number;
}

/** One measurement with the first `count` relays carrying the pairs. */
async function measure(pairs: Array<[dgram.Socket, dgram.Socket]>, relays: Relay[], count: number): Promise<Figures> {
  const phase = ++phaseId & 0xff;
  let running = true;
  const detach: Array<() => void> = [];
  const frame = (toActor: number): Buffer => {
    const out = Buffer.alloc(DATAGRAM_BYTES);
    out[0] = RELAY_PROTOCOL_VERSION;
    out[1] = RelayFrameType.send;
    out.writeUInt32BE(toActor, 2);
    out[PHASE_OFFSET] = phase;
    return out;
  };
  pairs.forEach(([a, b], index) => {
    const port = relays[index % count]!.port;
    const wire = (self: dgram.Socket, otherActor: number): void => {
      const reply = frame(otherActor);
      const onMessage = (data: Buffer): void => {
        if (running && data.length === DATAGRAM_BYTES && data[PHASE_OFFSET] === phase) self.send(reply, port, '127.0.0.1');
      };
      self.on('message', onMessage);
      detach.push(() => self.off('message', onMessage));
    };
    wire(a, 2);
    wire(b, 1);
    for (let i = 0; i < IN_FLIGHT_PER_PAIR; i++) a.send(frame(2), port, '127.0.0.1');
  });
  await sleep(WARMUP_MS);
  const used = relays.slice(0, count);
  const before = await Promise.all(used.map(usage));
  const started = performance.now();
  await sleep(MEASURE_MS);
  const after = await Promise.all(used.map(usage));
  const seconds = (performance.now() - started) / 1000;
  running = false;
  await sleep(150);
  detach.forEach((off) => off());
  const packets = after.reduce((sum, u, i) => sum + u.packets - before[i]!.packets, 0);
  const cpuSeconds = after.reduce((sum, u, i) => sum + (u.cpuMicros - before[i]!.cpuMicros) / 1e6, 0);
  return { forwardsPerSecond: packets / seconds, forwardsPerCpuSecond: packets / cpuSeconds, relayCores: cpuSeconds / seconds };
}

const watchdog = setTimeout(() => {
  console.error('relay fleet benchmark: gave up after 5 minutes');
  process.exit(1);
}, 300_000);
watchdog.unref();

const relays = [await startRelay(), await startRelay()];
const pairs: Array<[dgram.Socket, dgram.Socket]> = [];
try {
  for (let i = 0; i < PAIRS; i++) pairs.push([await openSocket(), await openSocket()]);
  // Every pair is bound at both relays (idle bindings cost nothing); the configuration picks the path.
  for (const relay of relays) {
    await Promise.all(pairs.flatMap(([a, b], i) => [bindAt(a, relay.port, `pair-${i}`, 1), bindAt(b, relay.port, `pair-${i}`, 2)]));
  }
  const one: Figures[] = [];
  const two: Figures[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2) {
      two.push(await measure(pairs, relays, 2));
      one.push(await measure(pairs, relays, 1));
    } else {
      one.push(await measure(pairs, relays, 1));
      two.push(await measure(pairs, relays, 2));
    }
  }
  const row = (label: string, rounds: Figures[]): string =>
    [
      label.padStart(6),
      `${Math.round(median(rounds.map((r) => r.forwardsPerSecond)))}`.padStart(10),
      `${Math.round(median(rounds.map((r) => r.forwardsPerCpuSecond)))}`.padStart(14),
      median(rounds.map((r) => r.relayCores)).toFixed(2).padStart(10),
    ].join(' | ');
  const scale = median(two.map((r, i) => r.forwardsPerSecond / one[i]!.forwardsPerSecond));
  console.log(`relay fleet benchmark: ${PAIRS} pairs, ${IN_FLIGHT_PER_PAIR} datagrams in flight each, ${DATAGRAM_BYTES} B; ${cpus().length} CPUs;`);
  console.log(`medians of ${ROUNDS} rounds of ${MEASURE_MS} ms (order alternating); the load generator shares the machine.`);
  console.log('relays | forwards/s | forwards/CPU-s | relay cores');
  console.log(row('1', one));
  console.log(row('2', two));
  console.log(`2 relays / 1 relay, forwards/s: ${scale.toFixed(2)}×`);
} finally {
  for (const [a, b] of pairs) {
    a.close();
    b.close();
  }
  await Promise.all(
    relays.map(async (relay) => {
      const exited = once(relay.child, 'exit');
      relay.child.send({ type: 'stop' });
      await exited;
    }),
  );
}
