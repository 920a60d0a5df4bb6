/**
 * npm run bench:relay — forwarded packets/s, packets per CPU-second and added one-way latency of
 * punchthrough's relay on the batched UDP addon and on node:dgram, side by side with a minimal
 * Node forwarder (receive, look up, send) and coturn (the same ping-pong between two TURN
 * allocations over channels, turn-pairs.ts) measured in the same rounds, for 1, 100 and 1,000
 * concurrent peer pairs on loopback; then coturn under the issue's own uclient load (coturn-relay.ts).
 *
 * Each pair ping-pongs one 64-byte datagram: A → forwarder → B → forwarder → A → …, so each
 * pair has exactly one datagram in flight and N pairs keep N in flight. The forwarder runs in
 * a child process; the load generator (raw node:dgram sockets, the same work in every mode)
 * runs here. Latency is one-way (timestamp in the datagram, same process clock); "added" is
 * the p50 over the direct path (A ↔ B with no forwarder) at the same N.
 */
import { fork, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  bindProof,
  createTicketIssuer,
  decodeRelayFrame,
  encodeRelayFrame,
  generateTicketSecret,
  splitTicket,
  RELAY_PROTOCOL_VERSION,
  RelayFrameType,
} from '../../relay/index.js';
import { coturnAvailable, COTURN_MISSING } from '../support/coturn.js';
import { measureCoturnRelay, startCoturnRelay, UCLIENT_ARGS, type CoturnRelayFigures } from './coturn-relay.js';
import { median } from './median.js';
import { bindTurnPairs, CHANNEL_HEADER_BYTES, releaseTurnPairs, TURN_CHANNEL } from './turn-pairs.js';

// RELAY_BENCH_PAIRS=1000 runs one configuration (e.g. to profile the forwarder with RELAY_BENCH_PROF=1).
const PAIR_COUNTS = process.env.RELAY_BENCH_PAIRS ? process.env.RELAY_BENCH_PAIRS.split(',').map(Number) : [1, 100, 1_000];
const WARMUP_MS = 400;
const MEASURE_MS = 1_500;
const ROUNDS = 5; // each figure and ratio is the median over the rounds
const LATENCY_PACKETS_PER_SECOND = 4_000;
const DATAGRAM_BYTES = 64;
const STAMP_OFFSET = 6; // after the relay's send/deliver header, in every mode
const PHASE_OFFSET = 14;

type Mode = 'direct' | ForwarderKind;
type ForwarderKind = 'minimal' | 'relay-dgram' | 'relay-eager' | 'relay' | 'coturn';
// coturn relays each datagram twice (client → its allocation → the peer's allocation → peer), so
// its figures count forwards: two per datagram delivered, as the issue counted them.
const COTURN = coturnAvailable();
const FORWARDERS: ReadonlyArray<{ kind: ForwarderKind; label: string }> = [
  { kind: 'minimal', label: 'minimal Node forwarder' },
  { kind: 'relay-dgram', label: 'relay, node:dgram' },
  { kind: 'relay-eager', label: 'relay, batched, eager' },
  { kind: 'relay', label: 'relay, batched addon' },
  ...(COTURN ? [{ kind: 'coturn' as const, label: 'coturn, TURN channels' }] : []),
];

interface Pair {
  a: dgram.Socket;
  b: dgram.Socket;
}

const secret = generateTicketSecret();
const forwarderScript = fileURLToPath(new URL('./relay-forwarder.ts', import.meta.url));

interface Forwarder {
  port: number;
  /** Makes every pair's ends known to the forwarder: relay binds, routes, TURN allocations. */
  prepare(pairs: Pair[]): Promise<void>;
  /** Forgets them, before their sockets close. */
  release?(pairs: Pair[]): Promise<void>;
  /** CPU time (µs) and datagrams forwarded so far. */
  usage(): Promise<{ cpuMicros: number; packets: number }>;
  /** Called for every datagram the load receives through this forwarder (coturn keeps no count we can read). */
  delivered?(): void;
  stop(): Promise<void>;
}

/** The child's CPU time (µs) and forwarded-datagram count so far. */
async function childUsage(child: ChildProcess): Promise<{ cpuMicros: number; packets: number }> {
  const reply = new Promise<{ cpuMicros: number; packets: number }>((resolve) => {
    const onMessage = (message: { type: string; cpuMicros: number; packets: number }): void => {
      if (message.type !== 'usage') return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
  });
  child.send({ type: 'usage' });
  return reply;
}

async function startForwarder(mode: ForwarderKind): Promise<Forwarder> {
  if (mode === 'coturn') {
    const coturn = await startCoturnRelay();
    let forwards = 0;
    return {
      port: coturn.port,
      prepare: (pairs) => bindTurnPairs(pairs, coturn.port),
      release: (pairs) => releaseTurnPairs(pairs, coturn.port),
      usage: async () => ({ cpuMicros: coturn.cpuMicros(), packets: forwards }),
      delivered: () => void (forwards += 2),
      stop: () => coturn.stop(),
    };
  }
  const profile = process.env.RELAY_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RELAY_BENCH_PROF}`] : [];
  const child = fork(forwarderScript, [mode, secret], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, ...profile] });
  const [message] = (await once(child, 'message')) as [{ type: string; port: number }];
  const prepare =
    mode === 'minimal'
      ? async (pairs: Pair[]): Promise<void> => {
          child.send({ type: 'pairs', pairs: pairs.map((pair) => [pair.a.address().port, pair.b.address().port]) });
          await once(child, 'message');
        }
      : (pairs: Pair[]): Promise<void> => bindAtRelay(pairs, message.port);
  return { port: message.port, prepare, usage: () => childUsage(child), stop: () => stopForwarder(child) };
}

async function stopForwarder(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.send({ type: 'stop' });
  await exited;
}

async function openSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
  socket.on('error', () => undefined);
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

/**
 * Binds both ends of every pair at the relay (session per pair, actors 1 and 2), through the
 * relay's cookie exchange: bind, challenge, bind with the cookie and the ticket proof, bound.
 */
async function bindAtRelay(pairs: Pair[], relayPort: number): Promise<void> {
  const issuer = createTicketIssuer({ secret });
  await Promise.all(
    pairs.flatMap((pair, index) =>
      [pair.a, pair.b].map(async (socket, side) => {
        const { body, mac } = splitTicket(issuer.issue(`pair-${index}`, side + 1).ticket);
        const bound = new Promise<void>((resolve) => {
          const onMessage = (data: Buffer): void => {
            const frame = decodeRelayFrame(data);
            if (!frame.ok) return;
            if (frame.value.type === 'challenge') {
              const cookie = Uint8Array.from(frame.value.cookie);
              socket.send(encodeRelayFrame({ type: 'bind', cookie, proof: bindProof(mac, cookie), body }), relayPort, '127.0.0.1');
            } else if (frame.value.type === 'bound') {
              socket.off('message', onMessage);
              resolve();
            }
          };
          socket.on('message', onMessage);
        });
        socket.send(encodeRelayFrame({ type: 'bind', cookie: undefined, proof: new Uint8Array(0), body }), relayPort, '127.0.0.1');
        await bound;
      }),
    ),
  );
}

let phaseId = 0;

/** Marks each phase's datagrams, so a straggler from the previous phase is never counted. */
function listen(pairs: Pair[], onDatagram: (self: dgram.Socket, other: dgram.Socket, otherActor: number, data: Buffer) => void): { phase: number; detach(): void } {
  const phase = ++phaseId & 0xff;
  const detach: Array<() => void> = [];
  for (const pair of pairs) {
    const wire = (self: dgram.Socket, other: dgram.Socket, otherActor: number): void => {
      const onMessage = (data: Buffer): void => {
        if (data.length === DATAGRAM_BYTES && data[PHASE_OFFSET] === phase) onDatagram(self, other, otherActor, data);
      };
      self.on('message', onMessage);
      detach.push(() => self.off('message', onMessage));
    };
    wire(pair.a, pair.b, 2);
    wire(pair.b, pair.a, 1);
  }
  return { phase, detach: () => detach.forEach((off) => off()) };
}

function stampedSender(pairs: Pair[], mode: Mode, forwarderPort: number) {
  const ports = new Map<dgram.Socket, number>(pairs.flatMap((pair) => [[pair.a, pair.a.address().port], [pair.b, pair.b.address().port]] as const));
  return (phase: number, from: dgram.Socket, to: dgram.Socket, actorOfTarget: number): void => {
    const out = Buffer.allocUnsafe(DATAGRAM_BYTES);
    if (mode === 'coturn') {
      // ChannelData to the channel bound to the other end (turn-pairs.ts); coturn delivers the same header.
      out.writeUInt16BE(TURN_CHANNEL, 0);
      out.writeUInt16BE(DATAGRAM_BYTES - CHANNEL_HEADER_BYTES, 2);
      out.writeUInt16BE(0, 4);
    } else {
      out[0] = RELAY_PROTOCOL_VERSION;
      out[1] = RelayFrameType.send;
      out.writeUInt32BE(actorOfTarget, 2);
    }
    out.writeDoubleLE(performance.now(), STAMP_OFFSET);
    out[PHASE_OFFSET] = phase;
    from.send(out, mode === 'direct' ? ports.get(to)! : forwarderPort, '127.0.0.1');
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Throughput: every pair ping-pongs one datagram as fast as it comes back, so N pairs keep N
 * datagrams in flight; counts the datagrams delivered during MEASURE_MS.
 */
async function runThroughput(pairs: Pair[], mode: Mode, forwarder: Forwarder | undefined): Promise<{ packetsPerSecond: number; cpuMicrosPerPacket: number }> {
  const forwarderPort = forwarder?.port ?? 0;
  const send = stampedSender(pairs, mode, forwarderPort);
  let measuring = false;
  let running = true;
  let packets = 0;
  const { phase, detach } = listen(pairs, (self, other, otherActor) => {
    forwarder?.delivered?.();
    if (measuring) packets++;
    if (running) send(phase, self, other, otherActor);
  });
  for (const pair of pairs) send(phase, pair.a, pair.b, 2);
  await sleep(WARMUP_MS);
  measuring = true;
  const before = forwarder && (await forwarder.usage());
  const started = performance.now();
  await sleep(MEASURE_MS);
  measuring = false;
  const elapsedMs = performance.now() - started;
  const after = forwarder && (await forwarder.usage());
  running = false;
  await sleep(100); // in-flight datagrams drain before the next phase
  detach();
  const cpuMicrosPerPacket = before && after ? (after.cpuMicros - before.cpuMicros) / (after.packets - before.packets) : Number.NaN;
  return { packetsPerSecond: (packets / elapsedMs) * 1000, cpuMicrosPerPacket };
}

/**
 * Latency: game-like paced traffic, LATENCY_PACKETS_PER_SECOND in all spread round-robin over
 * the pairs and both directions (well below saturation, so it measures the forwarding path,
 * not a queue); one-way latency of every datagram.
 */
async function runLatency(pairs: Pair[], mode: Mode, forwarder: Forwarder | undefined): Promise<{ p50Ms: number; p99Ms: number; pacedCpuMicrosPerPacket: number }> {
  const send = stampedSender(pairs, mode, forwarder?.port ?? 0);
  const latencies: number[] = [];
  let measuring = false;
  const { phase, detach } = listen(pairs, (_self, _other, _actor, data) => {
    forwarder?.delivered?.();
    if (measuring) latencies.push(performance.now() - data.readDoubleLE(STAMP_OFFSET));
  });
  let next = 0;
  const perTick = LATENCY_PACKETS_PER_SECOND / 1000;
  const ticker = setInterval(() => {
    for (let i = 0; i < perTick; i++, next++) {
      const pair = pairs[(next >> 1) % pairs.length]!;
      if (next & 1) send(phase, pair.b, pair.a, 1);
      else send(phase, pair.a, pair.b, 2);
    }
  }, 1);
  await sleep(WARMUP_MS);
  measuring = true;
  const before = forwarder && (await forwarder.usage());
  await sleep(MEASURE_MS);
  const after = forwarder && (await forwarder.usage());
  measuring = false;
  clearInterval(ticker);
  await sleep(100);
  detach();
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const pacedCpuMicrosPerPacket = before && after ? (after.cpuMicros - before.cpuMicros) / (after.packets - before.packets) : Number.NaN;
  return { p50Ms: at(0.5), p99Ms: at(0.99), pacedCpuMicrosPerPacket };
}

interface Figures {
  packetsPerSecond: number;
  cpuMicrosPerPacket: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU per forwarded datagram under the paced (latency) load. */
  pacedCpuMicrosPerPacket: number;
}

async function measure(pairs: Pair[], mode: Mode, forwarder: Forwarder | undefined): Promise<Figures> {
  return { ...(await runThroughput(pairs, mode, forwarder)), ...(await runLatency(pairs, mode, forwarder)) };
}

/** The median of each figure over the rounds. */
function medianFigures(rounds: Figures[]): Figures {
  const of = (key: keyof Figures): number => median(rounds.map((figures) => figures[key]));
  return {
    packetsPerSecond: of('packetsPerSecond'),
    cpuMicrosPerPacket: of('cpuMicrosPerPacket'),
    p50Ms: of('p50Ms'),
    p99Ms: of('p99Ms'),
    pacedCpuMicrosPerPacket: of('pacedCpuMicrosPerPacket'),
  };
}

const fmt = (n: number, digits = 3): string => n.toFixed(digits);
const rows: string[] = [];
const misses: string[] = [];
/** Batched relay pkt/CPU-s at each pair count, for the comparison with coturn's uclient run. */
const batchedPerCpu: Array<[number, number]> = [];
/** Batched relay pkt/CPU-s ÷ coturn's forwards/CPU-s under the same load, per pair count (medians of the per-round ratios). */
const againstCoturn: Array<{ count: number; flat: number; paced: number }> = [];

// Bounded run time even if a bind datagram were lost on the way (the bench would otherwise wait).
const watchdog = setTimeout(() => {
  console.error('relay benchmark: gave up after 10 minutes');
  process.exit(1);
}, 600_000);
watchdog.unref();

const forwarders = new Map<ForwarderKind, Forwarder>();
for (const { kind } of FORWARDERS) forwarders.set(kind, await startForwarder(kind));
try {
  for (const count of PAIR_COUNTS) {
    const pairs: Pair[] = [];
    for (let i = 0; i < count; i++) pairs.push({ a: await openSocket(), b: await openSocket() });
    for (const forwarder of forwarders.values()) await forwarder.prepare(pairs);

    // Each round measures the direct path, then every forwarder back to back in a rotating
    // order, so the machine's drift between rounds cancels out of the per-round ratios.
    const rounds: Array<{ direct: Figures } & Partial<Record<ForwarderKind, Figures>>> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const figures: { direct: Figures } & Partial<Record<ForwarderKind, Figures>> = { direct: await measure(pairs, 'direct', undefined) };
      for (let i = 0; i < FORWARDERS.length; i++) {
        const { kind } = FORWARDERS[(round + i) % FORWARDERS.length]!;
        figures[kind] = await measure(pairs, kind, forwarders.get(kind));
      }
      rounds.push(figures);
    }
    const direct = medianFigures(rounds.map((round) => round.direct));
    const added = (kind: ForwarderKind): number => median(rounds.map((round) => round[kind]!.p50Ms - round.direct.p50Ms));
    const perMinimal = (kind: ForwarderKind): number => median(rounds.map((round) => round.minimal!.cpuMicrosPerPacket / round[kind]!.cpuMicrosPerPacket));
    rows.push(`${String(count).padStart(5)} | ${'direct (no forwarder)'.padEnd(22)} | ${`${Math.round(direct.packetsPerSecond)}`.padStart(7)} | ${'—'.padStart(9)} | ${'—'.padStart(6)} | ${'—'.padStart(9)} | ${`${fmt(direct.p50Ms)} / ${fmt(direct.p99Ms)}`.padStart(13)} | ${'—'.padStart(6)}`);
    for (const { kind, label } of FORWARDERS) {
      const f = medianFigures(rounds.map((round) => round[kind]!));
      if (kind === 'relay') batchedPerCpu.push([count, 1e6 / f.cpuMicrosPerPacket]);
      rows.push(
        [
          String(count).padStart(5),
          label.padEnd(22),
          `${Math.round(f.packetsPerSecond)}`.padStart(7),
          `${Math.round(1e6 / f.cpuMicrosPerPacket)}`.padStart(9),
          `${fmt(perMinimal(kind), 2)}×`.padStart(6),
          `${Math.round(1e6 / f.pacedCpuMicrosPerPacket)}`.padStart(9),
          `${fmt(f.p50Ms)} / ${fmt(f.p99Ms)}`.padStart(13),
          fmt(added(kind)).padStart(6),
        ].join(' | '),
      );
    }
    if (forwarders.has('coturn')) {
      const ratio = (key: 'cpuMicrosPerPacket' | 'pacedCpuMicrosPerPacket'): number => median(rounds.map((round) => round.coturn![key] / round.relay![key]));
      againstCoturn.push({ count, flat: ratio('cpuMicrosPerPacket'), paced: ratio('pacedCpuMicrosPerPacket') });
    }
    const batchedAdded = added('relay');
    const dgramAdded = added('relay-dgram');
    if (perMinimal('relay-dgram') < 0.8) misses.push(`${count} pairs: dgram relay pkt/CPU-s ${fmt(perMinimal('relay-dgram'), 2)}× the minimal forwarder's < 0.8×`);
    if (!(batchedAdded <= Math.max(dgramAdded, 0) + 0.02)) misses.push(`${count} pairs: batched +p50 ${fmt(batchedAdded)} ms worse than dgram's ${fmt(dgramAdded)} ms`);
    for (const forwarder of forwarders.values()) await forwarder.release?.(pairs);
    for (const pair of pairs) {
      pair.a.close();
      pair.b.close();
    }
  }
} finally {
  await Promise.all([...forwarders.values()].map((forwarder) => forwarder.stop()));
}

let coturn: CoturnRelayFigures | undefined;
if (COTURN) coturn = await measureCoturnRelay();

console.log(`relay benchmark: ${DATAGRAM_BYTES}-byte datagrams on 127.0.0.1, forwarders in child processes; ${MEASURE_MS} ms measured`);
console.log(`per phase after ${WARMUP_MS} ms warm-up; medians of ${ROUNDS} rounds, each measuring direct, then every forwarder back`);
console.log('to back in a rotating order; ÷min and +p50 are medians of the per-round comparisons.');
console.log('');
console.log('pkt/s: every pair ping-pongs one datagram (N pairs keep N in flight), as the load generator saw it.');
console.log("pkt/CPU-s: datagrams forwarded per second of the forwarder process's own CPU time at that load;");
console.log('÷min: that, over the minimal forwarder\'s. paced pkt/CPU-s: the same under the latency load');
console.log(`(${LATENCY_PACKETS_PER_SECOND} datagrams/s spread over the pairs and both directions). p50 / p99: one-way latency, ms, under`);
console.log("the paced load; +p50: minus the direct path's p50. coturn: pkt/CPU-s and paced/CPU count forwards, two per");
console.log('datagram delivered (client → its allocation → the other allocation → client), and its latency spans both.');
console.log('pairs | forwarder              |   pkt/s | pkt/CPU-s |  ÷min | paced/CPU |     p50 / p99 |   +p50');
for (const row of rows) console.log(row);
console.log('');
for (const { count, flat, paced } of againstCoturn) {
  // coturn's two forwards deliver one datagram: per datagram delivered, the ratio doubles.
  console.log(`batched relay pkt/CPU-s ÷ coturn's forwards/CPU-s under the same load, ${count} pairs: ${fmt(flat, 2)}× ping-pong (${fmt(2 * flat, 2)}× per datagram delivered), ${fmt(paced, 2)}× paced`);
  if (flat < 1) misses.push(`${count} pairs: batched relay ${fmt(flat, 2)}× coturn's forwards/CPU-s`);
}
if (againstCoturn.length > 0) console.log('');
if (coturn) {
  console.log(`coturn relaying between TURN clients, the issue's load: turnutils_uclient ${UCLIENT_ARGS.join(' ')} on 127.0.0.1 (run after the above):`);
  console.log(
    `  ${coturn.messages} messages received, ${coturn.forwards} forwards (two per message), ${fmt(coturn.cpuSeconds, 2)} s of coturn CPU: ` +
      `${Math.round(coturn.forwardsPerCpuSecond)} forwards/CPU-s; average RTT ${coturn.averageRttMs} ms, ${coturn.lost} lost`,
  );
  for (const [count, perCpu] of batchedPerCpu) {
    const ratio = perCpu / coturn.forwardsPerCpuSecond;
    console.log(`  batched relay at ${count} pairs: ${Math.round(perCpu)} pkt/CPU-s = ${fmt(ratio, 2)}× coturn's`);
  }
} else {
  console.log(`coturn: skipped — ${COTURN_MISSING}`);
}
console.log('');
console.log("Targets: batched relay pkt/CPU-s ≥ 1.0× coturn's forwards/CPU-s under the same load; batched +p50 not worse than dgram's;");
console.log("dgram relay ≥ 0.8× the minimal forwarder's pkt/CPU-s (the fallback keeps today's figures).");
console.log(misses.length === 0 ? 'All targets met.' : `Missed: ${misses.join('; ')}`);
