// Bounded fuzz run against a spawned cloud and a spawned game host, with a healthy session beside them.
import { Packr, Unpackr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { NetworkRunner, type StartGameResult } from '../../../client-sdk/index.js';
import { RequestType, SIGNALING_PATH } from '../../../src/protocol/index.js';
import { createNodeUdpSocketFactory, createSilentLogger, type UdpSocket } from '../../../core/index.js';
import { encodeStunMessage } from '../../../stun-server/index.js';
import { encodeRelayFrame } from '../../../relay/index.js';
import { spawnCli, type SpawnedCli, spawnLoopbackCloud } from '../../support/cli.js';
import { createProber, runDatagramFuzz, type DatagramFuzzResult } from '../../support/fuzz/datagram-sender.js';
import { createRelayExchange, peerDatagram, relayDatagram, stunDatagram, type PairPool, type RelayExchange, type TicketPool } from '../../support/fuzz/datagrams.js';
import { createRng } from '../../support/fuzz/random.js';
import { describeConnection, runSignalingFuzz, type SignalingFuzzResult } from '../../support/fuzz/signaling-sender.js';
import { findKillerFrame, type FreshCloud } from '../../support/fuzz/triage.js';

/** FUZZ_SEED=<n> replays a run's generators (the interleaving of workers still varies). */
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eedf022);
const SIGNALING_FRAMES = 20_000;
const DATAGRAMS = { stun: 34_000, relay: 33_000, game: 33_000 };
/** Hard cap on the fuzz phase; the quotas normally take well under half of it. */
const FUZZ_BUDGET_MS = 90_000;
const UPDATE_INTERVAL_MS = 10;
const HEALTHY_APP = `fuzz-healthy-${SEED}`;
/** The game probe's payload marker: the host echoes the probe runner's 12-byte message. */
const PROBE_MAGIC = 0x9e0be0be;
const SESSION = 'fuzz-healthy';

const factory = createNodeUdpSocketFactory();
const sockets: UdpSocket[] = [];
const runners: NetworkRunner[] = [];
let cloud: SpawnedCli;
let host: SpawnedCli;
let endpoints: { http: string; signaling: string; stun: number; relay: number };
/** Processes that exited while the test still needed them. */
const died: Array<{ name: string; code: number; afterMs: number }> = [];
let stopping = false;
const startedAt = Date.now();

async function bind(address: string): Promise<UdpSocket> {
  const socket = await factory.bind({ type: 'udp4', address });
  sockets.push(socket);
  return socket;
}

function watch(name: string, process: SpawnedCli): void {
  void process.exited.then((code) => {
    if (!stopping) died.push({ name, code, afterMs: Date.now() - startedAt });
  });
}

function port(endpoint: unknown): number {
  return Number(String(endpoint).split(':').at(-1));
}

/** A healthy client: one 8-byte update every interval, counting the host's echoes. */
function healthyStream(label: string, runner: NetworkRunner, start: StartGameResult) {
  const serverPeerId = start.server!.peerId;
  const echoed = new Set<number>();
  const disconnects: string[] = [];
  let sent = 0;
  runner.on('message', ({ peerId, data }) => {
    if (peerId !== serverPeerId || data.byteLength !== 8) return;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (view.getUint32(4) === 0xfeedf00d) echoed.add(view.getUint32(0));
  });
  runner.on('peerDisconnected', ({ reason }) => disconnects.push(reason));
  const timer = setInterval(() => {
    const update = new Uint8Array(8);
    const view = new DataView(update.buffer);
    view.setUint32(0, sent++);
    view.setUint32(4, 0xfeedf00d);
    runner.send(serverPeerId, update);
  }, UPDATE_INTERVAL_MS);
  return {
    label,
    path: start.server!.path,
    stop: () => clearInterval(timer),
    sent: () => sent,
    echoed: () => echoed.size,
    disconnects,
  };
}

/** A fresh signaling connection: hello, then list the healthy app's lobby. */
async function helloAndList(): Promise<{ names: string[] }> {
  const packr = new Packr({ useRecords: false });
  const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
  const ws = new WebSocket(endpoints.signaling, { perMessageDeflate: false });
  try {
    const replies: Array<{ id?: number; type?: number; result?: { sessions?: Array<{ name: string }> } }> = [];
    const wake = new Set<() => void>();
    ws.on('message', (data) => {
      replies.push(unpackr.unpack(data as Buffer) as (typeof replies)[number]);
      for (const w of wake) w();
    });
    ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      setTimeout(() => reject(new Error('signaling connect timed out')), 5_000);
    });
    const reply = (id: number): Promise<(typeof replies)[number]> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = replies.find((r) => r.id === id);
          if (found) {
            wake.delete(check);
            resolve(found);
          }
        };
        wake.add(check);
        setTimeout(() => reject(new Error(`no reply to request ${id}`)), 5_000);
        check();
      });
    ws.send(packr.pack({ type: RequestType.HELLO, id: 1, appId: HEALTHY_APP, appVersion: '1', protocolVersion: 1 }));
    expect(await reply(1)).toMatchObject({ type: 20 });
    ws.send(packr.pack({ type: RequestType.LIST, id: 2 }));
    const listed = await reply(2);
    expect(listed).toMatchObject({ type: 20 });
    return { names: (listed.result?.sessions ?? []).map((s) => s.name) };
  } finally {
    ws.terminate();
  }
}

/** Another cloud, for crash triage after the first one died. */
async function freshCloud(): Promise<FreshCloud> {
  const spawned = spawnLoopbackCloud();
  const ready = await spawned.waitFor((line) => line.event === 'ready');
  return { process: spawned, signaling: `${String(ready.http).replace(/^http/, 'ws')}${SIGNALING_PATH}` };
}

beforeAll(async () => {
  cloud = spawnLoopbackCloud();
  watch('cloud', cloud);
  const ready = await cloud.waitFor((line) => line.event === 'ready');
  const http = String(ready.http);
  endpoints = { http, signaling: `${http.replace(/^http/, 'ws')}${SIGNALING_PATH}`, stun: port(ready.stun), relay: port(ready.relay) };
  host = spawnCli(['host', '--cloud', http, '--session', SESSION, '--app-id', HEALTHY_APP, '--json']);
  watch('host', host);
  await host.waitFor((line) => line.event === 'session');
});

afterAll(async () => {
  stopping = true;
  await Promise.allSettled(runners.map((runner) => runner.shutdown()));
  await Promise.allSettled(sockets.map((socket) => socket.close()));
  await Promise.allSettled([host?.stop(), cloud?.stop()]);
});

describe('fuzzing a spawned cloud and game host', () => {
  it(
    `survives ${SIGNALING_FRAMES} signaling frames and ${DATAGRAMS.stun + DATAGRAMS.relay + DATAGRAMS.game} datagrams with a healthy session beside them (seed ${SEED})`,
    async () => {
      // ---- the healthy session: the spawned host, one client direct and one through the relay
      const client = (forceRelay: boolean): NetworkRunner => {
        const runner = new NetworkRunner({ cloudUrl: endpoints.http, appId: HEALTHY_APP, bindAddress: '127.0.0.1', forceRelay, logger: createSilentLogger() });
        runners.push(runner);
        return runner;
      };
      const directRunner = client(false);
      const direct = await directRunner.startGame({ mode: 'client', sessionName: SESSION });
      const relayRunner = client(true);
      const relayed = await relayRunner.startGame({ mode: 'client', sessionName: SESSION });
      // A third client, direct, is the game port's pacing probe: nothing answers unauthenticated
      // packets any more, but the host echoes this client's sealed messages in order with the
      // fuzz arriving on the same socket.
      const probeRunner = client(false);
      const probing = await probeRunner.startGame({ mode: 'client', sessionName: SESSION });
      expect(direct.server).toMatchObject({ path: 'direct', actor: 1 });
      expect(relayed.server).toMatchObject({ path: 'relay' });
      // The same game socket; not always the same address: the host offers each of its local
      // addresses, and another test's network namespace may have added one beside loopback (CI:
      // one client came in on 192.0.2.2, the other on 127.0.0.1).
      expect(probing.server).toMatchObject({ path: 'direct' });
      expect(probing.server!.remote.port).toBe(direct.server!.remote.port);
      const probeDisconnects: string[] = [];
      probeRunner.on('peerDisconnected', ({ reason }) => probeDisconnects.push(reason));
      const gamePort = direct.server!.remote.port;
      const healthy = [healthyStream('direct', directRunner, direct), healthyStream('relay', relayRunner, relayed)];

      // ---- fuzz sources and probes
      const rng = createRng(SEED);
      const stopped = (): boolean => died.length > 0;
      const deadline = Date.now() + FUZZ_BUDGET_MS;
      // The STUN server limits requests per source IP: spread the fuzz over 127.0.0.2–25 so
      // most datagrams reach its decoder instead of the rate limiter.
      const stunSources = await Promise.all(Array.from({ length: 24 }, (_, i) => bind(`127.0.0.${i + 2}`).catch(() => bind('127.0.0.1'))));
      const stunProbeSocket = await bind('127.0.0.100').catch(() => bind('127.0.0.1'));
      // The relay budgets bind work per source IP (cookies minted, failed proofs): relay fuzz
      // comes from 127.0.2.1–32, so its binds reach the cookie and proof checks and the healthy
      // peers' address (127.0.0.1) keeps its own budget.
      const relaySources = await Promise.all(Array.from({ length: 32 }, (_, i) => bind(`127.0.2.${i + 1}`).catch(() => bind('127.0.0.1'))));
      const relayProbeSockets = await Promise.all(Array.from({ length: 40 }, () => bind('127.0.0.1')));
      const gameSources = await Promise.all(Array.from({ length: 8 }, () => bind('127.0.0.1')));
      const replies = { stun: 0, relay: 0, game: 0 };
      const tickets: TicketPool = { tickets: [] };
      const pairs: PairPool = { pairs: [] };
      const exchange = createRelayExchange(rng.fork(), { address: '127.0.0.1', port: endpoints.relay }, tickets);

      const stunProber = createProber({
        timeoutMs: 200,
        send(nonce) {
          const transactionId = new Uint8Array(12);
          new DataView(transactionId.buffer).setUint32(8, nonce);
          stunProbeSocket.send(encodeStunMessage({ class: 'request', method: 1, transactionId, attributes: [] }), endpoints.stun, '127.0.0.1');
        },
        answerOf: (reply) => (reply.length >= 20 ? reply.readUInt32BE(16) : undefined),
      });
      stunProbeSocket.onMessage((reply) => stunProber.onReply(reply, stunProbeSocket));
      // The relay answers an unbound address at most once a second, so probes rotate over many
      // sockets; each answer (a NOT_BOUND error frame) is matched by the socket it came to.
      const relayLastUsed = new Map<UdpSocket, number>();
      const relayPending = new Map<UdpSocket, number>();
      let relayProbeIndex = 0;
      const relayProber = createProber({
        timeoutMs: 200,
        async ready() {
          const next = relayProbeSockets[relayProbeIndex % relayProbeSockets.length]!;
          const wait = (relayLastUsed.get(next) ?? 0) + 1_050 - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        },
        send(nonce) {
          const socket = relayProbeSockets[relayProbeIndex++ % relayProbeSockets.length]!;
          relayLastUsed.set(socket, Date.now());
          relayPending.set(socket, nonce);
          socket.send(encodeRelayFrame({ type: 'send', toActor: 1, payload: new Uint8Array(4) }), endpoints.relay, '127.0.0.1');
        },
        answerOf(_reply, socket) {
          if (!socket) return undefined;
          const nonce = relayPending.get(socket);
          relayPending.delete(socket);
          return nonce;
        },
      });
      for (const socket of relayProbeSockets) socket.onMessage((reply) => relayProber.onReply(reply, socket));
      const probeServer = probing.server!.peerId;
      const gameProber = createProber({
        timeoutMs: 100,
        send(nonce) {
          const probe = Buffer.alloc(12);
          probe.writeUInt32BE(nonce, 0);
          probe.writeUInt32BE(PROBE_MAGIC, 4);
          probeRunner.send(probeServer, probe);
        },
        answerOf: (reply) => (reply.length === 12 && reply.readUInt32BE(4) === PROBE_MAGIC ? reply.readUInt32BE(0) : undefined),
      });
      probeRunner.on('message', ({ peerId, data }) => {
        if (peerId === probeServer) gameProber.onReply(Buffer.from(data.buffer, data.byteOffset, data.byteLength), undefined);
      });
      for (const socket of stunSources) socket.onMessage(() => replies.stun++);
      for (const socket of relaySources) {
        socket.onMessage((reply) => {
          replies.relay++;
          exchange.onReply(socket, reply);
        });
      }
      // Peer packets to the fuzz sockets: the host's answers to the insider's sealed packets and its punches.
      const gameAnswers: Record<string, number> = {};
      for (const socket of gameSources) {
        socket.onMessage((reply) => {
          replies.game++;
          const type = reply[0] === 0xd7 && reply.length > 1 ? `type-${reply[1]}` : 'other';
          gameAnswers[type] = (gameAnswers[type] ?? 0) + 1;
        });
      }

      // ---- the fuzz run: everything at once
      const fuzzStart = Date.now();
      const [signaling, ...udp] = await Promise.all([
        runSignalingFuzz({
          url: endpoints.signaling,
          rng: rng.fork(),
          ctx: { appId: 'fuzz-app', names: ['fz-a', 'fz-b', 'fz-c', 'fz-d', 'fz-e', 'fz-f'] },
          frames: SIGNALING_FRAMES,
          workers: 6,
          deadline,
          stopped,
          tickets,
          pairs,
          insider: {
            session: SESSION,
            ctx: { appId: HEALTHY_APP, names: [SESSION], endpoints: gameSources.map((socket) => socket.address()), keepSessionsOpen: true },
          },
        }),
        runDatagramFuzz({
          name: 'stun',
          rng: rng.fork(),
          address: '127.0.0.1',
          port: endpoints.stun,
          sockets: stunSources,
          generate: (r, socket) => stunDatagram(r, socket.address().port),
          prober: stunProber,
          count: DATAGRAMS.stun,
          batch: 200,
          deadline,
          stopped,
        }),
        runDatagramFuzz({
          name: 'relay',
          rng: rng.fork(),
          address: '127.0.0.1',
          port: endpoints.relay,
          sockets: relaySources,
          generate: (r, socket) => relayDatagram(r, tickets, exchange, socket),
          prober: relayProber,
          count: DATAGRAMS.relay,
          batch: 64,
          deadline,
          stopped,
        }),
        runDatagramFuzz({
          name: 'game',
          rng: rng.fork(),
          address: '127.0.0.1',
          port: gamePort,
          sockets: gameSources,
          generate: (r) => peerDatagram(r, [direct.server!.actor, direct.actor, relayed.actor, probing.actor], pairs),
          prober: gameProber,
          count: DATAGRAMS.game,
          batch: 48,
          deadline,
          stopped,
        }),
      ]);
      const fuzzMs = Date.now() - fuzzStart;

      // ---- the healthy session: stop sending, let the last echoes arrive
      for (const stream of healthy) stream.stop();
      const settleUntil = Date.now() + 3_000;
      while (Date.now() < settleUntil && healthy.some((s) => s.echoed() < s.sent())) await new Promise((resolve) => setTimeout(resolve, 20));

      const alive = { cloud: cloud.child.exitCode === null && cloud.child.signalCode === null, host: host.child.exitCode === null && host.child.signalCode === null };
      const listed = alive.cloud ? await helloAndList().catch((error: unknown) => error as Error) : new Error('cloud is not running');
      // A dead cloud: replay the connections it dropped on a fresh one to name the frame.
      const triage = died.some((d) => d.name === 'cloud') ? await findKillerFrame(signaling.abnormal, freshCloud, 20_000) : '';
      const report = buildReport(signaling, udp, healthy, replies, fuzzMs, tickets.tickets.length, exchange, { answers: gameAnswers, pairs: pairs.pairs.length }, probeDisconnects, triage);
      console.log(report.summary);

      expect(died, `a process died (seed ${SEED}):\n${report.crash}`).toEqual([]);
      expect(alive, `process liveness (seed ${SEED}):\n${report.crash}`).toEqual({ cloud: true, host: true });
      expect(listed instanceof Error ? listed.message : listed.names, `the cloud answers a fresh hello + list (seed ${SEED})`).toContain(SESSION);
      expect(signaling.framesSent, `signaling frames sent within ${FUZZ_BUDGET_MS} ms (seed ${SEED})`).toBeGreaterThanOrEqual(SIGNALING_FRAMES);
      const datagrams = udp.reduce((sum, r) => sum + r.sent, 0);
      expect(datagrams, `datagrams sent within ${FUZZ_BUDGET_MS} ms (seed ${SEED})`).toBeGreaterThanOrEqual(100_000);
      expect(
        signaling.refusals.notRefused.map((record) => describeConnection(record, 1)),
        `frames the scan must refuse that the cloud read without closing the connection (seed ${SEED})`,
      ).toEqual([]);
      // The fuzz reached the relay's bound path: captured tickets went through the whole cookie exchange.
      if (tickets.tickets.length > 0) expect(exchange.stats.bound, `relay binds of captured tickets that ended bound (seed ${SEED})`).toBeGreaterThan(0);
      expect(probeDisconnects, `the probe client disconnected (seed ${SEED})`).toEqual([]);
      for (const stream of healthy) {
        expect(stream.disconnects, `healthy ${stream.label} client disconnected (seed ${SEED})`).toEqual([]);
        expect(stream.echoed() / stream.sent(), `healthy ${stream.label} session: ${stream.echoed()}/${stream.sent()} updates echoed (seed ${SEED})`).toBeGreaterThanOrEqual(0.99);
      }
    },
    150_000,
  );
});

function buildReport(
  signaling: SignalingFuzzResult,
  udp: DatagramFuzzResult[],
  healthy: Array<ReturnType<typeof healthyStream>>,
  replies: Record<string, number>,
  fuzzMs: number,
  tickets: number,
  exchange: RelayExchange,
  game: { answers: Record<string, number>; pairs: number },
  probeDisconnects: string[],
  triage: string,
): { summary: string; crash: string } {
  const summary = [
    `fuzz seed ${SEED}: ${fuzzMs} ms`,
    `  signaling: ${signaling.framesSent} frames (${signaling.insiderFrames} from inside the healthy session) over ${signaling.connections} connections (${signaling.connectFailures} failed to open), ${signaling.replies} replies, ${tickets} relay tickets`,
    `    close codes ${JSON.stringify(signaling.closeCodes)}; ${signaling.abnormal.length} ended without a close frame (a reset after a close with unread data, or a crash)`,
    `    error codes ${JSON.stringify(signaling.errorCodes)}`,
    `    ${signaling.refusals.sent} connections ended on a frame the scan refuses; their close codes ${JSON.stringify(signaling.refusals.closed)}`,
    `  relay cookie exchange: ${exchange.stats.challenges} challenges, ${exchange.stats.answers} answered (${exchange.stats.wrongAnswers} wrongly), ${exchange.stats.bound} bound, errors ${JSON.stringify(exchange.stats.errors)}`,
    ...udp.map((r) => `  ${r.name}: ${r.sent} datagrams, ${replies[r.name] ?? 0} answers to fuzz sources, probes ${r.probesAnswered} answered / ${r.probesTimedOut} timed out\n    ${JSON.stringify(r.kinds)}`),
    `  game host's peer packets to the fuzz sockets ${JSON.stringify(game.answers)} (${game.pairs} insider pair secrets held)`,
    ...healthy.map((s) => `  healthy ${s.label} (${s.path}): ${s.echoed()}/${s.sent()} updates echoed, disconnects ${JSON.stringify(s.disconnects)}`),
    `  probe client: disconnects ${JSON.stringify(probeDisconnects)}`,
  ].join('\n');
  const crash = [
    `FUZZ_SEED=${SEED}`,
    ...died.map((d) => `${d.name} exited with code ${d.code} ${d.afterMs} ms into the test`),
    triage,
    `cloud stderr (tail):\n${cloud.stderr().slice(-4_000)}`,
    `host stderr (tail):\n${host.stderr().slice(-2_000)}`,
    `signaling connections the cloud dropped without a close frame (the crashing frame is among their last frames):`,
    ...signaling.abnormal.slice(0, 8).map((record) => describeConnection(record)),
    ...udp.map((r) => `last ${r.name} datagrams:\n    ${r.recent.join('\n    ')}`),
    summary,
  ].join('\n');
  return { summary, crash };
}
