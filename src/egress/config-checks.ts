// Checks of the per-app configuration of calls to a game's backend (auth providers, WebRPC,
// webhooks): each throws INVALID_OPTIONS naming the key at fault, so a typo fails the start.
import { PunchthroughError } from '../../core/index.js';
import { MAX_URL_CHARS } from './constants.js';
import { isWebhookSecret } from './signing.js';

/** What the egress policy says about backend URLs, known at start. */
export interface UrlPolicy {
  /** http: is allowed as well as https:. */
  allowInsecureHttp?: boolean;
}

export const invalidOption = (path: string, expected: string): never => {
  throw new PunchthroughError('INVALID_OPTIONS', `${path}: ${expected}`);
};

export const isPlainRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An object with only `known` keys (a typo is named, with what is known). */
export function objectWithKeys(value: unknown, known: readonly string[], path: string): Record<string, unknown> {
  if (!isPlainRecord(value)) return invalidOption(path, 'expected an object');
  for (const key of Object.keys(value)) if (!known.includes(key)) invalidOption(`${path}.${key}`, `unknown key (known: ${known.join(', ')})`);
  return value;
}

export function optionalBoolean(value: unknown, path: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  return invalidOption(path, 'expected true or false');
}

export function optionalInteger(value: unknown, path: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) return invalidOption(path, `expected an integer in ${min}…${max}`);
  return value;
}

export function optionalOneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
  if (value === undefined || allowed.includes(value as T)) return value as T | undefined;
  return invalidOption(path, `expected one of ${allowed.map((item) => `"${item}"`).join(', ')}`);
}

/** An array of 1–`max` strings, each passing `check`. */
export function stringList(value: unknown, path: string, max: number, check: (item: string, path: string) => void = () => undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > max) return invalidOption(path, `expected an array of 1–${max} strings`);
  return value.map((item: unknown, i) => {
    if (typeof item !== 'string') return invalidOption(`${path}[${i}]`, 'expected a string');
    check(item, `${path}[${i}]`);
    return item;
  });
}

/** A Standard Webhooks secret: `whsec_` and base64 of 24–64 random bytes. */
export function checkSecret(secret: string, path: string): void {
  if (!isWebhookSecret(secret)) invalidOption(path, 'expected whsec_ and base64 of 24–64 random bytes (`punchthrough secret` prints one)');
}

/** A backend URL: absolute, https: (http: only when the policy allows it), no credentials, no fragment. */
export function checkBackendUrl(value: unknown, path: string, policy: UrlPolicy): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_URL_CHARS) return invalidOption(path, `expected a URL of at most ${MAX_URL_CHARS} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalidOption(path, 'expected an absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowInsecureHttp)) {
    invalidOption(path, policy.allowInsecureHttp ? 'expected an http: or https: URL' : 'expected an https: URL (http: needs egress.allowInsecureHttp)');
  }
  if (url.username || url.password) invalidOption(path, 'credentials in the URL are not allowed (use the signature)');
  if (url.hash) invalidOption(path, 'a URL fragment is not sent; remove it');
  return value;
}
