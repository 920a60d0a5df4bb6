// The sessions service's plugin runtime, wired to its parts: store updates, the event bus, the
// request checks and codec (limits and sizes), the per-app config and the egress client.
import type { Env } from '../../core/index.js';
import type { Registry } from 'prom-client';
import type { SignalingCodec } from '../protocol/index.js';
import type { RequestChecks } from '../session/checks.js';
import type { Delivery, Outcome, Session } from '../session/model.js';
import type { ResolvedOptions } from '../session/options.js';
import type { EgressClient } from '../egress/index.js';
import { noPluginHttp, pluginHttp } from './http.js';
import { createPluginRuntime, type PluginRuntime } from './runtime.js';
import type { PluginsConfig } from './types.js';
import { createWebhookGates, withWebhookGates, type WebhooksConfig } from '../webhooks/index.js';

export interface SessionPluginParts {
  settings: ResolvedOptions;
  checks: RequestChecks;
  codec: SignalingCodec;
  registry: Registry;
  pluginsOf(appId: string): PluginsConfig | undefined;
  /** The app's webhooks: their gates run after the plugin's (src/webhooks/gates.ts). */
  webhooksOf?(appId: string): WebhooksConfig | undefined;
  update<R>(sessionId: string, attempt: (s: Session) => Outcome<R>): Promise<Outcome<R> | undefined>;
  publish(sessionId: string, deliveries: Delivery[]): void;
  /** The service's egress client (host.http); without one, plugin HTTP calls fail. */
  egress?: EgressClient;
}

export function sessionPlugins(env: Env, parts: SessionPluginParts): PluginRuntime {
  const { checks, codec, egress } = parts;
  const runtime = createPluginRuntime(env, {
    pluginsOf: parts.pluginsOf,
    registry: parts.registry,
    access: {
      update: parts.update,
      publish: parts.publish,
      checkProperties: checks.checkProperties,
      propertiesMisfit: checks.propertiesMisfit,
      settingsFrom: checks.settingsFrom,
      encodedBytes: (value) => codec.encode(value as never).length,
    },
    http: (slot) => (egress ? pluginHttp(egress, env.clock, slot) : noPluginHttp),
  });
  const { webhooksOf } = parts;
  if (!webhooksOf) return runtime;
  const gates = createWebhookGates(env, {
    webhooksOf,
    ...(egress ? { egress } : {}),
    region: parts.settings.region,
    registry: parts.registry,
    settingsFrom: checks.settingsFrom,
    checkProperties: checks.checkProperties,
    publish: parts.publish,
  });
  return withWebhookGates(runtime, gates, env.clock);
}
