// Validation of an app's plugin configuration: INVALID_OPTIONS naming the key at fault.
import { PunchthroughError } from '../../core/index.js';
import type { PluginsConfig } from './types.js';

/** Checks `value` as a {@link PluginsConfig}; `path` names it in the error (`apps.game.plugins`). */
export function validatePluginsConfig(value: unknown, path: string): PluginsConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PunchthroughError('INVALID_OPTIONS', `${path}: expected an object`);
  }
  const { factory } = value as { factory?: unknown };
  if (typeof factory !== 'object' || factory === null) throw new PunchthroughError('INVALID_OPTIONS', `${path}.factory: expected a plugin factory`);
  const { names, create } = factory as { names?: unknown; create?: unknown };
  if (!Array.isArray(names) || !names.every((name) => typeof name === 'string')) {
    throw new PunchthroughError('INVALID_OPTIONS', `${path}.factory.names: expected an array of plugin names`);
  }
  if (typeof create !== 'function') throw new PunchthroughError('INVALID_OPTIONS', `${path}.factory.create: expected a function`);
  return value as PluginsConfig;
}
