// Validation of an app's auth configuration: every key typed and bounded, INVALID_OPTIONS naming
// the key at fault (`apps.my-game.auth.providers[0].url`).
import { PunchthroughError } from '../../core/index.js';
import { AUTH_PARAM_KEY } from '../protocol/auth-schemas.js';
import {
  MAX_AUTH_MAX_RESPONSE_BYTES,
  MAX_AUTH_PROVIDERS,
  MAX_AUTH_SECRETS,
  MAX_AUTH_TIMEOUT_MS,
  MAX_AUTH_URL_CHARS,
  MAX_STATIC_PARAMS,
  MAX_TOKEN_KEYS,
  MAX_TOKEN_TTL_MS,
  TOKEN_KEY_BYTES,
} from './constants.js';
import type { AuthConfig, AuthProvider } from './types.js';

/** What the egress policy says about provider URLs, known at start. */
export interface AuthUrlPolicy {
  /** http: is allowed as well as https:. */
  allowInsecureHttp?: boolean;
}

const invalid = (path: string, expected: string): never => {
  throw new PunchthroughError('INVALID_OPTIONS', `${path}: ${expected}`);
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function keysOf(value: Record<string, unknown>, known: readonly string[], path: string): void {
  for (const key of Object.keys(value)) if (!known.includes(key)) invalid(`${path}.${key}`, `unknown key (known: ${known.join(', ')})`);
}

function optionalBoolean(value: unknown, path: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  return invalid(path, 'expected true or false');
}

function optionalInteger(value: unknown, path: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) return invalid(path, `expected an integer in ${min}…${max}`);
  return value;
}

function stringList(value: unknown, path: string, max: number, check: (item: string, path: string) => void): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > max) return invalid(path, `expected an array of 1–${max} strings`);
  return value.map((item: unknown, i) => {
    if (typeof item !== 'string') return invalid(`${path}[${i}]`, 'expected a string');
    check(item, `${path}[${i}]`);
    return item;
  });
}

/** A Standard Webhooks secret: `whsec_` and base64 of at least 24 bytes. */
function checkSecret(secret: string, path: string): void {
  const bytes = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : undefined;
  if (!bytes || bytes.length < 24 || bytes.length > 64) invalid(path, 'expected whsec_ and base64 of 24–64 random bytes (`punchthrough secret` prints one)');
}

/** A token key: base64 of exactly 32 bytes. */
function checkTokenKey(key: string, path: string): void {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(key) || Buffer.from(key, 'base64').length !== TOKEN_KEY_BYTES) {
    invalid(path, `expected base64 of ${TOKEN_KEY_BYTES} random bytes (openssl rand -base64 32)`);
  }
}

function checkUrl(value: unknown, path: string, policy: AuthUrlPolicy): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_AUTH_URL_CHARS) return invalid(path, `expected a URL of at most ${MAX_AUTH_URL_CHARS} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalid(path, 'expected an absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowInsecureHttp)) {
    invalid(path, policy.allowInsecureHttp ? 'expected an http: or https: URL' : 'expected an https: URL (http: needs egress.allowInsecureHttp)');
  }
  if (url.username || url.password) invalid(path, 'credentials in the URL are not allowed (use staticParams or the signature)');
  if (url.hash) invalid(path, 'a URL fragment is not sent; remove it');
  return value;
}

function checkStaticParams(value: unknown, path: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) return invalid(path, 'expected an object of strings');
  const entries = Object.entries(value);
  if (entries.length > MAX_STATIC_PARAMS) invalid(path, `at most ${MAX_STATIC_PARAMS} parameters`);
  for (const [key, item] of entries) {
    if (!AUTH_PARAM_KEY.test(key)) invalid(`${path}.${key}`, 'a parameter name is 1–64 of A–Z a–z 0–9 _ . -');
    if (typeof item !== 'string' || item.length > 1024) invalid(`${path}.${key}`, 'expected a string of at most 1024 characters');
  }
  return value as Record<string, string>;
}

const PROVIDER_KEYS = ['type', 'url', 'staticParams', 'rejectIfUnavailable', 'format', 'timeoutMs', 'maxResponseBytes', 'secrets'] as const;

function checkProvider(value: unknown, path: string, policy: AuthUrlPolicy): AuthProvider {
  if (!isObject(value)) return invalid(path, 'expected an object');
  keysOf(value, PROVIDER_KEYS, path);
  if (value.type !== 'custom') invalid(`${path}.type`, 'expected "custom"');
  if (value.format !== undefined && value.format !== 'photon' && value.format !== 'json') invalid(`${path}.format`, 'expected "photon" or "json"');
  checkUrl(value.url, `${path}.url`, policy);
  checkStaticParams(value.staticParams, `${path}.staticParams`);
  optionalBoolean(value.rejectIfUnavailable, `${path}.rejectIfUnavailable`);
  optionalInteger(value.timeoutMs, `${path}.timeoutMs`, 100, MAX_AUTH_TIMEOUT_MS);
  optionalInteger(value.maxResponseBytes, `${path}.maxResponseBytes`, 256, MAX_AUTH_MAX_RESPONSE_BYTES);
  stringList(value.secrets, `${path}.secrets`, MAX_AUTH_SECRETS, checkSecret);
  return value as unknown as AuthProvider;
}

const AUTH_KEYS = ['providers', 'allowAnonymous', 'tokenTtlMs', 'tokenKeys', 'attemptsPerSecond', 'attemptBurst'] as const;

/** Checks `value` (from code or a JSON file) as an {@link AuthConfig}; `path` names it in the error (`apps.game.auth`). */
export function validateAuthConfig(value: unknown, path: string, policy: AuthUrlPolicy = {}): AuthConfig {
  if (!isObject(value)) return invalid(path, 'expected an object');
  keysOf(value, AUTH_KEYS, path);
  const { providers } = value;
  if (!Array.isArray(providers) || providers.length === 0 || providers.length > MAX_AUTH_PROVIDERS) {
    invalid(`${path}.providers`, `expected an array of 1–${MAX_AUTH_PROVIDERS} providers`);
  }
  (providers as unknown[]).forEach((provider, i) => checkProvider(provider, `${path}.providers[${i}]`, policy));
  optionalBoolean(value.allowAnonymous, `${path}.allowAnonymous`);
  optionalInteger(value.tokenTtlMs, `${path}.tokenTtlMs`, 60_000, MAX_TOKEN_TTL_MS);
  stringList(value.tokenKeys, `${path}.tokenKeys`, MAX_TOKEN_KEYS, checkTokenKey);
  optionalInteger(value.attemptsPerSecond, `${path}.attemptsPerSecond`, 1, 10_000);
  optionalInteger(value.attemptBurst, `${path}.attemptBurst`, 1, 100_000);
  return value as unknown as AuthConfig;
}
