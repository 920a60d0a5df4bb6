/**
 * The plugin runtime of one session service: makes each session's plugin through its app's
 * factory, runs the gates a request waits on (onCreate, beforeJoin, beforeSetProperties) and
 * queues the notifications of every stored change (onJoin, onLeave, onSetProperties, close) on
 * the session's executor, in commit order — so a peer's onJoin always completes before its
 * onLeave. Gates run outside the store's compare-and-set; the model re-validates at commit.
 */
import { PunchthroughError, type Env, type JsonValue } from '../../core/index.js';
import type { ConnectedRequest, CreateOptions, Properties, SetPropertiesRequest } from '../protocol/index.js';
import type { SessionEvent } from '../session/domain-events.js';
import { memberOf, newSession, type Change, type Member, type MemberAddresses, type Session, type SessionSettings } from '../session/model.js';
import type { Peer } from '../session/peer.js';
import type { Registry } from 'prom-client';
import { gateError } from './calls.js';
import { PLUGIN_STATE_MAX_BYTES } from './constants.js';
import { createInvoke, type Entry } from './entry.js';
import { checkedJson, type SessionAccess } from './host.js';
import type { HttpSlot } from './http.js';
import { disposeEntry, endEntry, makeEntry } from './make.js';
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

/**
 * Every gate's deadline is one gate deadline (the app's `gateMs`) after `arrivedAt`, the clock
 * time its request arrived (default: when the runtime is asked): a create's factory and onCreate
 * share one, a random join's candidates share one.
 */
export interface PluginRuntime {
  prepareCreate(peer: Peer, request: CreateOptions, sessionId: string, appKey: string, name: string, settings: SessionSettings, arrivedAt?: number): Promise<PreparedCreate>;
  /**
   * beforeJoin of a join, random join or rejoin: throws the refusal; also when the peer left
   * meanwhile, and PLUGIN_MISMATCH when the session names a plugin this service cannot make.
   */
  beforeJoin(peer: Peer, session: Session, kind: 'join' | 'random' | 'rejoin', actor?: number, arrivedAt?: number): Promise<void>;
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
  /** Sessions taken over whose plugin is being made: later callers wait for the same one. */
  const making = new Map<string, Promise<Entry>>();
  const parts = { clock, logger, access, invoke, metrics, http: options.http };
  let stopped = false;
  const dispose = (entry: Entry): void => disposeEntry(clock, entry);
  const end = (entry: Entry): void => endEntry(clock, entry);

  /**
   * A session this service did not create (a restart over a shared store, another node's) names
   * its plugin: it is made here on first use, with its stored state, and serves the session from
   * then on. Its members joined under the instance that had it, so they count as joined. When it
   * cannot be made here the session's requests are refused (PLUGIN_MISMATCH), never let through.
   */
  const takeOver = async (session: Session, name: string, arrivedAt: number): Promise<Entry> => {
    const [appId = ''] = session.appKey.split('\u0000');
    const config = options.pluginsOf(appId);
    if (!config || !config.factory.names.includes(name)) {
      throw new PunchthroughError('PLUGIN_MISMATCH', `this service cannot make the session's plugin "${name}"`);
    }
    let entry: Entry;
    try {
      entry = await makeEntry(parts, { config, name, session, arrivedAt });
    } catch (error) {
      if (error instanceof PunchthroughError && error.code === 'HOOK_TIMEOUT') throw error;
      logger.error({ err: error, sessionId: session.sessionId, plugin: name }, "plugin.error: a taken-over session's plugin could not be made");
      throw new PunchthroughError('PLUGIN_MISMATCH', `this service could not make the session's plugin "${name}"`);
    }
    if (stopped) {
      end(entry);
      throw new PunchthroughError('SESSION_NOT_FOUND', 'the service stopped');
    }
    entry.stored = true;
    if (session.pluginState !== undefined) entry.state = session.pluginState;
    for (const member of session.members) {
      if (member.restoreProof === undefined) entry.joined.add(member.actor);
      if (member.inactiveUntil !== undefined) entry.inactive.add(member.actor);
    }
    entries.set(session.sessionId, entry);
    return entry;
  };

  /** The session's plugin: the one serving it, or (a session taken over) made now; undefined when it has none. */
  const entryOf = (session: Session, arrivedAt: number): Promise<Entry | undefined> | Entry | undefined => {
    const known = entries.get(session.sessionId);
    if (known || session.plugin === undefined) return known;
    let pending = making.get(session.sessionId);
    if (!pending) {
      pending = takeOver(session, session.plugin, arrivedAt).finally(() => making.delete(session.sessionId));
      making.set(session.sessionId, pending);
    }
    return pending;
  };

  /** Queues a notification (nobody waits for it; its outcome is counted and logged). False: the full queue dropped it. */
  const notify = (entry: Entry, callback: keyof NonNullable<Entry['plugin']>, call: (base: CallBase) => object): boolean => {
    const fn = entry.plugin?.[callback];
    if (typeof fn !== 'function') return true;
    const dropped = entry.executor.full;
    void invoke(entry, callback, (base) => (fn as (c: object) => unknown).call(entry.plugin, call(base)), { budgetMs: entry.deadlines.notificationMs });
    return !dropped;
  };

  /** Runs a gate for a peer's request: its deadline counts from the request's arrival (queueing included); the peer's close aborts it. */
  const gate = async (
    entry: Entry,
    callback: 'onCreate' | 'beforeJoin' | 'beforeSetProperties' | 'onRpc',
    peer: Pick<Peer, 'signal'>,
    call: (base: CallBase) => object,
    arrivedAt = clock.now(),
  ): Promise<unknown> => {
    const fn = entry.plugin?.[callback];
    if (typeof fn !== 'function') return undefined;
    const settled = await invoke(entry, callback, (base) => (fn as (c: object) => unknown).call(entry.plugin, call(base)), {
      deadline: arrivedAt + entry.deadlines.gateMs,
      budgetMs: entry.deadlines.gateMs,
      ...(peer.signal ? { abortWith: peer.signal } : {}),
    });
    const refusal = gateError(settled, callback, entry.deadlines.gateMs);
    if (refusal) throw refusal;
    return settled.kind === 'value' ? settled.value : undefined;
  };

  const joiner = (peer: Peer, member?: Member): PeerContext =>
    member ? memberContext(member, peer.address) : Object.freeze({ mode: 'client' as const, ...identityOf(peer), remoteAddress: peer.address });

  const leaveReason = (entry: Pick<Entry, 'inactive' | 'removing'>, event: Extract<SessionEvent, { type: 'memberLeft' }>): LeaveReason => {
    switch (event.reason) {
      case 'left':
        return 'left';
      case 'timeout':
        return entry.inactive.has(event.actor) ? 'playerTtlTimedOut' : 'clientDisconnect';
      case 'kicked':
        return entry.removing.has(event.actor) ? 'pluginRequest' : 'kicked';
      case 'connectRefused':
        return 'connectRefused';
    }
  };

  const closed = (entry: Entry, reason: Extract<SessionEvent, { type: 'sessionClosed' }>['reason']): void => {
    entries.delete(entry.sessionId);
    dispose(entry);
    notify(entry, 'beforeClose', (base) => ({ ...base, reason }));
    notify(entry, 'onClose', (base) => ({ ...base, reason }));
    // After onClose (queued last): nothing of this session runs again.
    void entry.executor.run(() => undefined, { budgetMs: 1 }, () => undefined).then(() => end(entry));
  };

  /** Queues the notifications of a stored change, in commit order. */
  const notifyChange = (entry: Entry, before: Session, change: Change<unknown>): void => {
    if (change.next) entry.session = change.next;
    const creating = change.events.some((e) => e.type === 'sessionCreated');
    for (const event of change.events) {
      switch (event.type) {
        case 'memberJoined': {
          entry.inactive.delete(event.actor);
          const member = change.next && memberOf(change.next, event.actor);
          if (creating || !member) break;
          if (notify(entry, 'onJoin', (base) => ({ ...base, peer: memberContext(member), rejoined: event.rejoined }))) entry.joined.add(event.actor);
          break;
        }
        case 'memberInactive': {
          entry.inactive.add(event.actor);
          const member = memberOf(before, event.actor);
          if (member && entry.joined.has(event.actor)) notify(entry, 'onLeave', (base) => ({ ...base, peer: memberContext(member), reason: 'clientDisconnect', isInactive: true }));
          break;
        }
        case 'memberLeft': {
          const reason = leaveReason(entry, event);
          entry.removing.delete(event.actor);
          entry.inactive.delete(event.actor);
          const member = memberOf(before, event.actor);
          // Never an onLeave without its onJoin (docs/plugins.md, "Order").
          if (member && entry.joined.delete(event.actor)) notify(entry, 'onLeave', (base) => ({ ...base, peer: memberContext(member), reason, isInactive: false }));
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
  };

  return {
    async prepareCreate(peer, request, sessionId, appKey, name, settings, arrivedAt = clock.now()) {
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
      // The factory runs on the session's executor too; it and onCreate share one deadline from the request's arrival.
      const unstored = newSession(sessionId, appKey, name, settings, clock.now());
      const entry = await makeEntry(parts, { config, name: pluginName, session: unstored, arrivedAt });
      const discard = (): void => {
        if (entries.get(sessionId) === entry) entries.delete(sessionId);
        end(entry);
      };
      try {
        const creator = Object.freeze({ mode: 'server' as const, ...identityOf(peer), remoteAddress: peer.address });
        const returned = await gate(entry, 'onCreate', peer, (base) => ({ ...base, peer: creator, options: Object.freeze({ ...settings }), name }), arrivedAt);
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
          stamp: (s) => {
            // Serves the session from its insert on: a join can commit before `activate` runs,
            // and must find this plugin (not take the session over with a second one).
            entries.set(sessionId, entry);
            return { ...s, plugin: pluginName, ...(entry.state === undefined ? {} : { pluginState: entry.state }) };
          },
          activate(session) {
            // A change committed since the insert already left a newer session here.
            if (entry.session === unstored) entry.session = session;
            entry.stored = true;
            // The server's join is its onCreate; a restore's reserved clients join when they come back.
            for (const member of session.members) if (member.mode === 'server') entry.joined.add(member.actor);
          },
          discard,
        };
      } catch (error) {
        discard();
        throw error;
      }
    },

    async beforeJoin(peer, session, kind, actor, arrivedAt = clock.now()) {
      const entry = await entryOf(session, arrivedAt);
      if (!entry) return;
      const member = actor === undefined ? undefined : memberOf(session, actor);
      const verdict = await gate(entry, 'beforeJoin', peer, (base) => ({ ...base, peer: joiner(peer, member), kind }), arrivedAt);
      if (verdict === 'skip') throw new PunchthroughError('PLUGIN_REPORTED_ERROR', "the session's plugin skipped this join", { detail: { reason: 'skip' } });
      // The joiner's socket closed while the plugin decided: the join is abandoned before admission.
      if (peer.closed) throw new PunchthroughError('NOT_IN_SESSION', 'the connection closed while the plugin decided');
    },

    async beforeSetProperties(peer, session, actor, request) {
      const arrivedAt = clock.now();
      const entry = await entryOf(session, arrivedAt);
      if (!entry) return request;
      const member = memberOf(session, actor);
      const asked = Object.freeze({ properties: request.properties, lobbyKeys: request.lobbyKeys, open: request.open, visible: request.visible });
      const verdict = await gate(entry, 'beforeSetProperties', peer, (base) => ({ ...base, peer: joiner(peer, member), request: asked }), arrivedAt);
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
      const entry = entryOf(before, clock.now());
      // A taken-over session's first change: its notifications follow once its plugin is made (in commit order: later changes wait for the same one).
      if (entry instanceof Promise) void entry.then((made) => made && notifyChange(made, before, change), () => undefined);
      else if (entry) notifyChange(entry, before, change);
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
      stopped = true;
      for (const entry of entries.values()) end(entry);
      entries.clear();
    },
  };
}

