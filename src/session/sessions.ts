/**
 * The sessions service: every request that touches a session runs here. It reads the session,
 * applies the pure model change, stores it with a versioned compare-and-set (re-reading and
 * re-applying on a conflict), then publishes the deliveries, re-arms the session's deadline and
 * calls the lifecycle hooks. Step numbers are those of docs/connection-process.md.
 */
import type { Env } from '../../core/index.js';
import {
  EventType,
  PROTOCOL_VERSION,
  eventForPeer,
  createSignalingCodec,
  type ConnectedRequest,
  type PathReportRequest,
  type CreateOptions,
  type CreateRequest,
  type HelloRequest,
  type HelloResult,
  type JoinRandomRequest,
  type JoinRequest,
  type JoinResult,
  type KickRequest,
  type PeerMode,
  type RejoinRequest,
  type RelayChangeReason,
  type ReportAddressesRequest,
  type RestoreRequest,
  type SetPropertiesRequest,
} from '../protocol/index.js';
import { knownAddressesFor } from './addresses.js';
import { createRequestChecks } from './checks.js';
import { kickRequest } from './kick.js';
import type { HookRunner } from './hook-runner.js';
import type { HelloAuthGate } from './hello-auth.js';
import type { CallerContext } from './hooks.js';
import type { SessionMetrics } from './metrics.js';
import { admit, appKeyOf, create, remove, setProperties } from './model.js';
import { expire, nextDeadline } from './expiry.js';
import type { Change, Member, NewMember, Outcome, Session } from './model.js';
import type { ResolvedOptions } from './options.js';
import type { Peer } from './peer.js';
import { placeOn } from './placement.js';
import { detachNode } from './node-failover.js';
import { applyChange } from './store-update.js';
import { notFoundMessage, reportPeerAddresses } from './peer-reports.js';
import type { DeadlineScheduler, EventBus } from './presence.js';
import { createReconnectHandlers, type MakeSession } from './reconnect-handlers.js';
import { createSessionQuotas } from './quotas.js';
import { refuse } from './request-error.js';
import { createTicketRefresher } from './ticket-refresh.js';
import { issuerOf, moveSessionRelay, relayForNewSession, type MoveResult } from './relay-fleet.js';
import { sessionInfo } from './views.js';
import { replyJoined } from './join-start.js';
import { createLobbyList, type LobbyList } from './lobby-list.js';
import { createJoinRandom } from './random-or-create.js';
import { anyAppHas, appExtensions } from './apps.js';
import { sessionPlugins } from '../plugins/session-plugins.js';
import type { PluginRuntime } from '../plugins/runtime.js';
import type { EgressClient } from '../egress/index.js';
import type { WebhookDispatcher } from '../webhooks/dispatcher.js';

/** Sends a join's reply; the start event and known addresses follow it in the same tick. */
export type JoinReply = (result: JoinResult) => void;

export interface Sessions {
  hello(peer: Peer, request: HelloRequest): Promise<HelloResult>;
  create(peer: Peer, request: CreateRequest, reply: JoinReply): Promise<void>;
  join(peer: Peer, request: JoinRequest, reply: JoinReply): Promise<void>;
  joinRandom(peer: Peer, request: JoinRandomRequest, reply: JoinReply): Promise<void>;
  rejoin(peer: Peer, request: RejoinRequest, reply: JoinReply): Promise<void>;
  /** A host re-establishes a session this service lost (reconnect-handlers.ts). */
  restore(peer: Peer, request: RestoreRequest, reply: JoinReply): Promise<void>;
  leave(peer: Peer): Promise<void>;
  /** One lobby page: at most `limit` entries and the byte budget, from `offset` on. */
  list: LobbyList;
  setProperties(peer: Peer, request: SetPropertiesRequest): Promise<void>;
  /** `reply` is sent before the change is applied (a repeat or a refusal sends nothing else). */
  reportAddresses(peer: Peer, request: ReportAddressesRequest, reply: () => void): Promise<void>;
  connected(peer: Peer, request: ConnectedRequest): void;
  /** A connected client's pair moved to another path (PATH_REPORT): handed to the statistics. */
  pathReport(peer: Peer, request: PathReportRequest): void;
  /** The server removes a member (KICK): NOT_ALLOWED for anyone else. */
  kick(peer: Peer, request: KickRequest): Promise<void>;
  /** The peer's socket is gone: held for the reconnect grace, then inactive (or gone, with a zero player TTL). */
  drop(peer: Peer): Promise<void>;
  /** Tells the sessions of `peers` the service is going away and stops every deadline. */
  shutdown(peers: Iterable<Peer>): void;
  /** Cluster: holds the members `node` has in the session detached for `graceMs` (a dead node's, or this one's draining). */
  detachNode(sessionId: string, node: string, graceMs: number): Promise<void>;
  /** The session plugin's answer to a member's WebRPC (undefined: it has none). */
  pluginRpc: PluginRuntime['rpc'];
  /** A relay fleet moves the session from relay `from` to `to` (RELAY_CHANGED to its members; relay-fleet.ts). */
  moveRelay(sessionId: string, move: { from: string; to: string; reason: RelayChangeReason; minIntervalMs: number }): Promise<MoveResult | undefined>;
}

export interface SessionsOptions {
  settings: ResolvedOptions;
  metrics: SessionMetrics;
  bus: EventBus;
  /** Makes the deadline scheduler, given what to do when a session's deadline comes. */
  deadlines: (onDue: (sessionId: string) => void) => DeadlineScheduler;
  hooks: HookRunner;
  /** Custom authentication in hello (hello-auth.ts). Default: none. */
  auth?: HelloAuthGate;
  /** The one egress client (plugins' host.http). */
  egress?: EgressClient;
  /** Webhook notifications of every stored change (queued, never awaited). Default: none. */
  webhooks?: WebhookDispatcher;
}

/** App ids and versions: a safe character set, so no two (id, version) pairs share a key. */
const APP_ID_PATTERN = /^[A-Za-z0-9._+:-]+$/;
const APP_VERSION_PATTERN = /^[A-Za-z0-9._+:-]*$/;

export function createSessions(env: Env, options: SessionsOptions): Sessions {
  const { settings, metrics, bus, hooks } = options;
  const { clock, logger } = env;
  const { store } = settings;
  const codec = createSignalingCodec({ maxFrameBytes: settings.maxFrameBytes });
  const checks = createRequestChecks(settings, codec);
  const access = { update: <R>(id: string, attempt: (s: Session) => Outcome<R>) => update(id, attempt), publish: bus.publish.bind(bus), egress: options.egress };
  // The webhook gates wrap every create and join: only when some app has webhooks.
  const webhookGates = anyAppHas(settings.apps, 'webhooks') ? { webhooksOf: (appId: string) => appExtensions(settings.apps, appId)?.webhooks } : {};
  const plugins = sessionPlugins(env, { settings, checks, codec, registry: metrics.registry, pluginsOf: (appId) => appExtensions(settings.apps, appId)?.plugins, ...access, ...webhookGates });
  const relays = settings.relays;
  const tickets = createTicketRefresher(clock, logger, !relays ? () => settings.relay : async (id) => issuerOf((await store.get(id))?.session, relays, settings.relay));
  const quotas = createSessionQuotas(clock, store, settings);

  const deadlines = options.deadlines((sessionId) => {
    void update(sessionId, (s) => ({ ok: true, change: expire(s, clock.now()) })).catch((error: unknown) => {
      metrics.handlerErrors.inc();
      logger.error({ err: error, sessionId }, 'session expiry failed');
    });
  });

  /** After a change is stored: deliveries, relay tickets, the deadline, the lifecycle hooks. */
  // `routed`: the store's write already handed the deliveries to the members' nodes (routesDeliveries).
  const commit = (before: Session, change: Change<unknown>, routed = false): void => {
    const { sessionId } = before;
    if (!routed) bus.publish(sessionId, change.deliveries);
    const revoke = settings.relay?.revoke;
    if (!change.next) {
      bus.forget(sessionId);
      deadlines.arm(sessionId, undefined);
      quotas.closed(sessionId);
      revoke?.(sessionId);
      if (before.relay) relays?.released?.(before.relay.id, sessionId);
      metrics.sessions.dec();
    } else {
      // Members gone from the session: their relay tickets stop working.
      for (const event of change.events) if (event.type === 'memberLeft') revoke?.(sessionId, event.actor);
      deadlines.arm(sessionId, nextDeadline(change.next));
    }
    hooks.committed(change.events, change.next);
    plugins.committed(before, change);
    options.webhooks?.committed(before, change);
    settings.connectReports?.committed(before, change);
  };

  // The version a shared store wrote each state at (by the state object): welcome's floor for its inbox events.
  const committedVersion = new WeakMap<Session, number>();

  /** Applies a pure change to the stored session (store-update.ts), then commits it. Undefined when there is no such session. */
  const update = async <R>(sessionId: string, attempt: (s: Session) => Outcome<R>): Promise<Outcome<R> | undefined> => {
    const applied = await applyChange(store, sessionId, attempt);
    if (applied?.outcome.ok && applied.version !== undefined && applied.outcome.change.next) committedVersion.set(applied.outcome.change.next, applied.version);
    if (applied?.outcome.ok) commit(applied.before, applied.outcome.change, applied.routed);
    return applied?.outcome;
  };

  // The labelled child per kind, found once: `inc({ kind })` hashes the labels on every join.
  const joinCounters = new Map<string, ReturnType<SessionMetrics['joins']['labels']>>();
  const joinCounter = (kind: string) => joinCounters.get(kind) ?? joinCounters.set(kind, metrics.joins.labels(kind)).get(kind)!;

  // A view of the random bytes, not a copy (four tokens per join).
  const token = (length: number): string => {
    const bytes = settings.randomBytes(length);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  };

  const newMember = (peer: Peer, mode: PeerMode, connectionToken?: Uint8Array): NewMember => ({
    mode,
    ...(connectionToken ? { connectionToken } : {}),
    peerId: token(9),
    rejoinToken: token(18),
    pairSecret: settings.randomBytes(32),
    ...(peer.userId === undefined ? {} : { userId: peer.userId }),
    ...(peer.nickname === undefined ? {} : { nickname: peer.nickname }),
    ...(peer.authCookie === undefined ? {} : { authCookie: peer.authCookie }),
  });

  const caller = (peer: Peer): CallerContext => ({
    appId: peer.hello?.appId ?? '',
    appVersion: peer.hello?.appVersion ?? '',
    ...(peer.userId === undefined ? {} : { userId: peer.userId }),
    remoteAddress: peer.address,
  });

  const appKey = (peer: Peer): string => peer.hello?.appKey ?? refuse('INVALID_REQUEST', 'the first request must be hello');

  /** Creation and joining steps 3–6: the reply, then start with STUN and relay settings. */
  const welcome = (peer: Peer, reply: JoinReply, session: Session, member: Member, created: boolean, kind: string): void => {
    const { sessionId } = session;
    const detach = bus.attach(sessionId, member.actor, (event) => {
      // The session closed, or the server kicked this member: this connection is no longer in it (wherever that happened).
      const ended = event.type === EventType.SESSION_CLOSED || event.type === EventType.KICKED;
      if (ended && peer.membership?.sessionId === sessionId && peer.membership.actor === member.actor) unbind(peer);
      const told = eventForPeer(event, peer.features);
      // The session moved to another relay: this grant is the one to refresh from now on.
      if (told?.type === EventType.RELAY_CHANGED) tickets.rearm(peer, sessionId, member.actor, told.relay.expiresAtMs);
      if (told) peer.deliver(told);
    }, committedVersion.get(session));
    peer.membership = { sessionId, actor: member.actor, mode: member.mode, connection: member.connection ?? 0, detach };
    reconnects.entered(peer);
    peer.reportedAt = undefined;
    joinCounter(kind).inc();
    const relay = issuerOf(session, relays, settings.relay);
    const grant = tickets.grant(peer, sessionId, member.actor, relay);
    replyJoined(peer, reply, sessionInfo(session), { actor: member.actor, peerId: member.peerId, mode: member.mode, created, rejoinToken: member.rejoinToken }, {
      stunServers: settings.stunServers,
      ...(relay && grant ? { relay: { endpoint: relay.endpoint, ...(relay.wsUrl ? { wsUrl: relay.wsUrl } : {}), ...grant } } : {}),
    });
    // Connection steps 1–2 when the other side reported first.
    bus.publish(sessionId, knownAddressesFor(session, member.actor));
  };

  const unbind = (peer: Peer) => {
    const membership = peer.membership;
    if (!membership) return undefined;
    peer.membership = undefined;
    membership.detach();
    tickets.disarm(peer);
    return membership;
  };

  const requireMembership = (peer: Peer) => peer.membership ?? refuse('NOT_IN_SESSION', 'not in a session');

  const throwIfRefused = (outcome: Outcome<unknown> | undefined, notFound: string): void => {
    if (!outcome) refuse('SESSION_NOT_FOUND', notFound);
    if (!outcome.ok) refuse(outcome.code, outcome.message);
  };

  /** Creation steps 2–5: create the session with its properties, enter as its server. False: the name is taken. */
  // A restore passes how to make the session.
  const createSession = async (peer: Peer, request: CreateOptions, name: string | undefined, reply: JoinReply, make?: MakeSession, arrivedAt = clock.now()) => {
    if (peer.sessionsCreated >= settings.maxSessionsPerConnection) {
      refuse('LIMIT_EXCEEDED', `a connection may create at most ${settings.maxSessionsPerConnection} sessions`);
    }
    await quotas.check(peer.address);
    const sessionSettings = checks.settingsFrom(request);
    // The id is also the name of a session created without one, which players type after
    // `--session`: a leading '-' would read as a flag, so it becomes a letter (72 random bits stay ~72).
    const sessionId = token(12).replace(/^-/, 'x');
    // No hook, no context to build and no await (every create and join asked the runner before).
    if (settings.hooks.authorizeCreate) await hooks.authorizeCreate({ ...caller(peer), name: name ?? sessionId, settings: sessionSettings });
    // The hook may have taken a while: the limits above are checked again where they could have moved.
    quotas.checkTotal();
    const plugin = await plugins.prepareCreate(peer, request, sessionId, appKey(peer), name ?? sessionId, sessionSettings, arrivedAt);
    const now = clock.now();
    const made = make ? make(sessionId, plugin.settings, now) : create(sessionId, appKey(peer), name ?? sessionId, plugin.settings, newMember(peer, 'server'), now);
    const created = placeOn(made, settings.nodeId);
    if (!created.ok) plugin.discard();
    if (!created.ok) refuse(created.code, created.message);
    const placed = relayForNewSession(relays, sessionId);
    if (!placed.ok) plugin.discard();
    if (!placed.ok) refuse(placed.code, placed.message);
    const session = plugin.stamp({ ...created.change.next!, ...(placed.relay ? { relay: placed.relay } : {}) });
    if (!(await store.insert(session))) {
      // Not created (its name was taken meanwhile): the fleet forgets the placement's session.
      if (placed.relay) relays?.released?.(placed.relay.id, sessionId);
      return plugin.discard(), false;
    }
    plugin.activate(session);
    peer.sessionsCreated += 1;
    quotas.created(sessionId, peer.address);
    metrics.sessions.inc();
    welcome(peer, reply, session, created.change.result, true, make ? 'restore' : 'create');
    deadlines.arm(sessionId, nextDeadline(session));
    hooks.committed(created.change.events, session);
    options.webhooks?.committed(undefined, { next: session, events: created.change.events });
    return true;
  };

  /** Joining steps 2–5: enter an existing session as a client. */
  const enter = async (peer: Peer, session: Session, kind: 'join' | 'random', reply: JoinReply, token?: Uint8Array, arrivedAt = clock.now()): Promise<Outcome<Member> | undefined> => {
    if (settings.hooks.authorizeJoin) await hooks.authorizeJoin({ ...caller(peer), session, kind });
    await plugins.beforeJoin(peer, session, kind, undefined, arrivedAt);
    const outcome = await update(session.sessionId, (s) => placeOn(admit(s, newMember(peer, 'client', token), clock.now()), settings.nodeId));
    if (outcome?.ok) welcome(peer, reply, outcome.change.next!, outcome.change.result, false, kind);
    return outcome;
  };

  const reconnects = createReconnectHandlers({ clock, store, hooks, plugins, checks, settings, token, appKey, caller, update, welcome, unbind, createSession });

  const sessions: Sessions = {
    async hello(peer, request) {
      if (request.protocolVersion !== PROTOCOL_VERSION) {
        refuse('UNSUPPORTED_VERSION', `protocol version ${request.protocolVersion} is not supported; this service speaks ${PROTOCOL_VERSION}`);
      }
      if (!APP_ID_PATTERN.test(request.appId) || !APP_VERSION_PATTERN.test(request.appVersion)) {
        refuse('INVALID_REQUEST', 'app ids and versions may hold only letters, digits and . _ - + :');
      }
      const { appId, appVersion } = request;
      // Before anything can refuse: a refusal's code is sent as this peer understands codes.
      peer.features = new Set(request.features);
      const identity = await hooks.authenticate({
        appId,
        appVersion,
        ...(typeof request.auth === 'string' ? { auth: request.auth } : {}),
        remoteAddress: peer.address,
      });
      const authReply = (await options.auth?.hello(peer, request)) ?? {};
      peer.hello = { appId, appVersion, appKey: appKeyOf(appId, appVersion) };
      // The provider's user id wins over the hook's.
      if (identity.userId !== undefined && peer.userId === undefined) peer.userId = identity.userId;
      return { protocolVersion: PROTOCOL_VERSION, maxFrameBytes: settings.maxFrameBytes, ...authReply };
    },

    async create(peer, request, reply) {
      const name = request.name === undefined ? undefined : checks.validName(request.name);
      if (!(await createSession(peer, request, name, reply))) refuse('SESSION_EXISTS', `a session named "${name}" already exists`);
    },

    async join(peer, request, reply) {
      const name = checks.validName(request.name);
      // Twice: the session may close, or be created, between the look-up and the entry.
      for (let attempt = 0; attempt < 2; attempt++) {
        const existing = await store.findByName(appKey(peer), name);
        if (existing) {
          const outcome = await enter(peer, existing, 'join', reply, request.connectionToken);
          if (outcome) return throwIfRefused(outcome, '');
        } else if (request.createIfNotExists) {
          if (await createSession(peer, request, name, reply)) return;
        } else {
          break;
        }
      }
      refuse('SESSION_NOT_FOUND', notFoundMessage(name, peer));
    },

    joinRandom: createJoinRandom({ store, now: () => clock.now(), appKey, validName: checks.validName, checkProperties: checks.checkProperties, enter, create: createSession }),

    rejoin: (peer, request, reply) => reconnects.rejoin(peer, request, reply),
    restore: (peer, request, reply) => reconnects.restore(peer, request, reply),

    async leave(peer) {
      const membership = unbind(peer) ?? refuse('NOT_IN_SESSION', 'not in a session');
      await update(membership.sessionId, (s) => ({ ok: true, change: remove(s, membership.actor, 'left', clock.now()) }));
    },

    list: createLobbyList(settings, codec),

    async setProperties(peer, request) {
      const membership = requireMembership(peer);
      if (membership.mode !== 'server') refuse('NOT_ALLOWED', "only the session's server may change its properties, open or visible");
      checks.checkProperties(request.properties);
      const stored = await store.get(membership.sessionId);
      if (!stored) refuse('SESSION_NOT_FOUND', 'the session closed');
      const { properties, expected, lobbyKeys, open, visible } = request;
      const change = { properties, expected, lobbyKeys, open, visible };
      await hooks.authorizeChange({ ...caller(peer), session: stored.session, actor: membership.actor, change });
      const allowed = await plugins.beforeSetProperties(peer, stored.session, membership.actor, request);
      if (!allowed) return;
      const outcome = await update(membership.sessionId, (s) => {
        const result = setProperties(s, membership.actor, allowed);
        if (!result.ok) return result;
        // Checked on the state being written: a concurrent change may have grown it since the read.
        const misfit = checks.propertiesMisfit(result.change.next!.properties, result.change.next!.lobbyKeys);
        return misfit ? { ok: false, code: 'LIMIT_EXCEEDED', message: misfit } : result;
      });
      throwIfRefused(outcome, 'the session closed');
    },

    reportAddresses: (peer, request, reply) =>
      reportPeerAddresses({ settings, clock, store, metrics, plugins, update }, requireMembership(peer), peer, request, reply),

    connected(peer, request) {
      const { sessionId, actor } = requireMembership(peer);
      metrics.connectMs.observe({ path: request.path }, request.ms);
      plugins.connected(sessionId, actor, request);
      options.webhooks?.connected(sessionId, actor, request);
      settings.connectReports?.connected(sessionId, actor, request);
    },

    pathReport(peer, request) {
      const { sessionId, actor } = requireMembership(peer);
      settings.connectReports?.pathChanged(sessionId, actor, request);
    },

    kick: (peer, request) => kickRequest(peer, request, update, () => clock.now()),

    drop: (peer) => reconnects.drop(peer),
    detachNode: async (sessionId, node, graceMs) => void (await update(sessionId, (s) => ({ ok: true, change: detachNode(s, node, clock.now(), graceMs) }))),
    pluginRpc: (...args) => plugins.rpc(...args),
    moveRelay: (sessionId, move) => moveSessionRelay(update, relays, sessionId, { ...move, now: clock.now() }),

    shutdown(peers) {
      deadlines.close();
      tickets.close();
      plugins.shutdown();
      // Neither told nor changed: the stored session outlives this process (another node, or this
      // one restarted, takes it over), and its games carry on over UDP. The close that follows
      // (GOING_AWAY) is a cloud loss to the SDK, which rejoins, or restores the session as its host.
      for (const peer of peers) peer.membership = undefined;
    },
  };
  return sessions;
}
