// The gate chain of a create or a join: the app's plugin gate, then its webhook gate, sharing one
// 4 s budget counted from the request's arrival. Wraps the plugin runtime, so the session
// service calls one thing at each point (docs/webhooks.md, "Order and budget").
import type { Clock } from '../../core/index.js';
import type { PluginRuntime } from '../plugins/runtime.js';
import { GATE_CHAIN_MS } from './gate-constants.js';
import type { WebhookGates } from './gates.js';

/** `runtime` with the webhook gates after its own at the same points. */
export function withWebhookGates(runtime: PluginRuntime, gates: WebhookGates, clock: Pick<Clock, 'now'>): PluginRuntime {
  return {
    ...runtime,
    async prepareCreate(peer, request, sessionId, appKey, name, settings, arrivedAt = clock.now()) {
      const deadline = arrivedAt + GATE_CHAIN_MS;
      const prepared = await runtime.prepareCreate(peer, request, sessionId, appKey, name, settings, arrivedAt);
      try {
        const final = await gates.beforeCreate(peer, { sessionId, name, settings: prepared.settings }, deadline);
        return final === prepared.settings ? prepared : { ...prepared, settings: final };
      } catch (error) {
        prepared.discard();
        throw error;
      }
    },

    // One budget from the request's arrival: a random join's candidates share it.
    async beforeJoin(peer, session, kind, actor, arrivedAt = clock.now()) {
      const deadline = arrivedAt + GATE_CHAIN_MS;
      await runtime.beforeJoin(peer, session, kind, actor, arrivedAt);
      await gates.beforeJoin(peer, session, kind, actor, deadline);
    },
  };
}
