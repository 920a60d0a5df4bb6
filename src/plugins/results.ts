// What a gate may return, type-checked before use: plugins are operator code, but a wrong shape
// must fail its call (PLUGIN_ERROR), not reach the model.
import { PunchthroughError, type JsonValue } from '../../core/index.js';
import { isPlainObject } from '../protocol/schema.js';
import type { Properties } from '../protocol/index.js';
import type { CreateOverrides, PropertiesRewrite } from './types.js';

const wrong = (what: string): PunchthroughError => new PunchthroughError('INVALID_REQUEST', `the plugin returned ${what}`);

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;
const isKeys = (value: unknown): value is string[] => Array.isArray(value) && value.length <= 1024 && value.every((k) => typeof k === 'string');

/** The fields a rewrite and overrides share; an error names the first wrong one. */
function readChange(value: Record<string, unknown>): PunchthroughError | PropertiesRewrite {
  const out: PropertiesRewrite = {};
  if (value.properties !== undefined) {
    if (!isPlainObject(value.properties)) return wrong('properties that are not a map');
    out.properties = value.properties as Properties;
  }
  if (value.lobbyKeys !== undefined) {
    if (!isKeys(value.lobbyKeys)) return wrong('lobbyKeys that are not strings');
    out.lobbyKeys = value.lobbyKeys;
  }
  for (const key of ['open', 'visible'] as const) {
    if (value[key] === undefined) continue;
    if (typeof value[key] !== 'boolean') return wrong(`a ${key} that is not a boolean`);
    out[key] = value[key];
  }
  return out;
}

/** onCreate's result: nothing (continue with the asked settings) or overrides. */
export function readOverrides(value: unknown): CreateOverrides | PunchthroughError | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) return wrong('something other than overrides from onCreate');
  const change = readChange(value);
  if (change instanceof PunchthroughError) return change;
  const out: CreateOverrides = { ...change };
  for (const key of ['maxPlayers', 'playerTtlMs', 'emptySessionTtlMs'] as const) {
    if (value[key] === undefined) continue;
    if (!isCount(value[key])) return wrong(`a ${key} that is not a whole number`);
    out[key] = value[key];
  }
  if (out.maxPlayers === 0) return wrong('maxPlayers 0');
  if (value.state !== undefined) out.state = value.state as JsonValue;
  return out;
}

/** beforeSetProperties' result other than 'cancel': nothing (continue) or a rewrite. */
export function readRewrite(value: unknown): PropertiesRewrite | PunchthroughError | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) return wrong('something other than a rewrite from beforeSetProperties');
  return readChange(value);
}
