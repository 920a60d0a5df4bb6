// Validation of an app's auth configuration: every key typed and bounded, INVALID_OPTIONS naming
// the key at fault (`apps.my-game.auth.providers[0].url`).
import {
  checkBackendUrl,
  checkSecret,
  invalidOption,
  isPlainRecord,
  objectWithKeys,
  optionalBoolean,
  optionalInteger,
  stringList,
  type UrlPolicy,
} from '../egress/index.js';
import { AUTH_PARAM_KEY } from '../protocol/auth-schemas.js';
import {
  MAX_AUTH_MAX_RESPONSE_BYTES,
  MAX_AUTH_PROVIDERS,
  MAX_AUTH_SECRETS,
  MAX_AUTH_TIMEOUT_MS,
  MAX_STATIC_PARAMS,
  MAX_TOKEN_KEYS,
  MAX_TOKEN_TTL_MS,
  TOKEN_KEY_BYTES,
} from './constants.js';
import type { AuthConfig, AuthProvider } from './types.js';

/** What the egress policy says about provider URLs, known at start. */
export type AuthUrlPolicy = UrlPolicy;

/** A token key: base64 of exactly 32 bytes. */
function checkTokenKey(key: string, path: string): void {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(key) || Buffer.from(key, 'base64').length !== TOKEN_KEY_BYTES) {
    invalidOption(path, `expected base64 of ${TOKEN_KEY_BYTES} random bytes (openssl rand -base64 32)`);
  }
}

function checkStaticParams(value: unknown, path: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainRecord(value)) return invalidOption(path, 'expected an object of strings');
  const entries = Object.entries(value);
  if (entries.length > MAX_STATIC_PARAMS) invalidOption(path, `at most ${MAX_STATIC_PARAMS} parameters`);
  for (const [key, item] of entries) {
    if (!AUTH_PARAM_KEY.test(key)) invalidOption(`${path}.${key}`, 'a parameter name is 1–64 of A–Z a–z 0–9 _ . -');
    if (typeof item !== 'string' || item.length > 1024) invalidOption(`${path}.${key}`, 'expected a string of at most 1024 characters');
  }
  return value as Record<string, string>;
}

const PROVIDER_KEYS = ['type', 'url', 'staticParams', 'rejectIfUnavailable', 'format', 'timeoutMs', 'maxResponseBytes', 'secrets'] as const;

function checkProvider(provider: unknown, path: string, policy: AuthUrlPolicy): AuthProvider {
  const value = objectWithKeys(provider, PROVIDER_KEYS, path);
  if (value.type !== 'custom') invalidOption(`${path}.type`, 'expected "custom"');
  if (value.format !== undefined && value.format !== 'photon' && value.format !== 'json') invalidOption(`${path}.format`, 'expected "photon" or "json"');
  checkBackendUrl(value.url, `${path}.url`, policy);
  checkStaticParams(value.staticParams, `${path}.staticParams`);
  optionalBoolean(value.rejectIfUnavailable, `${path}.rejectIfUnavailable`);
  optionalInteger(value.timeoutMs, `${path}.timeoutMs`, 100, MAX_AUTH_TIMEOUT_MS);
  optionalInteger(value.maxResponseBytes, `${path}.maxResponseBytes`, 256, MAX_AUTH_MAX_RESPONSE_BYTES);
  stringList(value.secrets, `${path}.secrets`, MAX_AUTH_SECRETS, checkSecret);
  return value as unknown as AuthProvider;
}

const AUTH_KEYS = ['providers', 'allowAnonymous', 'tokenTtlMs', 'tokenKeys', 'attemptsPerSecond', 'attemptBurst'] as const;

/** Checks `value` (from code or a JSON file) as an {@link AuthConfig}; `path` names it in the error (`apps.game.auth`). */
export function validateAuthConfig(config: unknown, path: string, policy: AuthUrlPolicy = {}): AuthConfig {
  const value = objectWithKeys(config, AUTH_KEYS, path);
  const { providers } = value;
  if (!Array.isArray(providers) || providers.length === 0 || providers.length > MAX_AUTH_PROVIDERS) {
    invalidOption(`${path}.providers`, `expected an array of 1–${MAX_AUTH_PROVIDERS} providers`);
  }
  (providers as unknown[]).forEach((provider, i) => checkProvider(provider, `${path}.providers[${i}]`, policy));
  optionalBoolean(value.allowAnonymous, `${path}.allowAnonymous`);
  optionalInteger(value.tokenTtlMs, `${path}.tokenTtlMs`, 60_000, MAX_TOKEN_TTL_MS);
  stringList(value.tokenKeys, `${path}.tokenKeys`, MAX_TOKEN_KEYS, checkTokenKey);
  optionalInteger(value.attemptsPerSecond, `${path}.attemptsPerSecond`, 1, 10_000);
  optionalInteger(value.attemptBurst, `${path}.attemptBurst`, 1, 100_000);
  return value as unknown as AuthConfig;
}
