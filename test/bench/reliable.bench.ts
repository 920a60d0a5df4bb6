/**
 * npm run bench:reliable — the reliable channel beside the unreliable one, in one run, on the
 * virtual network (a host and a client behind port-restricted cones, connected direct, the
 * session service, STUN and relay all in memory on one ManualClock), at 0 % and 5 % loss on the
 * client's NAT link (each packet, either direction):
 *
 * - Latency: 100 messages/s of 100 bytes for 30 s of clock time over 10 ms NAT links (20 ms
 *   one way, 40 ms round trip); one-way latency from `send` to the peer's `message` event, in
 *   clock ms, p50/p99, and the share delivered. A ManualClock makes these the protocol's own
 *   figures (path delay, ack delay, retransmission timeouts), exact and the same every run,
 *   whatever else the machine is doing — a real clock on a shared 2-core machine would measure
 *   the scheduler.
 * - Throughput: 1000-byte messages offered as fast as each channel takes them (unreliable:
 *   50 per clock ms; reliable: until `send` returns false) over 0 ms links, so no window or
 *   round trip limits either channel and the figure is the CPU cost of the whole stack (seal,
 *   virtual NATs, open, channel) with both ends in this one process: messages and MB delivered
 *   per wall-clock second. The reliable channel's own ceiling on a real path is its window:
 *   64 segments × 1176 bytes per round trip (1.9 MB/s at 40 ms), printed beside it.
 */
import { createSilentLogger, type ManualClock } from '../../core/index.js';
import type { NetworkRunner } from '../../client-sdk/index.js';
import { RELIABLE_WINDOW_SEGMENTS } from '../../client-sdk/constants.js';
import { SEGMENT_PAYLOAD_BYTES } from '../../client-sdk/peer/reliable/fragmenter.js';
import { advanceUntil, advanceUntilSettled } from '../support/drive.js';
import { createMemoryCloud, type MemoryCloud } from '../support/memory-cloud.js';

const LATENCY_LINK_MS = 10;
const LATENCY_RATE_PER_S = 100;
const LATENCY_SECONDS = 30;
const LATENCY_BYTES = 100;
const THROUGHPUT_BYTES = 1_000;
const THROUGHPUT_MESSAGES = Number(process.env.RELIABLE_BENCH_MESSAGES ?? 40_000);
const UNRELIABLE_PER_MS = 50;
/** `unreliable` runs only the unreliable rows: the same harness on a checkout without the reliable channel, for a before/after of the unreliable path. */
const CHANNELS = process.env.RELIABLE_BENCH_CHANNELS === 'unreliable' ? [false] : [false, true];

interface Pair {
  c: MemoryCloud;
  clock: ManualClock;
  host: NetworkRunner;
  client: NetworkRunner;
  serverId: string;
  setLoss(lossRate: number, latencyMs: number): void;
}

async function pair(seed: number, latencyMs: number): Promise<Pair> {
  const c = await createMemoryCloud(seed);
  const hostNat = c.network.addNat({ preset: 'port-restricted-cone', link: { latencyMs } });
  const clientNat = c.network.addNat({ preset: 'port-restricted-cone', link: { latencyMs } });
  const quiet = { logger: createSilentLogger() };
  const host = c.runner(hostNat.addHost(), quiet);
  const client = c.runner(clientNat.addHost(), quiet);
  await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: `bench-${seed}` }), 'host start');
  const started = await advanceUntilSettled(c.clock, client.startGame({ mode: 'client', sessionName: `bench-${seed}` }), 'client start');
  if (started.server!.path !== 'direct') throw new Error(`expected a direct pair, got ${started.server!.path}`);
  // Past the start's keepalive and path settling.
  await c.clock.advanceAsync(3_000);
  return {
    c,
    clock: c.clock,
    host,
    client,
    serverId: started.server!.peerId,
    setLoss: (lossRate, ms) => clientNat.setLink({ latencyMs: ms, lossRate }),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface LatencyResult {
  p50: number;
  p99: number;
  delivered: number;
}

async function latency(reliable: boolean, loss: number, seed: number): Promise<LatencyResult> {
  const p = await pair(seed, LATENCY_LINK_MS);
  p.setLoss(loss, LATENCY_LINK_MS);
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  p.host.on('message', (event) => {
    if (Boolean(event.reliable) !== reliable) return;
    const n = Buffer.from(event.data).readUInt32BE(0);
    const at = sentAt.get(n);
    if (at !== undefined) latencies.push(p.clock.now() - at);
    sentAt.delete(n);
  });
  const every = 1_000 / LATENCY_RATE_PER_S;
  const total = LATENCY_RATE_PER_S * LATENCY_SECONDS;
  for (let n = 0; n < total; n++) {
    const bytes = Buffer.alloc(LATENCY_BYTES);
    bytes.writeUInt32BE(n);
    sentAt.set(n, p.clock.now());
    p.client.send(p.serverId, bytes, { reliable });
    await p.clock.advanceAsync(every);
  }
  await p.clock.advanceAsync(5_000);
  await p.c.close();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), delivered: latencies.length / total };
}

interface ThroughputResult {
  messagesPerS: number;
  mbPerS: number;
  delivered: number;
  retransmissions: number;
  /** Datagrams on the virtual network per message offered (both directions, acknowledgements and keepalives included). */
  packetsPerMessage: number;
}

async function throughput(reliable: boolean, loss: number, seed: number): Promise<ThroughputResult> {
  const p = await pair(seed, 0);
  p.setLoss(loss, 0);
  let delivered = 0;
  let bytes = 0;
  p.host.on('message', (event) => {
    if (Boolean(event.reliable) !== reliable) return;
    delivered++;
    bytes += event.data.length;
  });
  const payload = Buffer.alloc(THROUGHPUT_BYTES, 0x5a);
  const packetsBefore = p.c.network.counters().sent;
  let sent = 0;
  const started = performance.now();
  while (sent < THROUGHPUT_MESSAGES) {
    if (reliable) {
      while (sent < THROUGHPUT_MESSAGES && p.client.send(p.serverId, payload, { reliable: true })) sent++;
    } else {
      for (let i = 0; i < UNRELIABLE_PER_MS && sent < THROUGHPUT_MESSAGES; i++, sent++) p.client.send(p.serverId, payload);
    }
    await p.clock.advanceAsync(1);
  }
  // Reliable: until every message is in; unreliable: until what is in flight lands.
  if (reliable) await advanceUntil(p.clock, () => delivered >= THROUGHPUT_MESSAGES, 'reliable drain', { stepMs: 1, maxMs: 600_000 });
  else await p.clock.advanceAsync(10);
  const seconds = (performance.now() - started) / 1_000;
  const retransmissions = reliable ? p.client.reliableStats.retransmissions : 0;
  const packetsPerMessage = (p.c.network.counters().sent - packetsBefore) / THROUGHPUT_MESSAGES;
  await p.c.close();
  return { messagesPerS: delivered / seconds, mbPerS: bytes / seconds / 1e6, delivered: delivered / THROUGHPUT_MESSAGES, retransmissions, packetsPerMessage };
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '—');
const pct = (n: number): string => `${(n * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  console.log(`reliable vs unreliable on the virtual network (node ${process.version})`);
  console.log(`\nlatency: ${LATENCY_RATE_PER_S} msg/s × ${LATENCY_BYTES} B for ${LATENCY_SECONDS} s, ${LATENCY_LINK_MS} ms NAT links (20 ms one way), clock ms, one way`);
  console.log('loss   channel      p50 ms   p99 ms   delivered');
  for (const loss of [0, 0.05]) {
    for (const reliable of CHANNELS) {
      const r = await latency(reliable, loss, 900 + Math.round(loss * 100));
      console.log(`${pct(loss).padEnd(6)} ${(reliable ? 'reliable' : 'unreliable').padEnd(12)} ${fmt(r.p50, 1).padStart(6)}   ${fmt(r.p99, 1).padStart(6)}   ${pct(r.delivered).padStart(8)}`);
    }
  }
  console.log(`\nthroughput: ${THROUGHPUT_MESSAGES} × ${THROUGHPUT_BYTES} B, 0 ms links, both ends in this process (CPU-bound), per wall-clock second`);
  console.log('loss   channel      msg/s      MB/s    delivered   datagrams/msg   retransmissions');
  for (const loss of [0, 0.05]) {
    for (const reliable of CHANNELS) {
      const r = await throughput(reliable, loss, 950 + Math.round(loss * 100));
      console.log(
        `${pct(loss).padEnd(6)} ${(reliable ? 'reliable' : 'unreliable').padEnd(12)} ${fmt(r.messagesPerS).padStart(7)}   ${fmt(r.mbPerS, 2).padStart(6)}   ${pct(r.delivered).padStart(8)}   ${fmt(r.packetsPerMessage, 2).padStart(13)}   ${reliable ? r.retransmissions : '—'}`,
      );
    }
  }
  const ceiling = (RELIABLE_WINDOW_SEGMENTS * SEGMENT_PAYLOAD_BYTES) / 0.04 / 1e6;
  console.log(`\nreliable window ceiling on a 40 ms round trip: ${RELIABLE_WINDOW_SEGMENTS} × ${SEGMENT_PAYLOAD_BYTES} B / RTT = ${ceiling.toFixed(2)} MB/s`);
}

await main();
