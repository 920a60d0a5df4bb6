// Prometheus metrics of session plugins, in the session service's registry. Labels are bounded:
// plugin names come from the configured factories, callbacks and outcomes from fixed lists.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type CallOutcome = 'continue' | 'fail' | 'cancel' | 'skip' | 'error' | 'timeout' | 'aborted' | 'dropped';

export interface PluginMetrics {
  readonly calls: Counter<'plugin' | 'callback' | 'outcome'>;
  readonly duration: Histogram<'plugin' | 'callback'>;
  readonly late: Counter<'plugin' | 'callback'>;
  readonly actions: Counter<'action'>;
  readonly queued: Gauge;
}

export function createPluginMetrics(registry: Registry): PluginMetrics {
  const registers = [registry];
  return {
    calls: new Counter({
      name: 'punchthrough_plugin_calls_total',
      help: 'Plugin callbacks by plugin, callback and outcome (continue, fail, cancel, skip, error, timeout, aborted, dropped).',
      labelNames: ['plugin', 'callback', 'outcome'],
      registers,
    }),
    duration: new Histogram({
      name: 'punchthrough_plugin_duration_seconds',
      help: 'Time a plugin callback took, from its start to its settlement or deadline.',
      labelNames: ['plugin', 'callback'],
      buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 1, 3, 5],
      registers,
    }),
    late: new Counter({
      name: 'punchthrough_plugin_late_total',
      help: 'Plugin callbacks that settled after their deadline (the settlement was ignored).',
      labelNames: ['plugin', 'callback'],
      registers,
    }),
    actions: new Counter({
      name: 'punchthrough_plugin_actions_total',
      help: 'Plugin host actions by kind (sendEvent, setProperties, removePeer, closeSession, timer, state, http, refused).',
      labelNames: ['action'],
      registers,
    }),
    queued: new Gauge({ name: 'punchthrough_plugin_executor_queue', help: 'Plugin calls queued, over all sessions.', registers }),
  };
}
