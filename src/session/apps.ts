// Per-app extensions of the session service: custom authentication, plugins and WebRPC by app id, with
// '*' for every app without an entry of its own (docs/configuration.md, "Apps").
import { PunchthroughError } from '../../core/index.js';
import { validateAuthConfig, type AuthConfig, type AuthUrlPolicy } from '../auth/index.js';
import { validatePluginsConfig, type PluginsConfig } from '../plugins/index.js';
import { validateRpcConfig, type RpcConfig } from '../rpc/index.js';
import { validateWebhooksConfig, type WebhooksConfig } from '../webhooks/index.js';

export interface AppExtensions {
  auth?: AuthConfig;
  plugins?: PluginsConfig;
  rpc?: RpcConfig;
  webhooks?: WebhooksConfig;
}

/** App id (or '*') → its extensions. */
export type AppsConfig = Readonly<Record<string, AppExtensions>>;

/** The extensions of `appId`: its own entry, else '*', else none. */
export function appExtensions(apps: AppsConfig, appId: string): AppExtensions | undefined {
  return Object.hasOwn(apps, appId) ? apps[appId] : Object.hasOwn(apps, '*') ? apps['*'] : undefined;
}

/** Whether any app (or '*') configures `extension`: when none does, its per-request work is skipped with this one check. */
export function anyAppHas(apps: AppsConfig, extension: keyof AppExtensions): boolean {
  return Object.values(apps).some((app) => app[extension] !== undefined);
}

const APP_KEYS = new Set(['auth', 'plugins', 'rpc', 'webhooks']);

/**
 * Checks the per-app configuration at start (from code or `--config`), so a typo fails the start
 * with INVALID_OPTIONS naming the key (`apps.my-game.plugins.factory`), not a game later.
 */
export function validateApps(apps: unknown, policy: AuthUrlPolicy = {}): AppsConfig {
  if (typeof apps !== 'object' || apps === null || Array.isArray(apps)) throw new PunchthroughError('INVALID_OPTIONS', 'apps: expected an object of app ids');
  const valid: Record<string, AppExtensions> = {};
  for (const [appId, entry] of Object.entries(apps)) {
    const path = `apps.${appId}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new PunchthroughError('INVALID_OPTIONS', `${path}: expected an object`);
    for (const key of Object.keys(entry)) {
      if (!APP_KEYS.has(key)) throw new PunchthroughError('INVALID_OPTIONS', `${path}.${key}: unknown key (known: ${[...APP_KEYS].join(', ')})`);
    }
    const { auth, plugins, rpc, webhooks } = entry as { auth?: unknown; plugins?: unknown; rpc?: unknown; webhooks?: unknown };
    valid[appId] = {
      ...(auth === undefined ? {} : { auth: validateAuthConfig(auth, `${path}.auth`, policy) }),
      ...(plugins === undefined ? {} : { plugins: validatePluginsConfig(plugins, `${path}.plugins`) }),
      ...(rpc === undefined ? {} : { rpc: validateRpcConfig(rpc, `${path}.rpc`, policy) }),
      ...(webhooks === undefined ? {} : { webhooks: validateWebhooksConfig(webhooks, `${path}.webhooks`) }),
    };
  }
  return valid;
}
