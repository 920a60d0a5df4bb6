// Server child of the session benchmark: runs either the session service or a bare `ws`
// server answering with the same frames (the baseline), in a fresh process, so each memory
// figure starts from a clean RSS.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { Packr, Unpackr } from 'msgpackr';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type * as cloudTypes from '../../src/index.js';
import type { PeerInfo, SessionInfo } from '../../src/protocol/index.js';

// The service runs compiled (dist/, built by the benchmark first), as users run it: tsx's
// transform adds per-closure overhead that compiled code does not have. BENCH_SERVICE_DIST names
// another build's dist/ (main's, for a before/after in one run).
type Cloud = typeof cloudTypes;
const distDir = process.env.BENCH_SERVICE_DIST ? pathToFileURL(`${process.env.BENCH_SERVICE_DIST}/`) : new URL('../../dist/', import.meta.url);
const cloud = (await import(new URL('src/index.js', distDir).href)) as Cloud;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

type Command = { cmd: 'start'; kind: 'session' | 'bare'; webhookUrl?: string; lean?: boolean } | { cmd: 'memory' } | { cmd: 'cpu' } | { cmd: 'stop' };

/** Webhooks of every app to `baseUrl` (a receiver that answers, or one that never does): every notification type on, gates off. */
const webhooksTo = (baseUrl: string) => ({
  egress: { allowedNetworks: ['127.0.0.1/32'], allowInsecureHttp: true },
  apps: {
    '*': {
      webhooks: {
        baseUrl,
        secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
        events: ['session.created', 'peer.joined', 'peer.connected', 'session.propertiesChanged', 'peer.left', 'session.closed'] as const,
        propertiesForward: 'always' as const,
      },
    },
  },
});

let stop: (() => Promise<void>) | undefined;

function memory(): NodeJS.MemoryUsage {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage();
}

/** The ceiling's frames: lean-join's (the start inside the create/join reply) or the first release's. */
let leanFrames = false;

async function start(kind: 'session' | 'bare', webhookUrl?: string, lean = false): Promise<number> {
  leanFrames = lean;
  if (kind === 'session') {
    // Each load connection runs thousands of join cycles, and every peer comes from 127.0.0.1,
    // so the per-connection and per-address limits (sized for real peers) are lifted here.
    const service = cloud.buildSessionService({
      maxSessionsPerConnection: Number.MAX_SAFE_INTEGER,
      requestsPerSecond: 1e9,
      requestBurst: 1e9,
      maxConnectionsPerAddress: Number.MAX_SAFE_INTEGER,
      ...(webhookUrl === undefined ? {} : webhooksTo(webhookUrl)),
    } as Parameters<Cloud['buildSessionService']>[0]);
    const { port } = await service.listen({ host: '127.0.0.1', port: 0 });
    stop = () => service.close();
    return port;
  }
  // Baseline: the transport ceiling for this protocol. The same WebSocket library, no fastify,
  // and just enough bookkeeping to answer a join cycle with the frames the service sends
  // (same messages and shapes, msgpack-encoded per send, corked per tick like the service),
  // but no validation, store, model, limits or metrics.
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 16 * 1024 });
  const hosts = new Map<string, Pairing>();
  server.on('connection', (socket, request) => {
    const peer: Peer = { send: corkedSender(socket, request.socket), actor: 0, peerId: `peer-${peerIds++}` };
    socket.on('error', () => undefined);
    socket.on('message', (data: Buffer) => answer(peer, unpackr.unpack(data) as Frame, hosts));
  });
  await new Promise((resolve) => server.once('listening', resolve));
  stop = async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  };
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

interface Frame {
  type: number;
  id: number;
  name?: string;
  local?: unknown;
  reflexive?: unknown;
}

interface Pairing {
  name: string;
  host: Peer;
  client?: Peer;
}

interface Peer {
  send: (frame: Uint8Array) => void;
  actor: number;
  peerId: string;
  pairing?: Pairing;
  report?: Frame;
}

let peerIds = 0;

/** Sends like the service: the socket stays corked until the tick's frames are written. */
function corkedSender(socket: WebSocket, tcp: Duplex): (frame: Uint8Array) => void {
  let corked = false;
  const uncork = (): void => {
    corked = false;
    tcp.uncork();
  };
  return (frame) => {
    if (!corked) {
      corked = true;
      tcp.cork();
      process.nextTick(uncork);
    }
    socket.send(frame);
  };
}

const info = (peer: Peer): PeerInfo => ({ actor: peer.actor, peerId: peer.peerId, mode: peer.actor === 1 ? 'server' : 'client', active: true });

const PAIR_SECRET = new Uint8Array(32);
const REJOIN_TOKEN = 'r'.repeat(24);
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });

// Top-level functions, not closures per call: this file runs under tsx, whose per-closure
// helper would otherwise slow the baseline down and flatter the service.
function reply(to: Peer, request: Frame, result: object): void {
  to.send(packr.pack({ type: 20, id: request.id, request: request.type, result }));
}

function event(to: Peer, message: object): void {
  to.send(packr.pack(message));
}

/** Typed as the protocol's SessionInfo, so the baseline's frames keep the service's shape. */
function sessionOf(pairing: Pairing): SessionInfo {
  return {
    sessionId: `id-${pairing.name}`,
    name: pairing.name,
    maxPlayers: 16,
    open: true,
    visible: true,
    properties: {},
    lobbyKeys: [],
    playerTtlMs: 0,
    emptySessionTtlMs: 0,
    peers: pairing.client ? [info(pairing.host), info(pairing.client)] : [info(pairing.host)],
  };
}

function welcome(peer: Peer, request: Frame, pairing: Pairing): void {
  const session = sessionOf(pairing);
  const mode = peer.actor === 1 ? 'server' : 'client';
  const result = { session, actor: peer.actor, peerId: peer.peerId, mode, created: peer.actor === 1, rejoinToken: REJOIN_TOKEN };
  if (leanFrames) return reply(peer, request, { ...result, start: { stunServers: [] } });
  reply(peer, request, result);
  event(peer, { type: 30, session, actor: peer.actor, peerId: peer.peerId, mode, stunServers: [] });
}

function addresses(to: Peer, about: Peer): void {
  const { local, reflexive } = about.report!;
  event(to, { type: 32, peerId: about.peerId, actor: about.actor, mode: info(about).mode, local, reflexive, pairSecret: PAIR_SECRET });
}

/** The service's frames for one cycle's requests (hello, create, join, report, leave). */
function answer(peer: Peer, request: Frame, hosts: Map<string, Pairing>): void {
  switch (request.type) {
    case 1:
      reply(peer, request, { protocolVersion: 1, maxFrameBytes: 16384 });
      break;
    case 2: {
      const pairing: Pairing = { name: request.name!, host: peer };
      hosts.set(pairing.name, pairing);
      peer.actor = 1;
      peer.pairing = pairing;
      peer.report = undefined;
      welcome(peer, request, pairing);
      break;
    }
    case 3: {
      const pairing = hosts.get(request.name!)!;
      peer.actor = 2;
      peer.pairing = pairing;
      peer.report = undefined;
      pairing.client = peer;
      welcome(peer, request, pairing);
      event(pairing.host, { type: 31, peer: info(peer), rejoined: false });
      break;
    }
    case 9: {
      peer.report = request;
      reply(peer, request, {});
      const { host, client } = peer.pairing!;
      if (host.report && client?.report) {
        addresses(host, client);
        addresses(client, host);
      }
      break;
    }
    case 6: {
      const pairing = peer.pairing!;
      hosts.delete(pairing.name);
      reply(peer, request, {});
      if (pairing.client) event(pairing.client, { type: 36, sessionId: `id-${pairing.name}`, reason: 'serverLeft' });
      break;
    }
  }
}

process.on('message', (message: Command) => {
  void (async () => {
    if (message.cmd === 'start') process.send!({ port: await start(message.kind, message.webhookUrl, message.lean), memory: memory() });
    else if (message.cmd === 'memory') process.send!({ memory: memory() });
    else if (message.cmd === 'cpu') process.send!({ cpu: process.cpuUsage() });
    else {
      await stop?.();
      process.exit(0);
    }
  })();
});
