// Makes a session's plugin: its entry (executor, budgets, host) and the instance its app's factory returns, and ends one.
import { PunchthroughError, fullBucket, type Clock, type Logger } from '../../core/index.js';
import type { Session } from '../session/model.js';
import { gateError } from './calls.js';
import { deadlinesOf } from './config.js';
import { PLUGIN_MAX_QUEUED_CALLS } from './constants.js';
import type { Entry, Invoke } from './entry.js';
import { createExecutor } from './executor.js';
import { ACTION_RATE, EVENT_RATE, createHost, type SessionAccess } from './host.js';
import type { HttpSlot } from './http.js';
import type { PluginMetrics } from './metrics.js';
import type { PluginHttp, PluginsConfig } from './types.js';

export interface MakeParts {
  clock: Clock;
  logger: Logger;
  access: SessionAccess;
  invoke: Invoke;
  metrics: PluginMetrics;
  http(slot: HttpSlot): PluginHttp;
}

export interface MakeRequest {
  /** The app's plugins ('*' applied). */
  config: PluginsConfig;
  name: string;
  /** The session as it is (a create: as it will be). */
  session: Session;
  /** When the request that needs the plugin arrived (clock ms): the factory's deadline is one gate deadline after it. */
  arrivedAt: number;
}

/** No timer runs any more, no host action is taken; HTTP calls go on until `endEntry` (beforeClose may still flush state). */
export function disposeEntry(clock: Clock, entry: Entry): void {
  entry.closing = true;
  for (const handle of entry.timers) {
    clock.clearTimeout(handle);
    clock.clearInterval(handle);
  }
  entry.timers.clear();
}

/** Nothing of this session's plugin runs again: timers, HTTP calls and queued calls end. */
export function endEntry(clock: Clock, entry: Entry): void {
  disposeEntry(clock, entry);
  entry.aborter.abort();
  entry.executor.close();
}

/**
 * Runs the app's factory for a session on the session's executor, within one gate deadline
 * from `arrivedAt`; throws the refusal (HOOK_TIMEOUT, PLUGIN_ERROR, PLUGIN_MISMATCH when it made
 * no plugin of that name). The entry is not registered anywhere: the caller does that.
 */
export async function makeEntry(parts: MakeParts, request: MakeRequest): Promise<Entry> {
  const { clock, invoke } = parts;
  const { config, name, session, arrivedAt } = request;
  const { sessionId } = session;
  const deadlines = deadlinesOf(config);
  const now = clock.now();
  const entry: Entry = {
    sessionId,
    name,
    config,
    deadlines,
    plugin: undefined,
    executor: createExecutor(clock, PLUGIN_MAX_QUEUED_CALLS),
    session,
    stored: false,
    state: undefined,
    closing: false,
    timers: new Set(),
    inactive: new Set(),
    joined: new Set(),
    removing: new Set(),
    own: new WeakSet(),
    eventBucket: fullBucket(EVENT_RATE, now),
    actionBucket: fullBucket(ACTION_RATE, now),
    aborter: new AbortController(),
    logger: parts.logger.child({ sessionId, plugin: name }),
  };
  const [appId = '', appVersion = ''] = session.appKey.split('\u0000');
  const host = createHost(entry, appId, appVersion, { ...parts, http: parts.http({ httpInFlight: 0, signal: entry.aborter.signal }) });
  try {
    const made = await invoke(entry, 'create', () => config.factory.create(name, host, { ...config.config }), {
      deadline: arrivedAt + deadlines.gateMs,
      budgetMs: deadlines.gateMs,
    });
    const refusal = gateError(made, 'the factory', deadlines.gateMs);
    if (refusal) throw refusal;
    const plugin = made.kind === 'value' ? (made.value as { name?: unknown } | undefined) : undefined;
    if (typeof plugin !== 'object' || plugin === null || plugin.name !== name) {
      throw new PunchthroughError('PLUGIN_MISMATCH', `the factory made no plugin named "${name}"`);
    }
    entry.plugin = plugin as Entry['plugin'];
    return entry;
  } catch (error) {
    endEntry(clock, entry);
    throw error;
  }
}
