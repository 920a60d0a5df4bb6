/**
 * The plugin host (Photon's IPluginHost): what a session's plugin may do — send PLUGIN_EVENTs,
 * set properties with compare-and-set, remove a peer, close the session, timers on the
 * session's executor, state stored with the session, HTTP through the egress client. Every
 * action is bounded per session (rate, count, size) and fails with a coded error, never silently.
 */
import { PunchthroughError, takeTokens, type Clock, type JsonValue, type TimerHandle } from '../../core/index.js';
import {
  EventType,
  PROTOCOL_MAX_PLUGIN_EVENT_BYTES,
  PROTOCOL_MAX_PLUGIN_EVENT_CODE,
  PROTOCOL_MAX_PLUGIN_EVENT_DEPTH,
  boundedJson,
  type CreateOptions,
  type Event,
  type Properties,
} from '../protocol/index.js';
import type { Delivery, Outcome, Session, SessionSettings } from '../session/model.js';
import { pluginClose, pluginRemove, pluginSetProperties, pluginStore } from './changes.js';
import {
  PLUGIN_ACTIONS_PER_SECOND,
  PLUGIN_EVENTS_PER_SECOND,
  PLUGIN_MAX_TIMERS,
  PLUGIN_MESSAGE_MAX_CHARS,
  PLUGIN_MIN_TIMER_MS,
  PLUGIN_STATE_MAX_BYTES,
} from './constants.js';
import type { Entry, Invoke } from './entry.js';
import type { PluginMetrics } from './metrics.js';
import type { Awaitable, EventTarget, PluginHost, PluginHttp, SetPropertiesChange } from './types.js';
import { sessionView } from './view.js';

/** What the plugin runtime needs of the sessions service. */
export interface SessionAccess {
  /** The sessions service's compare-and-set update (its commit calls the runtime back). */
  update<R>(sessionId: string, attempt: (s: Session) => Outcome<R>): Promise<Outcome<R> | undefined>;
  publish(sessionId: string, deliveries: Delivery[]): void;
  /** Refuses properties over the byte budget (LIMIT_EXCEEDED). */
  checkProperties(properties: Properties | undefined): void;
  propertiesMisfit(properties: Properties, lobbyKeys: readonly string[]): string | undefined;
  /** Create options resolved against the service's defaults and limits (LIMIT_EXCEEDED). */
  settingsFrom(options: CreateOptions): SessionSettings;
  /** The encoded size of a value on the wire, bytes. */
  encodedBytes(value: JsonValue): number;
}

export const EVENT_RATE = { perSecond: PLUGIN_EVENTS_PER_SECOND, burst: PLUGIN_EVENTS_PER_SECOND };
export const ACTION_RATE = { perSecond: PLUGIN_ACTIONS_PER_SECOND, burst: PLUGIN_ACTIONS_PER_SECOND };

const eventData = boundedJson(PROTOCOL_MAX_PLUGIN_EVENT_DEPTH, PROTOCOL_MAX_PLUGIN_EVENT_BYTES);
const stateData = boundedJson(PROTOCOL_MAX_PLUGIN_EVENT_DEPTH * 2, PLUGIN_STATE_MAX_BYTES);

export interface HostParts {
  clock: Clock;
  access: SessionAccess;
  invoke: Invoke;
  metrics: PluginMetrics;
  http: PluginHttp;
}

/** Checks a JSON value a plugin hands over (its size on the wire too); LIMIT_EXCEEDED or INVALID_REQUEST otherwise. */
export function checkedJson(access: SessionAccess, value: JsonValue, maxBytes: number, schema: (value: unknown) => JsonValue, what: string): JsonValue {
  try {
    schema(value);
  } catch {
    throw new PunchthroughError('INVALID_REQUEST', `${what} must be JSON (finite numbers, plain objects, bounded depth)`);
  }
  if (access.encodedBytes(value) > maxBytes) throw new PunchthroughError('LIMIT_EXCEEDED', `${what} exceeds ${maxBytes} bytes`);
  return value;
}

export function createHost(entry: Entry, appId: string, appVersion: string, parts: HostParts): PluginHost {
  const { clock, access, invoke, metrics } = parts;
  const { sessionId } = entry;

  const act = (action: string): void => {
    if (entry.closing) throw new PunchthroughError('SESSION_NOT_FOUND', 'the session closed');
    if (!takeTokens(entry.actionBucket, ACTION_RATE, clock.now())) {
      metrics.actions.inc({ action: 'refused' });
      throw new PunchthroughError('RATE_LIMITED', `a session's plugin may take at most ${PLUGIN_ACTIONS_PER_SECOND} actions a second`);
    }
    if (!entry.stored) throw new PunchthroughError('SESSION_NOT_FOUND', 'the session is not created yet (act from onJoin or a timer, or return overrides from onCreate)');
    metrics.actions.inc({ action });
  };

  const apply = async (attempt: (s: Session) => Outcome<undefined>): Promise<void> => {
    const outcome = await access.update(sessionId, attempt);
    if (!outcome) throw new PunchthroughError('SESSION_NOT_FOUND', 'the session closed');
    if (!outcome.ok) throw new PunchthroughError(outcome.code, outcome.message);
  };

  const timer = (fn: () => Awaitable<void>, ms: number, repeat: boolean): TimerHandle => {
    if (entry.closing) throw new PunchthroughError('SESSION_NOT_FOUND', 'the session closed');
    if (typeof fn !== 'function') throw new PunchthroughError('INVALID_REQUEST', 'a timer needs a function');
    if (entry.timers.size >= PLUGIN_MAX_TIMERS) throw new PunchthroughError('LIMIT_EXCEEDED', `a session's plugin may hold at most ${PLUGIN_MAX_TIMERS} timers`);
    const delay = Math.max(PLUGIN_MIN_TIMER_MS, Number.isFinite(ms) ? ms : PLUGIN_MIN_TIMER_MS);
    metrics.actions.inc({ action: 'timer' });
    // An interval whose last run is still queued or running skips a tick rather than piling up.
    let running = false;
    const fire = (): void => {
      if (!repeat) entry.timers.delete(handle);
      if (entry.closing || running) return;
      running = true;
      void invoke(entry, 'timer', () => (entry.closing ? undefined : fn()), { budgetMs: entry.deadlines.timerMs }).finally(() => {
        running = false;
      });
    };
    const handle = repeat ? clock.setInterval(fire, delay) : clock.setTimeout(fire, delay);
    entry.timers.add(handle);
    return handle;
  };

  return {
    appId,
    appVersion,
    sessionId,
    logger: entry.logger,
    clock,
    http: parts.http,
    session: () => sessionView(entry.session),

    sendEvent(to: EventTarget, code: number, data?: JsonValue, except?: number) {
      if (entry.closing || !entry.stored) return;
      if (!Number.isInteger(code) || code < 0 || code > PROTOCOL_MAX_PLUGIN_EVENT_CODE) {
        throw new PunchthroughError('INVALID_REQUEST', `a plugin event code is an integer 0–${PROTOCOL_MAX_PLUGIN_EVENT_CODE}`);
      }
      if (data !== undefined) checkedJson(access, data, PROTOCOL_MAX_PLUGIN_EVENT_BYTES, eventData, 'plugin event data');
      if (!takeTokens(entry.eventBucket, EVENT_RATE, clock.now())) {
        metrics.actions.inc({ action: 'refused' });
        throw new PunchthroughError('RATE_LIMITED', `a session's plugin may send at most ${PLUGIN_EVENTS_PER_SECOND} events a second`);
      }
      metrics.actions.inc({ action: 'sendEvent' });
      const event: Event = { type: EventType.PLUGIN_EVENT, code, ...(data === undefined ? {} : { data }), from: 0 };
      const chosen = to === 'all' ? undefined : new Set(Array.isArray(to) ? to : []);
      const deliveries = entry.session.members
        .filter((m) => m.active && m.actor !== except && (chosen === undefined || chosen.has(m.actor)))
        .map((m) => ({ actor: m.actor, event }));
      access.publish(sessionId, deliveries);
    },

    async setProperties(change: SetPropertiesChange, options?: { expected?: Properties }) {
      act('setProperties');
      access.checkProperties(change.properties);
      await apply((s) => {
        const result = pluginSetProperties(s, change, options?.expected);
        if (!result.ok) return result;
        const misfit = access.propertiesMisfit(result.change.next!.properties, result.change.next!.lobbyKeys);
        if (misfit) return { ok: false, code: 'LIMIT_EXCEEDED', message: misfit };
        for (const event of result.change.events) entry.own.add(event);
        return result;
      });
    },

    async removePeer(actor: number, reason: string, message?: string) {
      act('removePeer');
      const words = typeof message === 'string' ? message.slice(0, PLUGIN_MESSAGE_MAX_CHARS) : '';
      entry.logger.info({ actor, reason: String(reason).slice(0, 64) }, 'the plugin removes a peer');
      entry.removing.add(actor);
      try {
        await apply((s) => pluginRemove(s, actor, words, clock.now()));
      } catch (error) {
        entry.removing.delete(actor);
        throw error;
      }
    },

    async closeSession(reason: string) {
      act('closeSession');
      entry.logger.info({ reason: String(reason).slice(0, 64) }, 'the plugin closes the session');
      await apply(pluginClose);
    },

    setTimeout: (fn, ms) => timer(fn, ms, false),
    setInterval: (fn, ms) => timer(fn, ms, true),
    clearTimer(handle) {
      if (!entry.timers.delete(handle)) return;
      clock.clearTimeout(handle);
      clock.clearInterval(handle);
    },

    state: {
      get: () => entry.state,
      async set(value: JsonValue) {
        checkedJson(access, value, PLUGIN_STATE_MAX_BYTES, stateData, 'plugin state');
        if (!entry.stored) {
          entry.state = value;
          return;
        }
        act('state');
        entry.state = value;
        await apply((s) => pluginStore(s, value));
      },
    },
  };
}
