// Load child of the session benchmark: holds the WebSocket peers (so their memory is not
// counted against the server) and drives join cycles or the echo baseline.
import { once } from 'node:events';
import WebSocket from 'ws';
import { EventType, RequestType } from '../../src/protocol/index.js';
import { TestSignalingClient } from '../support/signaling-client.js';

type Command =
  | { cmd: 'idle'; url: string; count: number; hello: boolean }
  | { cmd: 'closeAll' }
  | { cmd: 'prepare'; kind: 'session' | 'bare'; url: string; pairs: number }
  | { cmd: 'run'; durationMs: number }
  | { cmd: 'latency'; durationMs: number }
  | { cmd: 'release' };

/** A prepared join-rate run: connections are open, `run` drives cycles, `release` closes them. */
interface Driver {
  run(durationMs: number): Promise<{ joins: number; ms: number; warmup: number; peerCpuUs: number }>;
  /** Runs cycles as `run` does; returns each counted cycle's create + join time, ms. */
  latency(durationMs: number): Promise<number[]>;
  release(): Promise<void>;
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

/** One pair runs create → join → both report → both get the other's addresses → leave. */
async function sessionDriver(url: string, pairs: number): Promise<Driver> {
  const peers = await Promise.all(
    Array.from({ length: pairs }, async () => [await TestSignalingClient.hello(url), await TestSignalingClient.hello(url)] as const),
  );
  let round = 0;
  let samples: number[] | undefined;
  let countFrom = 0;
  const cycle = async (pair: number, until: () => boolean): Promise<number> => {
    const [host, client] = peers[pair]!;
    let count = 0;
    for (round += 1; until(); count++) {
      const name = `p${pair}-${round}-${count}`;
      const started = performance.now();
      await host.request({ type: RequestType.CREATE, name });
      await client.request({ type: RequestType.JOIN, name });
      if (started >= countFrom) samples?.push(performance.now() - started);
      await Promise.all([
        host.request({ type: RequestType.REPORT_ADDRESSES, ...reflexive(1000 + pair) }),
        client.request({ type: RequestType.REPORT_ADDRESSES, ...reflexive(2000 + pair) }),
        host.next(EventType.PEER_ADDRESSES),
        client.next(EventType.PEER_ADDRESSES),
      ]);
      await host.request({ type: RequestType.LEAVE });
      await client.next(EventType.SESSION_CLOSED);
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
        driver = await sessionDriver(message.url, message.pairs);
        process.send!({ ok: true });
        break;
      case 'run':
        process.send!(await driver!.run(message.durationMs));
        break;
      case 'latency':
        process.send!({ samples: await driver!.latency(message.durationMs) });
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
