// Validation of an app's WebRPC configuration: every key typed and bounded, INVALID_OPTIONS naming
// the key at fault (`apps.my-game.rpc.http.timeoutMs`).
import {
  checkBackendUrl,
  checkSecret,
  invalidOption,
  isPlainRecord,
  objectWithKeys,
  optionalInteger,
  optionalOneOf,
  stringList,
  type UrlPolicy,
} from '../egress/index.js';
import { MAX_RPC_METHODS, MAX_RPC_RESPONSE_BYTES, MAX_RPC_SECRETS, MAX_RPC_TIMEOUT_MS } from './constants.js';
import type { RpcConfig } from './types.js';

const RPC_KEYS = ['handlers', 'http', 'perConnection', 'perApp'] as const;
const HTTP_KEYS = ['baseUrl', 'methods', 'format', 'secrets', 'sendAuthCookie', 'timeoutMs', 'maxResponseBytes'] as const;

/** A rate: positive numbers (a fraction per second is a slow refill). */
function rate(value: unknown, path: string, keys: readonly [string, string]): void {
  if (value === undefined) return;
  const record = objectWithKeys(value, keys, path);
  for (const key of keys) {
    const item = record[key];
    if (typeof item !== 'number' || !Number.isFinite(item) || item <= 0) invalidOption(`${path}.${key}`, 'expected a positive number');
  }
}

/** Checks `value` as an {@link RpcConfig}; `path` names it in the error (`apps.my-game.rpc`). */
export function validateRpcConfig(config: unknown, path: string, policy: UrlPolicy = {}): RpcConfig {
  const value = objectWithKeys(config, RPC_KEYS, path);
  if (value.handlers !== undefined) {
    if (!isPlainRecord(value.handlers)) invalidOption(`${path}.handlers`, 'expected an object of functions by path');
    for (const [name, handler] of Object.entries(value.handlers as object)) if (typeof handler !== 'function') invalidOption(`${path}.handlers.${name}`, 'expected a function');
  }
  if (value.http !== undefined) {
    const http = objectWithKeys(value.http, HTTP_KEYS, `${path}.http`);
    checkBackendUrl(http.baseUrl, `${path}.http.baseUrl`, policy);
    stringList(http.methods, `${path}.http.methods`, MAX_RPC_METHODS);
    optionalOneOf(http.format, `${path}.http.format`, ['photon', 'native']);
    if (http.secrets === undefined) invalidOption(`${path}.http.secrets`, 'expected at least one whsec_ secret (`punchthrough secret` prints one)');
    stringList(http.secrets, `${path}.http.secrets`, MAX_RPC_SECRETS, checkSecret);
    optionalOneOf(http.sendAuthCookie, `${path}.http.sendAuthCookie`, ['never', 'onRequest', 'always']);
    // Below the SDK's 10 s request timeout, so a slow backend is answered EXTERNAL_HTTP_FAILED, not a client timeout.
    optionalInteger(http.timeoutMs, `${path}.http.timeoutMs`, 100, MAX_RPC_TIMEOUT_MS);
    optionalInteger(http.maxResponseBytes, `${path}.http.maxResponseBytes`, 256, MAX_RPC_RESPONSE_BYTES);
  }
  rate(value.perConnection, `${path}.perConnection`, ['perSecond', 'burst']);
  rate(value.perApp, `${path}.perApp`, ['maxInFlight', 'perSecond']);
  return value as unknown as RpcConfig;
}
