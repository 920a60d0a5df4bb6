// Validation of an app's WebRPC configuration: INVALID_OPTIONS naming the key at fault.
import { PunchthroughError } from '../../core/index.js';
import type { RpcConfig } from './types.js';

const fail = (path: string, expected: string): never => {
  throw new PunchthroughError('INVALID_OPTIONS', `${path}: expected ${expected}`);
};
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const positive = (value: unknown, path: string): void => {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) fail(path, 'a positive number');
};
const stringList = (value: unknown, path: string): void => {
  if (value !== undefined && (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))) fail(path, 'an array of strings');
};

/** Checks `value` as an {@link RpcConfig}; `path` names it in the error (`apps.my-game.rpc`). */
export function validateRpcConfig(value: unknown, path: string): RpcConfig {
  if (!isObject(value)) return fail(path, 'an object');
  const { handlers, http, perConnection, perApp } = value;
  if (handlers !== undefined) {
    if (!isObject(handlers)) fail(`${path}.handlers`, 'an object of functions by path');
    for (const [name, handler] of Object.entries(handlers as object)) if (typeof handler !== 'function') fail(`${path}.handlers.${name}`, 'a function');
  }
  if (http !== undefined) {
    if (!isObject(http)) return fail(`${path}.http`, 'an object');
    let url: URL | undefined;
    try {
      url = typeof http.baseUrl === 'string' ? new URL(http.baseUrl) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.hash) {
      fail(`${path}.http.baseUrl`, 'an absolute http(s) URL without credentials or fragment');
    }
    stringList(http.methods, `${path}.http.methods`);
    if (http.format !== undefined && http.format !== 'photon' && http.format !== 'native') fail(`${path}.http.format`, "'photon' or 'native'");
    stringList(http.secrets, `${path}.http.secrets`);
    if (!Array.isArray(http.secrets) || http.secrets.length === 0) fail(`${path}.http.secrets`, 'at least one whsec_ secret');
    if (http.sendAuthCookie !== undefined && !['never', 'onRequest', 'always'].includes(http.sendAuthCookie as string)) {
      fail(`${path}.http.sendAuthCookie`, "'never', 'onRequest' or 'always'");
    }
    positive(http.timeoutMs, `${path}.http.timeoutMs`);
    positive(http.maxResponseBytes, `${path}.http.maxResponseBytes`);
  }
  if (perConnection !== undefined) {
    if (!isObject(perConnection)) fail(`${path}.perConnection`, 'an object');
    positive((perConnection as Record<string, unknown>).perSecond, `${path}.perConnection.perSecond`);
    positive((perConnection as Record<string, unknown>).burst, `${path}.perConnection.burst`);
  }
  if (perApp !== undefined) {
    if (!isObject(perApp)) fail(`${path}.perApp`, 'an object');
    positive((perApp as Record<string, unknown>).maxInFlight, `${path}.perApp.maxInFlight`);
    positive((perApp as Record<string, unknown>).perSecond, `${path}.perApp.perSecond`);
  }
  return value as unknown as RpcConfig;
}
