/**
 * The signaling hub: one per service, put together from its parts — the gateway (connections and
 * their limits), dispatch (request type → handler), the sessions service (model, store, hooks)
 * and presence (event bus, deadlines). It knows nothing about fastify or ws: a connection is a
 * {@link PeerSocket}.
 */
import { hostname } from 'node:os';
import { createEnv, type Env, type TimerHandle } from '../../core/index.js';
import { createEgressClient } from '../egress/index.js';
import { CloseCode, PROTOCOL_MAX_REQUEST_ID, ReplyType, RequestType, createSignalingCodec, type ListResult, type Properties } from '../protocol/index.js';
import { createRpcService } from '../rpc/index.js';
import { createWebhookDispatcher, type WebhookDispatcher } from '../webhooks/dispatcher.js';
import { hookErrorReporter } from '../webhooks/hook-error.js';
import { anyAppHas, appExtensions } from './apps.js';
import { createDispatch } from './dispatch.js';
import { createGateway, type PeerConnection, type PeerSocket } from './gateway.js';
import { createHelloAuthGate } from './hello-auth.js';
import { createHookRunner } from './hook-runner.js';
import { createLobbyFeed, lobbyAware, lobbySignalOf } from './lobby-feed.js';
import type { FilterMatch } from './lobby-list.js';
import type { SessionMetrics } from './metrics.js';
import { appKeyOf } from './model.js';
import type { ResolvedOptions } from './options.js';
import { createLocalDeadlines, createLocalEventBus } from './presence.js';
import { rpcCalls } from './rpc-calls.js';
import { createSessions, type Sessions } from './sessions.js';

export type { PeerConnection, PeerSocket } from './gateway.js';

export interface SignalingHub {
  /** A new connection from `remoteAddress`; over a connection limit it is closed at once (1013). */
  connect(socket: PeerSocket, remoteAddress: string): PeerConnection;
  /** One lobby page for HTTP `GET /v1/sessions` (the same paging as LIST; `text`: the filter's values are a query string's). */
  list(appId: string, appVersion: string, filter: Properties | undefined, limit: number, offset: number, match?: FilterMatch): Promise<ListResult>;
  readonly connectionCount: number;
  /** Webhook notifications: the admin endpoints read and replay through it. */
  readonly webhooks: WebhookDispatcher;
  /** Tells every peer the service is going away, closes their sockets, stops timers. */
  shutdown(): Promise<void>;
  /**
   * Cluster mode (a nodeId): the members bound here are detached for `graceMs` (unseen by the
   * others), then every socket closes with 1012 so the SDKs rejoin on another node at once. Then
   * as shutdown. Without a nodeId it is shutdown.
   */
  drain(graceMs: number, timeoutMs: number): Promise<void>;
  /** Closes every socket with 1012 and carries on (a fenced cluster node: its peers rejoin anywhere). */
  restart(reason: string): void;
  /** Cluster: detaches the members `node` holds in the session (the reaper, for a dead node). */
  detachNode(sessionId: string, node: string, graceMs: number): Promise<void>;
  /** A relay fleet moves a session to another relay (relay-fleet.ts). */
  moveRelay: Sessions['moveRelay'];
}

/** The environment the resolved options describe. */
export function envOf(options: ResolvedOptions): Env {
  return createEnv({ clock: options.clock, logger: options.logger, random: options.randomBytes });
}

export function createSignalingHub(options: ResolvedOptions, metrics: SessionMetrics): SignalingHub {
  const env = envOf(options);
  const bus = options.eventBus ?? createLocalEventBus(env);
  const lobbySignal = lobbySignalOf(bus, env);
  const hooks = lobbyAware(createHookRunner(env, { hooks: options.hooks, metrics }), lobbySignal);
  const deadlines = options.deadlines ?? ((onDue: (sessionId: string) => void) => createLocalDeadlines(env, { onDue }));
  // One egress client for every call to a game's backend (auth providers, plugins, WebRPC).
  const egress = createEgressClient(env, { ...options.egress, registry: metrics.registry });
  const auth = createHelloAuthGate(env, { settings: options, metrics, egress });
  const webhooks = createWebhookDispatcher(env, {
    configOf: (appId) => appExtensions(options.apps, appId)?.webhooks,
    egress,
    region: options.region,
    node: hostname(),
    registry: metrics.registry,
    // Photon's HasErrorInfo: a dead-lettered notification tells the session's members (HOOK_ERROR).
    deadLettered: (letter) =>
      void hookErrorReporter({
        errorInfo: (appId) => appExtensions(options.apps, appId)?.webhooks?.errorInfo === true,
        session: async (sessionId) => (await options.store.get(sessionId))?.session,
        publish: (sessionId, deliveries) => bus.publish(sessionId, deliveries),
      })(letter).catch((error: unknown) => env.logger.warn({ err: error, sessionId: letter.sessionId }, 'webhook: HOOK_ERROR not sent')),
  });
  // No app has webhooks: commits skip the dispatcher's per-app look-up (the admin routes still read its log).
  const sessions = createSessions(env, { settings: options, metrics, bus, hooks, deadlines, egress, auth, ...(anyAppHas(options.apps, 'webhooks') ? { webhooks } : {}) });
  const lobby = createLobbyFeed(env, {
    list: sessions.list,
    signal: lobbySignal,
    codec: createSignalingCodec({ maxFrameBytes: options.maxFrameBytes }),
    maxSubscribers: options.maxLobbySubscribers,
    updateIntervalMs: options.lobbyUpdateIntervalMs,
  });
  const codec = createSignalingCodec({ maxFrameBytes: options.maxFrameBytes });
  const rpc = createRpcService(env, {
    config: (appId) => appExtensions(options.apps, appId)?.rpc,
    egress,
    region: options.region,
    fits: (result) => codec.encode({ type: ReplyType.RESPONSE, id: PROTOCOL_MAX_REQUEST_ID, request: RequestType.RPC, result }).length <= options.maxFrameBytes,
    registry: metrics.registry,
    plugin: async (caller, path, params, signal) => (caller.session ? sessions.pluginRpc(caller.session.id, caller.session.actor, path, params, signal) : undefined),
  });
  const dispatch = createDispatch(env, { sessions, metrics, lobby, rpc: rpcCalls(rpc, options.store), auth });
  const gateway = createGateway(env, {
    limits: options,
    metrics,
    dispatch,
    disconnected: (peer) => {
      lobby.drop(peer);
      return sessions.drop(peer);
    },
    shuttingDown: (peers) => {
      lobby.close();
      sessions.shutdown(peers);
    },
  });
  return {
    connect: (socket, remoteAddress) => gateway.connect(socket, remoteAddress),
    list: (appId, appVersion, filter, limit, offset, match) => sessions.list(appKeyOf(appId, appVersion), filter, limit, offset, match),
    get connectionCount() {
      return gateway.connectionCount;
    },
    webhooks,
    shutdown: async () => {
      await gateway.shutdown();
      webhooks.shutdown();
      await egress.close();
    },
    drain: async (graceMs, timeoutMs) => {
      const node = options.nodeId;
      if (node !== undefined) {
        const bound = new Set<string>();
        for (const peer of gateway.peers()) if (peer.membership) bound.add(peer.membership.sessionId);
        const detached = Promise.allSettled([...bound].map((sessionId) => sessions.detachNode(sessionId, node, graceMs)));
        let timer: TimerHandle | undefined;
        await Promise.race([detached, new Promise<void>((resolve) => (timer = env.clock.setTimeout(resolve, timeoutMs)))]);
        env.clock.clearTimeout(timer);
      }
      await gateway.shutdown(node === undefined ? undefined : CloseCode.SERVICE_RESTART, 'this node is draining: reconnect and rejoin');
      webhooks.shutdown();
      await egress.close();
    },
    restart: (reason) => gateway.closeAll(CloseCode.SERVICE_RESTART, reason),
    detachNode: (sessionId, node, graceMs) => sessions.detachNode(sessionId, node, graceMs),
    moveRelay: (sessionId, move) => sessions.moveRelay(sessionId, move),
  };
}
