/**
 * The plugin runtime of one session service: makes each session's plugin through its app's
 * factory, runs the gates a request waits on (onCreate, beforeJoin, beforeSetProperties) and
 * queues the notifications of every stored change (onJoin, onLeave, onSetProperties, close) on
 * the session's executor, in commit order — so a peer's onJoin always completes before its
 * onLeave. Gates run outside the store's compare-and-set; the model re-validates at commit.
 */
import { PunchthroughError, fullBucket, type Env, type JsonValue } from '../../core/index.js';
import type { ConnectedRequest, CreateOptions, Properties, SetPropertiesRequest } from '../protocol/index.js';
import type { SessionEvent } from '../session/domain-events.js';
import { memberOf, newSession, type Change, type Member, type MemberAddresses, type Session, type SessionSettings } from '../session/model.js';
import type { Peer } from '../session/peer.js';
import type { Registry } from 'prom-client';
import { gateError } from './calls.js';
import { deadlinesOf } from './config.js';
import { PLUGIN_MAX_QUEUED_CALLS, PLUGIN_STATE_MAX_BYTES } from './constants.js';
import { createInvoke, type Entry } from './entry.js';
import { createExecutor } from './executor.js';
import { ACTION_RATE, EVENT_RATE, checkedJson, createHost, type SessionAccess } from './host.js';
import type { HttpSlot } from './http.js';
import { createPluginMetrics } from './metrics.js';
import { readOverrides, readRewrite } from './results.js';
import type { CallBase, LeaveReason, PeerContext, PluginHttp, PluginsConfig, RpcAnswer } from './types.js';
import { identityOf, memberContext } from './view.js';
import { boundedJson } from '../protocol/index.js';

export interface PluginRuntimeOptions {
  /** The plugins of an app ('*' applied), if it has any. */
  pluginsOf(appId: string): PluginsConfig | undefined;
  registry: Registry;
  access: SessionAccess;
  /** host.http of a session's plugin. */
  http(slot: HttpSlot): PluginHttp;
}

/** A create's plugin, made and asked (onCreate) before the session is stored. */
export interface PreparedCreate {
  /** The settings to create with (onCreate's overrides applied). */
  readonly settings: SessionSettings;
  /** The session record with the plugin's name and initial state. */
  stamp(session: Session): Session;
  /** The session is stored: the plugin serves it from now on. */
  activate(session: Session): void;
  /** The create failed after all: the plugin and its timers go. */
  discard(): void;
}

export interface PluginRuntime {
  prepareCreate(peer: Peer, request: CreateOptions, sessionId: string, appKey: string, name: string, settings: SessionSettings): Promise<PreparedCreate>;
  /** beforeJoin of a join, random join or rejoin: throws the refusal; also when the peer left meanwhile. */
  beforeJoin(peer: Peer, session: Session, kind: 'join' | 'random' | 'rejoin', actor?: number): Promise<void>;
  /** beforeSetProperties: the request to apply (maybe rewritten), or undefined when the plugin cancelled it. */
  beforeSetProperties<R extends Pick<SetPropertiesRequest, 'properties' | 'lobbyKeys' | 'open' | 'visible'>>(peer: Peer, session: Session, actor: number, request: R): Promise<R | undefined>;
  /** A change was stored: its notifications queue on the session's executor. */
  committed(before: Session, change: Change<unknown>): void;
  addresses(sessionId: string, actor: number, addresses: MemberAddresses): void;
  /** onRpc of a member's WebRPC: its answer, or undefined to go on to HTTP. Not checked here: the RPC service checks every answer as if from the network. */
  rpc(sessionId: string, actor: number, path: string, params: JsonValue | undefined, signal: AbortSignal): Promise<RpcAnswer | undefined>;
  connected(sessionId: string, actor: number, request: ConnectedRequest): void;
  /** The service stops: every timer and queue ends (the stored sessions outlive it; no onClose). */
  shutdown(): void;
}

const NO_PLUGIN = (settings: SessionSettings): PreparedCreate => ({ settings, stamp: (s) => s, activate: () => undefined, discard: () => undefined });

const stateSchema = boundedJson(32, PLUGIN_STATE_MAX_BYTES);

export function createPluginRuntime(env: Env, options: PluginRuntimeOptions): PluginRuntime {
  const { clock, logger } = env;
  const { access } = options;
  const metrics = createPluginMetrics(options.registry);
  const invoke = createInvoke(clock, metrics);
  const entries = new Map<string, Entry>();

  /** No timer runs any more, no host action is taken; HTTP calls go on until `end` (beforeClose may still flush state). */
  const dispose = (entry: Entry): void => {
    entry.closing = true;
    for (const handle of entry.timers) {
      clock.clearTimeout(handle);
      clock.clearInterval(handle);
    }
    entry.timers.clear();
  };

  /** Queues a notification (nobody waits for it; its outcome is counted and logged). */
  const notify = (entry: Entry, callback: keyof NonNullable<Entry['plugin']>, call: (base: CallBase) => object): void => {
    const fn = entry.plugin?.[callback];
    if (typeof fn !== 'function') return;
    void invoke(entry, callback, (base) => (fn as (c: object) => unknown).call(entry.plugin, call(base)), { budgetMs: entry.deadlines.notificationMs });
  };

  /** Runs a gate for a peer's request: its deadline counts from now (queueing included); the peer's close aborts it. */
  const gate = async (entry: Entry, callback: 'onCreate' | 'beforeJoin' | 'beforeSetProperties' | 'onRpc', peer: Pick<Peer, 'signal'>, call: (base: CallBase) => object): Promise<unknown> => {
    const fn = entry.plugin?.[callback];
    if (typeof fn !== 'function') return undefined;
    const settled = await invoke(entry, callback, (base) => (fn as (c: object) => unknown).call(entry.plugin, call(base)), {
      deadline: clock.now() + entry.deadlines.gateMs,
      budgetMs: entry.deadlines.gateMs,
      ...(peer.signal ? { abortWith: peer.signal } : {}),
    });
    const refusal = gateError(settled, callback, entry.deadlines.gateMs);
    if (refusal) throw refusal;
    return settled.kind === 'value' ? settled.value : undefined;
  };

  const joiner = (peer: Peer, member?: Member): PeerContext =>
    member ? memberContext(member, peer.address) : Object.freeze({ mode: 'client' as const, ...identityOf(peer), remoteAddress: peer.address });

  const leaveReason = (entry: Entry, event: Extract<SessionEvent, { type: 'memberLeft' }>): LeaveReason => {
    switch (event.reason) {
      case 'left':
        return 'left';
      case 'timeout':
        return entry.inactive.has(event.actor) ? 'playerTtlTimedOut' : 'clientDisconnect';
      case 'kicked':
        return entry.removing.delete(event.actor) ? 'pluginRequest' : 'kicked';
      case 'connectRefused':
        return 'connectRefused';
    }
  };

  const end = (entry: Entry): void => {
    dispose(entry);
    entry.aborter.abort();
    entry.executor.close();
  };

  const closed = (entry: Entry, reason: Extract<SessionEvent, { type: 'sessionClosed' }>['reason']): void => {
    entries.delete(entry.sessionId);
    dispose(entry);
    notify(entry, 'beforeClose', (base) => ({ ...base, reason }));
    notify(entry, 'onClose', (base) => ({ ...base, reason }));
    // After onClose (queued last): nothing of this session runs again.
    void entry.executor.run(() => undefined, { budgetMs: 1 }, () => undefined).then(() => end(entry));
  };

  return {
    async prepareCreate(peer, request, sessionId, appKey, name, settings) {
      const appId = peer.hello?.appId ?? '';
      const config = options.pluginsOf(appId);
      const asked = request.plugin;
      if (!config) {
        if (asked !== undefined) throw new PunchthroughError('PLUGIN_MISMATCH', `this app has no plugins (asked for "${asked}")`);
        return NO_PLUGIN(settings);
      }
      const pluginName = asked ?? config.defaultPlugin;
      if (pluginName === undefined) {
        if (config.required) throw new PunchthroughError('PLUGIN_MISMATCH', 'this app requires a session plugin: name one (CreateOptions.plugin)');
        return NO_PLUGIN(settings);
      }
      if (!config.factory.names.includes(pluginName)) throw new PunchthroughError('PLUGIN_MISMATCH', `this app has no plugin named "${pluginName}"`);
      const deadlines = deadlinesOf(config);
      const entry: Entry = {
        sessionId,
        name: pluginName,
        config,
        deadlines,
        plugin: undefined,
        executor: createExecutor(clock, PLUGIN_MAX_QUEUED_CALLS),
        session: newSession(sessionId, appKey, name, settings, clock.now()),
        stored: false,
        state: undefined,
        closing: false,
        timers: new Set(),
        inactive: new Set(),
        removing: new Set(),
        own: new WeakSet(),
        eventBucket: fullBucket(EVENT_RATE, clock.now()),
        actionBucket: fullBucket(ACTION_RATE, clock.now()),
        aborter: new AbortController(),
        logger: logger.child({ sessionId, plugin: pluginName }),
      };
      const [, appVersion = ''] = appKey.split('\u0000');
      const host = createHost(entry, appId, appVersion, { clock, access, invoke, metrics, http: options.http({ httpInFlight: 0, signal: entry.aborter.signal }) });
      const discard = (): void => end(entry);
      try {
        // The factory runs on the session's executor too, within the gate's deadline.
        const made = await invoke(entry, 'create', () => config.factory.create(pluginName, host, { ...config.config }), {
          deadline: clock.now() + deadlines.gateMs,
          budgetMs: deadlines.gateMs,
        });
        const refusal = gateError(made, 'the factory', deadlines.gateMs);
        if (refusal) throw refusal;
        const plugin = made.kind === 'value' ? (made.value as { name?: unknown } | undefined) : undefined;
        if (typeof plugin !== 'object' || plugin === null || plugin.name !== pluginName) {
          throw new PunchthroughError('PLUGIN_MISMATCH', `the factory made no plugin named "${pluginName}"`);
        }
        entry.plugin = plugin as Entry['plugin'];
        const creator = Object.freeze({ mode: 'server' as const, ...identityOf(peer), remoteAddress: peer.address });
        const returned = await gate(entry, 'onCreate', peer, (base) => ({ ...base, peer: creator, options: Object.freeze({ ...settings }), name }));
        const overrides = readOverrides(returned);
        if (overrides instanceof PunchthroughError) {
          entry.logger.error({ err: overrides }, 'plugin.error: onCreate returned invalid overrides');
          throw new PunchthroughError('PLUGIN_ERROR', "the session's plugin failed in onCreate");
        }
        const { state, ...changed } = overrides ?? {};
        if (state !== undefined) entry.state = checkedJson(access, state, PLUGIN_STATE_MAX_BYTES, stateSchema, 'plugin state');
        const final = overrides ? access.settingsFrom({ ...settings, ...changed }) : settings;
        return {
          settings: final,
          stamp: (s) => ({ ...s, plugin: pluginName, ...(entry.state === undefined ? {} : { pluginState: entry.state }) }),
          activate(session) {
            entry.session = session;
            entry.stored = true;
            entries.set(sessionId, entry);
          },
          discard,
        };
      } catch (error) {
        discard();
        throw error;
      }
    },

    async beforeJoin(peer, session, kind, actor) {
      const entry = entries.get(session.sessionId);
      if (!entry) return;
      const member = actor === undefined ? undefined : memberOf(session, actor);
      const verdict = await gate(entry, 'beforeJoin', peer, (base) => ({ ...base, peer: joiner(peer, member), kind }));
      if (verdict === 'skip') throw new PunchthroughError('PLUGIN_REPORTED_ERROR', "the session's plugin skipped this join", { detail: { reason: 'skip' } });
      // The joiner's socket closed while the plugin decided: the join is abandoned before admission.
      if (peer.closed) throw new PunchthroughError('NOT_IN_SESSION', 'the connection closed while the plugin decided');
    },

    async beforeSetProperties(peer, session, actor, request) {
      const entry = entries.get(session.sessionId);
      if (!entry) return request;
      const member = memberOf(session, actor);
      const asked = Object.freeze({ properties: request.properties, lobbyKeys: request.lobbyKeys, open: request.open, visible: request.visible });
      const verdict = await gate(entry, 'beforeSetProperties', peer, (base) => ({ ...base, peer: joiner(peer, member), request: asked }));
      if (verdict === 'cancel') return undefined;
      const rewrite = readRewrite(verdict);
      if (rewrite instanceof PunchthroughError) {
        entry.logger.error({ err: rewrite }, 'plugin.error: beforeSetProperties returned an invalid rewrite');
        throw new PunchthroughError('PLUGIN_ERROR', "the session's plugin failed in beforeSetProperties");
      }
      if (!rewrite) return request;
      access.checkProperties(rewrite.properties);
      return { ...request, ...rewrite };
    },

    committed(before, change) {
      const entry = entries.get(before.sessionId);
      if (!entry) return;
      if (change.next) entry.session = change.next;
      const creating = change.events.some((e) => e.type === 'sessionCreated');
      for (const event of change.events) {
        switch (event.type) {
          case 'memberJoined': {
            entry.inactive.delete(event.actor);
            const member = change.next && memberOf(change.next, event.actor);
            if (creating || !member) break;
            notify(entry, 'onJoin', (base) => ({ ...base, peer: memberContext(member), rejoined: event.rejoined }));
            break;
          }
          case 'memberInactive': {
            entry.inactive.add(event.actor);
            const member = memberOf(before, event.actor);
            if (member) notify(entry, 'onLeave', (base) => ({ ...base, peer: memberContext(member), reason: 'clientDisconnect', isInactive: true }));
            break;
          }
          case 'memberLeft': {
            const reason = leaveReason(entry, event);
            entry.inactive.delete(event.actor);
            const member = memberOf(before, event.actor);
            if (member) notify(entry, 'onLeave', (base) => ({ ...base, peer: memberContext(member), reason, isInactive: false }));
            break;
          }
          case 'propertiesChanged': {
            if (entry.own.has(event)) break;
            const member = memberOf(before, event.actor);
            const changed: Properties = { ...event.properties };
            if (member) notify(entry, 'onSetProperties', (base) => ({ ...base, peer: memberContext(member), properties: changed, open: event.open, visible: event.visible }));
            break;
          }
          case 'sessionClosed':
            entry.session = before;
            closed(entry, event.reason);
            break;
          case 'sessionCreated':
            break;
        }
      }
    },

    addresses(sessionId, actor, addresses) {
      const entry = entries.get(sessionId);
      const member = entry && memberOf(entry.session, actor);
      if (!entry || !member) return;
      const { reflexive, natType } = addresses;
      notify(entry, 'onAddresses', (base) => ({ ...base, peer: memberContext(member), ...(reflexive ? { reflexive } : {}), ...(natType ? { natType } : {}) }));
    },

    async rpc(sessionId, actor, path, params, signal) {
      const entry = entries.get(sessionId);
      const member = entry && memberOf(entry.session, actor);
      if (!entry || !member || typeof entry.plugin?.onRpc !== 'function') return undefined;
      const answer = await gate(entry, 'onRpc', { signal }, (base) => ({ ...base, peer: memberContext(member), path, ...(params === undefined ? {} : { params }) }));
      return answer as RpcAnswer | undefined;
    },

    connected(sessionId, actor, request) {
      const entry = entries.get(sessionId);
      const member = entry && memberOf(entry.session, actor);
      if (!entry || !member) return;
      notify(entry, 'onPeerConnected', (base) => ({ ...base, peer: memberContext(member), path: request.path, ms: request.ms }));
    },

    shutdown() {
      for (const entry of entries.values()) end(entry);
      entries.clear();
    },
  };
}

