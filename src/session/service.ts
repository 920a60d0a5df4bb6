/**
 * The session service: a fastify app with the signaling WebSocket (`/v1/signaling`), the
 * lobby over HTTP, health and Prometheus metrics. Building it does not listen; `listen` does.
 */
import websocket from '@fastify/websocket';
import { timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { SIGNALING_PATH, type Properties, type RelayChangeReason, type WireEndpoint } from '../protocol/index.js';
import type { MoveResult } from './relay-fleet.js';
import { PROTOCOL_MAX_LIST_OFFSET } from '../protocol/index.js';
import { createSignalingHub, type PeerSocket, type SignalingHub } from './hub.js';
import {
  HTTP_CONNECTION_HEADROOM,
  HTTP_CONNECTION_HEADROOM_PER_ADDRESS,
  createHttpRateLimit,
  guardTcpConnections,
} from './http-limits.js';
import { appExtensions } from './apps.js';
import { registerWebhookAdminRoutes } from '../webhooks/admin.js';
import { createSessionMetrics, type SessionMetrics } from './metrics.js';
import { resolveOptions, type SessionServiceOptions } from './options.js';
import { createWriteBatch, type WriteBatch } from './write-batch.js';
import type { SessionStore } from './store.js';

export interface SessionService {
  /** The fastify app (routes registered, not listening): `app.inject` works in tests. */
  readonly app: FastifyInstance;
  /** This instance's metrics registry (served at `GET /metrics`). */
  readonly metrics: SessionMetrics;
  /** Where its sessions live (the one given, or its own in-memory store). */
  readonly store: SessionStore;
  /** Open signaling connections. */
  readonly connectionCount: number;
  /** Starts listening; port 0 picks a free port. Resolves with the bound endpoint. */
  listen(options?: { host?: string; port?: number }): Promise<WireEndpoint>;
  /** Tells peers, closes every connection, timer and the listener. Idempotent. */
  close(): Promise<void>;
  /**
   * Cluster mode: detaches the members bound here for `graceMs`, closes every connection with
   * 1012 (their SDKs rejoin on another node), then closes as `close` does. Idempotent with it.
   */
  drain(graceMs: number, timeoutMs: number): Promise<void>;
  /** Cluster mode: closes every connection with 1012 and carries on serving (a fenced node). */
  restartConnections(reason: string): void;
  /** Cluster mode: detaches the members `node` holds in the session for `graceMs` (the reaper's work for a dead node). */
  detachNode(sessionId: string, node: string, graceMs: number): Promise<void>;
  /** A relay fleet moves a session from relay `from` to `to`: its members get RELAY_CHANGED (src/fleet's failover). */
  moveRelay(sessionId: string, move: { from: string; to: string; reason: RelayChangeReason; minIntervalMs: number }): Promise<MoveResult | undefined>;
}

function frameBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/**
 * Runs a socket event handler behind a last-resort guard: a failure is counted and ends that one
 * connection, never the process (an exception thrown from a ws listener would).
 */
function guarded<A extends unknown[]>(socket: WebSocket, metrics: SessionMetrics, handler: (...args: A) => void) {
  return (...args: A): void => {
    try {
      handler(...args);
    } catch {
      metrics.handlerErrors.inc();
      socket.terminate();
    }
  };
}

function attach(hub: SignalingHub, socket: WebSocket, tcp: Socket, address: string, metrics: SessionMetrics, writes: WriteBatch): void {
  // A reply and the events of the same event-loop turn leave in one write, framed here (write-batch.ts):
  // the service's frames are binary, final, unmasked and uncompressed (no permessage-deflate).
  const outbox = writes.outbox({
    get open() {
      return socket.readyState === socket.OPEN;
    },
    write: (bytes) => void tcp.write(bytes),
  });
  const peer: PeerSocket = {
    send: (frame) => outbox.send(frame),
    get bufferedAmount() {
      return socket.bufferedAmount + outbox.pending;
    },
    // A close reason is at most 123 bytes (RFC 6455 §5.5): ASCII only, so characters are bytes.
    // The frames queued before it go first: nothing may follow a close frame.
    close: (code, reason) => {
      outbox.flush();
      socket.close(code, reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 120));
    },
    terminate: () => {
      outbox.discard();
      socket.terminate();
    },
    ping: () => socket.ping(),
    hold: () => outbox.hold(),
  };
  const connection = hub.connect(peer, address);
  socket.on('message', guarded(socket, metrics, (data: RawData, isBinary: boolean) => connection.onFrame(frameBytes(data), isBinary)));
  socket.on('pong', guarded(socket, metrics, () => connection.onPong()));
  socket.on('close', guarded(socket, metrics, () => connection.onClose()));
  // ws reports protocol errors (oversized frame: 1009, bad opcode, bad UTF-8) here and closes.
  socket.on('error', (error: Error & { code?: string }) => {
    metrics.framesDropped.inc({ reason: error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'too_large' : 'malformed' });
  });
}

interface LobbyQuery {
  appId: string;
  appVersion: string;
  limit: number;
  offset: number;
  filter?: Properties;
}

function lobbyQuery(query: unknown): LobbyQuery | undefined {
  if (typeof query !== 'object' || query === null) return undefined;
  const { appId, appVersion, limit, offset, ...rest } = query as Record<string, unknown>;
  if (typeof appId !== 'string' || typeof appVersion !== 'string' || appId.length === 0) return undefined;
  const parsedLimit = typeof limit === 'string' ? Number.parseInt(limit, 10) : Number.POSITIVE_INFINITY;
  if (Number.isNaN(parsedLimit) || parsedLimit < 1) return undefined;
  const parsedOffset = typeof offset === 'string' ? Number.parseInt(offset, 10) : 0;
  if (!Number.isInteger(parsedOffset) || parsedOffset < 0 || parsedOffset > PROTOCOL_MAX_LIST_OFFSET) return undefined;
  // Any other query parameter filters on a lobby-visible property; its text matches a string, a
  // number or a boolean it spells (`rank=5` finds {rank: 5} and {rank: "5"}, `ok=true` {ok: true}).
  const filter: Properties = {};
  for (const [key, value] of Object.entries(rest)) if (typeof value === 'string') filter[key] = value;
  return { appId, appVersion, limit: parsedLimit, offset: parsedOffset, ...(Object.keys(filter).length ? { filter } : {}) };
}

/** Whether an Authorization header carries the bearer token, compared in constant time. */
export function hasBearerToken(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Builds the session service (see {@link SessionServiceOptions}); call `listen` to serve. */
export function buildSessionService(options: SessionServiceOptions = {}): SessionService {
  const resolved = resolveOptions(options);
  const metrics = createSessionMetrics();
  const hub = createSignalingHub(resolved, metrics);
  const app = Fastify({
    logger: false,
    bodyLimit: resolved.maxFrameBytes,
    // request.ip is the client X-Forwarded-For names, but only when a configured proxy says it.
    trustProxy: resolved.trustedProxies.length > 0 ? resolved.trustedProxies : false,
    requestTimeout: resolved.httpRequestTimeoutMs,
    keepAliveTimeout: resolved.httpKeepAliveTimeoutMs,
    http: {
      headersTimeout: resolved.httpRequestTimeoutMs,
      // Node checks those timeouts every 30 s by default: a half-open request would live 3× longer.
      connectionsCheckingInterval: Math.min(1_000, resolved.httpRequestTimeoutMs),
    },
  });
  app.server.maxConnections = resolved.maxConnections + HTTP_CONNECTION_HEADROOM;
  guardTcpConnections(
    app.server,
    resolved.trustedProxies,
    resolved.maxConnectionsPerAddress + HTTP_CONNECTION_HEADROOM_PER_ADDRESS,
    metrics,
  );
  const httpRateLimit = createHttpRateLimit(resolved.clock, resolved.httpRequestsPerSecond, resolved.httpRequestBurst);

  const writes = createWriteBatch();
  let draining = false;
  void app.register(websocket, { options: { maxPayload: resolved.maxFrameBytes, perMessageDeflate: false } });
  void app.register(async (scoped) => {
    scoped.get(SIGNALING_PATH, { websocket: true }, (socket, request) => attach(hub, socket, request.socket, request.ip, metrics, writes));
    // 503 while draining, so a load balancer stops sending new connections here.
    scoped.get('/health', async (_request, reply) => {
      if (draining) return reply.code(503).send({ status: 'draining', connections: hub.connectionCount });
      return { status: 'ok', connections: hub.connectionCount, sessions: await resolved.store.count() };
    });
    if (!resolved.metricsElsewhere) {
      scoped.get('/metrics', async (request, reply) => {
        if (resolved.metricsToken !== undefined && !hasBearerToken(request.headers.authorization, resolved.metricsToken)) {
          return reply.code(401).send({ code: 'NOT_ALLOWED', message: 'metrics need Authorization: Bearer <token>' });
        }
        void reply.header('content-type', metrics.registry.contentType);
        return metrics.registry.metrics();
      });
    }
    if (resolved.adminToken !== undefined) registerWebhookAdminRoutes(scoped, { token: resolved.adminToken, webhooks: hub.webhooks, authorized: hasBearerToken });
    scoped.get('/v1/sessions', async (request, reply) => {
      if (!httpRateLimit(request.ip)) {
        metrics.httpRateLimited.inc();
        return reply.code(429).send({ code: 'RATE_LIMITED', message: `more than ${resolved.httpRequestsPerSecond} lobby requests per second` });
      }
      const query = lobbyQuery(request.query);
      if (!query) {
        return reply.code(400).send({
          code: 'INVALID_REQUEST',
          message: 'appId and appVersion are required; limit must be a positive integer, offset a whole number',
        });
      }
      // An app with custom authentication shows its lobby only to authenticated peers (LIST over signaling).
      if (appExtensions(resolved.apps, query.appId)?.auth) {
        return reply.code(401).send({ code: 'AUTH_REQUIRED', message: 'this app requires authentication: list its lobby over signaling after hello' });
      }
      return hub.list(query.appId, query.appVersion, query.filter, query.limit, query.offset, 'text');
    });
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    metrics,
    store: resolved.store,
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
    drain(graceMs, timeoutMs) {
      draining = true;
      closing ??= (async () => {
        await hub.drain(graceMs, timeoutMs);
        await app.close();
        if (!options.store) await resolved.store.close();
      })();
      return closing;
    },
    restartConnections: (reason) => hub.restart(reason),
    detachNode: (sessionId, node, graceMs) => hub.detachNode(sessionId, node, graceMs),
    moveRelay: (sessionId, move) => hub.moveRelay(sessionId, move),
  };
}
