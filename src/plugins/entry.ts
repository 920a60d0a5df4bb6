/**
 * One session's plugin as the runtime keeps it (its instance, executor, timers, budgets), and
 * `invoke`, the one way any of its callbacks or timers is called: on the session's executor,
 * within a deadline, counted and logged by outcome.
 */
import type { Clock, JsonValue, Logger, TimerHandle, TokenBucket } from '../../core/index.js';
import type { Session } from '../session/model.js';
import { failCall, outcomeOf } from './calls.js';
import type { PluginDeadlines } from './config.js';
import type { CallTiming, Executor, Settled } from './executor.js';
import type { PluginMetrics } from './metrics.js';
import type { CallBase, PluginsConfig, SessionPlugin } from './types.js';
import { sessionView } from './view.js';

export interface Entry {
  readonly sessionId: string;
  /** The plugin's name (a metric label: bounded by the configured factories). */
  readonly name: string;
  readonly config: PluginsConfig;
  readonly deadlines: PluginDeadlines;
  /** Undefined until the factory made it. */
  plugin: SessionPlugin | undefined;
  readonly executor: Executor;
  /** The session as last stored (before the create is stored: how it will be). */
  session: Session;
  /** The session is in the store (host actions can change it). */
  stored: boolean;
  state: JsonValue | undefined;
  /** The session closed: no timer runs, no new call queues; beforeClose and onClose are under way. */
  closing: boolean;
  readonly timers: Set<TimerHandle>;
  /** Members that dropped and wait out their player TTL (their later leave is a TTL expiry). */
  readonly inactive: Set<number>;
  /**
   * Members the plugin heard join (onJoin queued; the server through onCreate; a taken-over
   * session's members through the node that had it): only they get onLeave. A restored session's
   * reserved clients join when they come back; an onJoin the full queue dropped takes its onLeave along.
   */
  readonly joined: Set<number>;
  /** Members the plugin is removing (their leave is `pluginRequest`). */
  readonly removing: Set<number>;
  /** Domain events of the plugin's own changes (no onSetProperties for them). */
  readonly own: WeakSet<object>;
  readonly eventBucket: TokenBucket;
  readonly actionBucket: TokenBucket;
  /** Aborted when the session closes: its plugin's HTTP calls in flight stop. */
  readonly aborter: AbortController;
  readonly logger: Logger;
}

export type Invoke = (entry: Entry, callback: string, run: (call: CallBase) => unknown, timing: CallTiming) => Promise<Settled<unknown>>;

export function createInvoke(clock: Clock, metrics: PluginMetrics): Invoke {
  return async (entry, callback, run, timing) => {
    const labels = { plugin: entry.name, callback };
    const onLate = (): void => {
      metrics.late.inc(labels);
      entry.logger.warn({ callback }, 'plugin.late: a plugin call settled after its deadline; ignored');
    };
    metrics.queued.inc();
    let started = 0;
    const settled = await entry.executor.run(
      (signal, deadline) => {
        started = clock.now();
        return run({ session: sessionView(entry.session), deadline, signal, fail: failCall });
      },
      timing,
      onLate,
    );
    metrics.queued.dec();
    const outcome = outcomeOf(settled);
    metrics.calls.inc({ ...labels, outcome });
    if (started > 0) metrics.duration.observe(labels, (clock.now() - started) / 1000);
    if (settled.kind === 'thrown') {
      const { error } = settled;
      if (outcome === 'fail') entry.logger.info({ callback, reason: (error as { reason?: string }).reason }, 'plugin.fail');
      else entry.logger.error({ err: error, callback }, 'plugin.error: a plugin callback threw');
    } else if (outcome === 'timeout') {
      entry.logger.warn({ callback }, 'plugin.timeout: a plugin call passed its deadline');
    } else if (outcome === 'dropped' && settled.kind === 'full') {
      entry.logger.warn({ callback }, 'plugin.dropped: the session plugin queue is full');
    }
    return settled;
  };
}
