// Load child of the session and cluster benchmarks: holds the WebSocket peers (so their memory is
// not counted against the server) and drives join cycles or the echo baseline.
import { once } from 'node:events';
import WebSocket from 'ws';
import { EventType, RequestType } from '../../src/protocol/index.js';
import { TestSignalingClient } from '../support/signaling-client.js';

type Command =
  | { cmd: 'idle'; url: string; count: number; hello: boolean }
  | { cmd: 'closeAll' }
  | { cmd: 'prepare'; kind: 'session' | 'bare'; url: string; pairs: number; urls?: string[]; features?: string[]; placement?: Placement }
  | { cmd: 'run'; durationMs: number }
  | { cmd: 'latency'; durationMs: number }
  | { cmd: 'measure'; durationMs: number }
  | { cmd: 'release' };

/**
 * Where a pair's two peers go with several URLs (cluster nodes): `split` puts pair i's host on node
 * i mod N and its client on the next node (every event crosses nodes); `local` puts both on node
 * i mod N (the pairs spread evenly, each pair's traffic stays on its node: spec §12's measurement).
 */
export type Placement = 'split' | 'local';

/** A prepared join-rate run: connections are open, `run` drives cycles, `release` closes them. */
interface Driver {
  run(durationMs: number): Promise<{ joins: number; ms: number; warmup: number; peerCpuUs: number }>;
  /** Runs cycles as `run` does; returns each counted cycle's create + join time, ms. */
  latency(durationMs: number): Promise<number[]>;
  /** `run` plus, for the counted cycles, create + join times and event latencies (ms). */
  measure(durationMs: number): Promise<Measured>;
  release(): Promise<void>;
}

/**
 * Event latency: from one peer's request leaving the load to the event it causes arriving at the
 * other peer (client JOIN sent → host's PEER_JOINED; host LEAVE sent → client's SESSION_CLOSED).
 * It spans the request's trip to its node, the commit, and the event's trip to the peer's node
 * (the inbox stream in cluster mode) and socket: an upper bound of commit → peer.
 */
interface Measured {
  joins: number;
  ms: number;
  warmup: number;
  peerCpuUs: number;
  joinMs: number[];
  eventMs: number[];
}

let driver: Driver | undefined;

/** Runs `cycle` on every pair: a warm-up of a fifth of the duration, then the counted run. */
async function timed(pairs: number, durationMs: number, cycle: (pair: number, until: () => boolean) => Promise<number>) {
  let stopAt = performance.now() + durationMs / 5;
  const until = () => performance.now() < stopAt;
  const warmup = (await Promise.all(Array.from({ length: pairs }, (_, pair) => cycle(pair, until)))).reduce((a, b) => a + b, 0);
  const started = performance.now();
  const cpu = process.cpuUsage();
  stopAt = started + durationMs;
  const joins = (await Promise.all(Array.from({ length: pairs }, (_, pair) => cycle(pair, until)))).reduce((a, b) => a + b, 0);
  const used = process.cpuUsage(cpu);
  return { joins, ms: performance.now() - started, warmup, peerCpuUs: (used.user + used.system) / Math.max(1, joins) };
}

const idle: WebSocket[] = [];
const BATCH = 250;

async function openIdle(url: string, count: number, hello: boolean): Promise<void> {
  for (let done = 0; done < count; done += BATCH) {
    const batch = Math.min(BATCH, count - done);
    await Promise.all(
      Array.from({ length: batch }, async () => {
        if (hello) {
          const client = await TestSignalingClient.hello(url);
          idle.push(client.socket);
        } else {
          const socket = new WebSocket(url, { perMessageDeflate: false });
          socket.on('error', () => undefined);
          await once(socket, 'open');
          idle.push(socket);
        }
      }),
    );
  }
}

async function closeAll(): Promise<void> {
  await Promise.all(
    idle.splice(0).map(async (socket) => {
      const closed = once(socket, 'close');
      socket.terminate();
      await closed;
    }),
  );
}

const reflexive = (port: number) => ({ local: [{ address: '192.168.0.2', port }], reflexive: { address: '203.0.113.7', port } });

/**
 * One pair runs create → join → both report → both get the other's addresses → leave. With several
 * URLs (cluster nodes) pair i's host is on node i mod N and its client on the same node (`local`)
 * or the next one (`split`, the default).
 */
async function sessionDriver(urls: readonly string[], pairs: number, features?: string[], placement: Placement = 'split'): Promise<Driver> {
  const hello = (url: string) => TestSignalingClient.hello(url, 'game', '1', features);
  const clientNode = (pair: number): number => (placement === 'local' ? pair : pair + 1) % urls.length;
  const peers = await Promise.all(
    Array.from({ length: pairs }, async (_, pair) => [await hello(urls[pair % urls.length]!), await hello(urls[clientNode(pair)]!)] as const),
  );
  let round = 0;
  let samples: number[] | undefined;
  let events: number[] | undefined;
  let countFrom = 0;
  const arrival = (promise: Promise<unknown>): Promise<number> => promise.then(() => performance.now());
  const cycle = async (pair: number, until: () => boolean): Promise<number> => {
    const [host, client] = peers[pair]!;
    let count = 0;
    for (round += 1; until(); count++) {
      const name = `p${pair}-${round}-${count}`;
      const started = performance.now();
      const sampled = samples !== undefined && started >= countFrom;
      await host.request({ type: RequestType.CREATE, name });
      const peerJoined = events ? arrival(host.next(EventType.PEER_JOINED)) : undefined;
      const joinSent = performance.now();
      await client.request({ type: RequestType.JOIN, name });
      if (sampled) samples?.push(performance.now() - started);
      await Promise.all([
        host.request({ type: RequestType.REPORT_ADDRESSES, ...reflexive(1000 + pair) }),
        client.request({ type: RequestType.REPORT_ADDRESSES, ...reflexive(2000 + pair) }),
        host.next(EventType.PEER_ADDRESSES),
        client.next(EventType.PEER_ADDRESSES),
      ]);
      const closed = arrival(client.next(EventType.SESSION_CLOSED));
      const leaveSent = performance.now();
      await host.request({ type: RequestType.LEAVE });
      const closedAt = await closed;
      if (peerJoined && sampled) events?.push((await peerJoined) - joinSent, closedAt - leaveSent);
      host.events.length = 0;
      client.events.length = 0;
    }
    return count;
  };
  return {
    run: (durationMs) => timed(pairs, durationMs, cycle),
    async latency(durationMs) {
      // Cycles that start in `timed`'s warm-up (its first fifth) are not sampled.
      samples = [];
      countFrom = performance.now() + durationMs / 5;
      await timed(pairs, durationMs, cycle);
      const taken = samples;
      samples = undefined;
      return taken;
    },
    async measure(durationMs) {
      samples = [];
      events = [];
      countFrom = performance.now() + durationMs / 5;
      const counted = await timed(pairs, durationMs, cycle);
      const taken = { ...counted, joinMs: samples, eventMs: events };
      samples = undefined;
      events = undefined;
      return taken;
    },
    release: async () => {
      await Promise.all(peers.flat().map((peer) => peer.close()));
    },
  };
}

process.on('message', (message: Command) => {
  void (async () => {
    switch (message.cmd) {
      case 'idle':
        await openIdle(message.url, message.count, message.hello);
        process.send!({ ok: true });
        break;
      case 'closeAll':
        await closeAll();
        process.send!({ ok: true });
        break;
      case 'prepare':
        driver = await sessionDriver(message.urls ?? [message.url], message.pairs, message.features, message.placement);
        process.send!({ ok: true });
        break;
      case 'run':
        process.send!(await driver!.run(message.durationMs));
        break;
      case 'latency':
        process.send!({ samples: await driver!.latency(message.durationMs) });
        break;
      case 'measure':
        process.send!(await driver!.measure(message.durationMs));
        break;
      case 'release':
        await driver?.release();
        driver = undefined;
        process.send!({ ok: true });
        break;
    }
  })().catch((error: unknown) => {
    process.send!({ error: String(error) });
  });
});
