/**
 * npm run bench:connect — time from `startGame` to connected for NetworkRunner clients on
 * loopback, against the real session service, STUN server and relay started in this process:
 *
 * - direct: 100 clients one after another, each a fresh runner joining one echo host;
 * - relayed: 100 clients whose datagrams to the host's socket are dropped, so they connect
 *   through the relay at attempt 6 with the default schedule (10 in flight at a time, in a
 *   rolling pool: each waits 3 s by design, and they compete only for the CPU);
 * - relayed, race: the same blocked clients with `connectPolicy: 'race'`, whose relay connect
 *   goes out at attempt 0 beside the direct ones: the two policies side by side.
 *
 * Baseline, measured in the same run: the I/O floor of the same flow with no runner logic —
 * WebSocket open + hello + join + start event + one STUN binding + report + the server's
 * addresses + one more UDP round trip (standing in for connect/accept). For relayed clients the
 * floor adds the sequential schedule's 3000 ms (attempt 6 × 500 ms); the race policy has no
 * schedule floor. Ratios are ours / floor.
 * Also printed: the share of the direct connect time spent in each step of seed 002.
 */
import { createNodeUdpSocketFactory, RequestType, EventType, type Event } from '../../src/index.js';
import { NetworkRunner, stunBinding, type ProgressEvent } from '../../client-sdk/index.js';
import { connectSignaling } from '../../client-sdk/signaling.js';
import { createSilentLogger, createRealClock } from '../../core/index.js';
import { droppingSocketFactory, startLoopbackCloud, type LoopbackCloud } from '../support/sdk-cloud.js';

const RUNS = Number(process.env.CONNECT_BENCH_RUNS ?? 100);
const RELAY_CONCURRENCY = 10;
const DIRECT_TARGET_MS = 50;
const RELAY_TARGET_MS = 3100;
/** The race policy's relayed connect: the 100 ms from the addresses (target: the floor median plus this). */
const RACE_RELAY_TARGET_MS = 100;
const SCHEDULE_FLOOR_MS = 3000;

interface Run {
  ms: number;
  attempt: number;
  path: string;
  steps: ProgressEvent[];
}

async function connectOnce(cloud: LoopbackCloud, session: string, blockedPorts?: Set<number>, policy: 'sequential' | 'race' = 'sequential'): Promise<Run> {
  const runner = new NetworkRunner({
    cloudUrl: cloud.url,
    appId: 'bench',
    bindAddress: '127.0.0.1',
    connectPolicy: policy,
    ...(blockedPorts ? { socketFactory: droppingSocketFactory((_a, port) => blockedPorts.has(port)) } : {}),
  });
  const steps: ProgressEvent[] = [];
  runner.on('progress', (p) => steps.push(p));
  const started = performance.now();
  try {
    const result = await runner.startGame({ mode: 'client', sessionName: session });
    const ms = performance.now() - started;
    return { ms, attempt: result.server!.attempt, path: result.server!.path, steps };
  } finally {
    await runner.shutdown();
  }
}

/** The same round trips as a client start, done by hand: no runner, no schedule. */
async function floorOnce(cloud: LoopbackCloud, session: string): Promise<number> {
  const clock = createRealClock();
  const socket = await createNodeUdpSocketFactory().bind({ type: 'udp4', address: '127.0.0.1' });
  const started = performance.now();
  const signaling = await connectSignaling({
    url: cloud.url,
    appId: 'bench',
    appVersion: '1',
    clock,
    logger: createSilentLogger(),
    connectTimeoutMs: 10_000,
    requestTimeoutMs: 10_000,
  });
  const awaitEvent = (type: number) =>
    new Promise<Event>((resolve) => {
      const off = signaling.onEvent((event) => {
        if (event.type === type) {
          off();
          resolve(event);
        }
      });
    });
  // The service sends the host's addresses right after the join when the host has reported.
  const start = awaitEvent(EventType.START);
  const serverAddresses = awaitEvent(EventType.PEER_ADDRESSES);
  await signaling.request({ type: RequestType.JOIN, name: session });
  await start;
  const reflexive = await stunBinding(socket, cloud.stun, { clock });
  await signaling.request({
    type: RequestType.REPORT_ADDRESSES,
    local: [{ address: '127.0.0.1', port: socket.address().port }],
    reflexive: { address: reflexive.address, port: reflexive.port },
  });
  await serverAddresses;
  await stunBinding(socket, cloud.stun, { clock });
  const ms = performance.now() - started;
  await signaling.close();
  await socket.close();
  return ms;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function row(label: string, ours: number[], floor: number[], target: number): string {
  const [m, p99, fm, fp99] = [percentile(ours, 50), percentile(ours, 99), percentile(floor, 50), percentile(floor, 99)];
  return [
    label.padEnd(9),
    `median ${m.toFixed(1).padStart(7)} ms`,
    `p99 ${p99.toFixed(1).padStart(7)} ms`,
    `| floor median ${fm.toFixed(1).padStart(7)} ms p99 ${fp99.toFixed(1).padStart(7)} ms`,
    `| ratio ${(m / fm).toFixed(2)}× (p99 ${(p99 / fp99).toFixed(2)}×)`,
    `| target median < ${target} ms: ${m < target ? 'met' : 'MISSED'}`,
  ].join('  ');
}

/** Mean share of the total spent reaching each step (from the previous step). */
function stepShares(runs: Run[]): string[] {
  const totals = new Map<string, number>();
  let all = 0;
  for (const run of runs) {
    let previous = 0;
    for (const step of run.steps) {
      const key = `${step.flow} ${String(step.step).padStart(2)} ${step.name}`;
      totals.set(key, (totals.get(key) ?? 0) + (step.sinceStartMs - previous));
      previous = step.sinceStartMs;
    }
    all += previous;
  }
  return [...totals].map(([key, ms]) => `  ${key.padEnd(32)} ${((100 * ms) / all).toFixed(1).padStart(5)} %  (${(ms / runs.length).toFixed(2)} ms)`);
}

async function main(): Promise<void> {
  const cloud = await startLoopbackCloud();
  const host = new NetworkRunner({ cloudUrl: cloud.url, appId: 'bench', bindAddress: '127.0.0.1' });
  try {
    const hosted = await host.startGame({ mode: 'server', sessionName: 'bench', maxPlayers: 256 });
    const hostPorts = new Set(hosted.local.map((l) => l.port));

    // Warm-up: JIT, first-connection costs.
    for (let i = 0; i < 5; i++) await connectOnce(cloud, 'bench');
    await floorOnce(cloud, 'bench');

    const direct: Run[] = [];
    const floor: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      direct.push(await connectOnce(cloud, 'bench'));
      floor.push(await floorOnce(cloud, 'bench'));
    }
    // A rolling pool: a new relayed client starts whenever one finishes, so starts spread out.
    const relayedWith = async (policy: 'sequential' | 'race'): Promise<Run[]> => {
      const runs: Run[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < RUNS) {
          next++;
          runs.push(await connectOnce(cloud, 'bench', hostPorts, policy));
        }
      };
      await Promise.all(Array.from({ length: RELAY_CONCURRENCY }, (_v, i) => sleep(i * 50).then(worker)));
      return runs;
    };
    const relayed = await relayedWith('sequential');
    const raced = await relayedWith('race');

    const directMs = direct.map((r) => r.ms);
    const relayMs = relayed.map((r) => r.ms);
    console.log(`connect benchmark: ${RUNS} direct and ${RUNS} relayed clients on loopback (Node ${process.version})`);
    console.log(row('direct', directMs, floor, DIRECT_TARGET_MS));
    console.log(row('relayed', relayMs, floor.map((f) => f + SCHEDULE_FLOOR_MS), RELAY_TARGET_MS));
    console.log(row('race', raced.map((r) => r.ms), floor, Math.round(RACE_RELAY_TARGET_MS + percentile(floor, 50))));
    const firstAttempt = direct.filter((r) => r.path === 'direct' && r.attempt === 0).length;
    const atSix = relayed.filter((r) => r.path === 'relay' && r.attempt === 6).length;
    const raceAtZero = raced.filter((r) => r.path === 'relay' && r.attempt === 0).length;
    console.log(`direct connects on attempt 0: ${firstAttempt}/${RUNS}; relayed connects on attempt 6: ${atSix}/${RUNS} (sequential), on attempt 0: ${raceAtZero}/${RUNS} (race)`);
    console.log('share of direct connect time per step (time since the previous step):');
    for (const line of stepShares(direct)) console.log(line);
  } finally {
    await host.shutdown();
    await cloud.close();
  }
}

await main();
