// Validation of an app's plugin configuration: INVALID_OPTIONS naming the key at fault.
import { PunchthroughError } from '../../core/index.js';
import { PLUGIN_GATE_MS, PLUGIN_MAX_GATE_MS, PLUGIN_MAX_NOTIFICATION_MS, PLUGIN_NOTIFICATION_MS, PLUGIN_TIMER_MS } from './constants.js';
import type { PluginsConfig } from './types.js';

const invalid = (key: string, expected: string): never => {
  throw new PunchthroughError('INVALID_OPTIONS', `${key}: expected ${expected}`);
};

/** Checks `value` as a {@link PluginsConfig}; `path` names it in the error (`apps.game.plugins`). */
export function validatePluginsConfig(value: unknown, path: string): PluginsConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(path, 'an object');
  const { factory, defaultPlugin, required, config, deadlines } = value as Record<string, unknown>;
  if (typeof factory !== 'object' || factory === null) invalid(`${path}.factory`, 'a plugin factory');
  const { names, create } = factory as { names?: unknown; create?: unknown };
  if (!Array.isArray(names) || !names.every((name) => typeof name === 'string' && name.length > 0)) {
    invalid(`${path}.factory.names`, 'an array of plugin names');
  }
  if (typeof create !== 'function') invalid(`${path}.factory.create`, 'a function');
  if (defaultPlugin !== undefined && (typeof defaultPlugin !== 'string' || !(names as string[]).includes(defaultPlugin))) {
    invalid(`${path}.defaultPlugin`, `one of the factory's names (${(names as string[]).join(', ')})`);
  }
  if (required !== undefined && typeof required !== 'boolean') invalid(`${path}.required`, 'a boolean');
  if (config !== undefined) {
    if (typeof config !== 'object' || config === null || Array.isArray(config)) invalid(`${path}.config`, 'an object of strings');
    for (const [key, entry] of Object.entries(config as object)) if (typeof entry !== 'string') invalid(`${path}.config.${key}`, 'a string');
  }
  if (deadlines !== undefined) {
    if (typeof deadlines !== 'object' || deadlines === null || Array.isArray(deadlines)) invalid(`${path}.deadlines`, 'an object');
    const caps: Record<string, number> = { gateMs: PLUGIN_MAX_GATE_MS, notificationMs: PLUGIN_MAX_NOTIFICATION_MS, timerMs: PLUGIN_MAX_NOTIFICATION_MS };
    for (const [key, ms] of Object.entries(deadlines as object)) {
      const cap = caps[key];
      if (cap === undefined) invalid(`${path}.deadlines.${key}`, `one of ${Object.keys(caps).join(', ')}`);
      if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 1 || ms > cap!) invalid(`${path}.deadlines.${key}`, `an integer of ms in 1…${cap}`);
    }
  }
  return value as PluginsConfig;
}

export interface PluginDeadlines {
  gateMs: number;
  notificationMs: number;
  timerMs: number;
}

/** An app's deadlines with the defaults filled in. */
export function deadlinesOf(config: PluginsConfig): PluginDeadlines {
  return {
    gateMs: config.deadlines?.gateMs ?? PLUGIN_GATE_MS,
    notificationMs: config.deadlines?.notificationMs ?? PLUGIN_NOTIFICATION_MS,
    timerMs: config.deadlines?.timerMs ?? PLUGIN_TIMER_MS,
  };
}
