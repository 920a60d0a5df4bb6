/**
 * The session service: a fastify app with the signaling WebSocket (`/v1/signaling`), the
 * lobby over HTTP, health and Prometheus metrics. Building it does not listen; `listen` does.
 */
import websocket from '@fastify/websocket';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { SIGNALING_PATH, type Properties, type WireEndpoint } from '../protocol/index.js';
import { createSignalingHub, type PeerSocket, type SignalingHub } from './hub.js';
import { createSessionMetrics, type SessionMetrics } from './metrics.js';
import { resolveOptions, type SessionServiceOptions } from './options.js';

export interface SessionService {
  /** The fastify app (routes registered, not listening): `app.inject` works in tests. */
  readonly app: FastifyInstance;
  /** This instance's metrics registry (served at `GET /metrics`). */
  readonly metrics: SessionMetrics;
  /** Open signaling connections. */
  readonly connectionCount: number;
  /** Starts listening; port 0 picks a free port. Resolves with the bound endpoint. */
  listen(options?: { host?: string; port?: number }): Promise<WireEndpoint>;
  /** Tells peers, closes every connection, timer and the listener. Idempotent. */
  close(): Promise<void>;
}

function frameBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

function attach(hub: SignalingHub, socket: WebSocket, tcp: Socket, metrics: SessionMetrics): void {
  // A reply and the events it triggers (e.g. a join's reply and start) leave in one write:
  // the TCP socket is corked until the current tick's work is done.
  let corked = false;
  const uncork = (): void => {
    corked = false;
    tcp.uncork();
  };
  const peer: PeerSocket = {
    send: (frame) => {
      if (!corked) {
        corked = true;
        tcp.cork();
        process.nextTick(uncork);
      }
      socket.send(frame);
    },
    close: (code, reason) => socket.close(code, reason.slice(0, 120)),
    terminate: () => socket.terminate(),
    ping: () => socket.ping(),
  };
  const connection = hub.connect(peer, tcp.remoteAddress ?? '');
  socket.on('message', (data, isBinary) => connection.onFrame(frameBytes(data), isBinary));
  socket.on('pong', () => connection.onPong());
  socket.on('close', () => connection.onClose());
  // ws reports protocol errors (oversized frame: 1009, bad opcode, bad UTF-8) here and closes.
  socket.on('error', (error: Error & { code?: string }) => {
    metrics.framesDropped.inc({ reason: error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'too_large' : 'malformed' });
  });
}

function lobbyQuery(query: unknown): { appId: string; appVersion: string; limit: number; filter?: Properties } | undefined {
  if (typeof query !== 'object' || query === null) return undefined;
  const { appId, appVersion, limit, ...rest } = query as Record<string, unknown>;
  if (typeof appId !== 'string' || typeof appVersion !== 'string' || appId.length === 0) return undefined;
  const parsedLimit = typeof limit === 'string' ? Number.parseInt(limit, 10) : Number.POSITIVE_INFINITY;
  if (Number.isNaN(parsedLimit) || parsedLimit < 1) return undefined;
  // Any other query parameter filters on a lobby-visible property (as a string).
  const filter: Properties = {};
  for (const [key, value] of Object.entries(rest)) if (typeof value === 'string') filter[key] = value;
  return { appId, appVersion, limit: parsedLimit, ...(Object.keys(filter).length ? { filter } : {}) };
}

/** Builds the session service (see {@link SessionServiceOptions}); call `listen` to serve. */
export function buildSessionService(options: SessionServiceOptions = {}): SessionService {
  const resolved = resolveOptions(options);
  const metrics = createSessionMetrics();
  const hub = createSignalingHub(resolved, metrics);
  const app = Fastify({ logger: false, bodyLimit: resolved.maxFrameBytes });

  void app.register(websocket, { options: { maxPayload: resolved.maxFrameBytes, perMessageDeflate: false } });
  void app.register(async (scoped) => {
    scoped.get(SIGNALING_PATH, { websocket: true }, (socket, request) => attach(hub, socket, request.socket, metrics));
    scoped.get('/health', async () => ({
      status: 'ok',
      connections: hub.connectionCount,
      sessions: await resolved.store.count(),
    }));
    scoped.get('/metrics', async (_request, reply) => {
      void reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });
    scoped.get('/v1/sessions', async (request, reply) => {
      const query = lobbyQuery(request.query);
      if (!query) {
        return reply.code(400).send({ code: 'INVALID_REQUEST', message: 'appId and appVersion are required; limit must be a positive integer' });
      }
      return { sessions: await hub.list(query.appId, query.appVersion, query.filter, query.limit) };
    });
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    metrics,
    get connectionCount() {
      return hub.connectionCount;
    },
    async listen(listenOptions = {}) {
      await app.listen({ host: listenOptions.host ?? '127.0.0.1', port: listenOptions.port ?? 0 });
      const address = app.server.address();
      if (typeof address !== 'object' || address === null) throw new Error('the session service is not listening on TCP');
      return { address: address.address, port: address.port };
    },
    close() {
      closing ??= (async () => {
        await hub.shutdown();
        await app.close();
        if (!options.store) await resolved.store.close();
      })();
      return closing;
    },
  };
}
