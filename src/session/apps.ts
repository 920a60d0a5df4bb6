// Per-app extensions of the session service: custom authentication and plugins by app id, with
// '*' for every app without an entry of its own (docs/configuration.md, "Apps").
import type { AuthConfig } from '../auth/index.js';
import type { PluginsConfig } from '../plugins/index.js';

export interface AppExtensions {
  auth?: AuthConfig;
  plugins?: PluginsConfig;
}

/** App id (or '*') → its extensions. */
export type AppsConfig = Readonly<Record<string, AppExtensions>>;

/** The extensions of `appId`: its own entry, else '*', else none. */
export function appExtensions(apps: AppsConfig, appId: string): AppExtensions | undefined {
  return Object.hasOwn(apps, appId) ? apps[appId] : Object.hasOwn(apps, '*') ? apps['*'] : undefined;
}
