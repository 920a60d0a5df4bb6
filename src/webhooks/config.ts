// Validation of an app's webhooks configuration: INVALID_OPTIONS naming the key at fault, every
// key typed and bounded, custom headers through the egress policy's own check.
import { PunchthroughError } from '../../core/index.js';
import { customHeadersProblem, isWebhookSecret } from '../egress/index.js';
import { DEFAULT_WEBHOOK_PATHS } from './constants.js';
import type { WebhookType, WebhooksConfig } from './types.js';

const TYPES = Object.keys(DEFAULT_WEBHOOK_PATHS) as WebhookType[];
const KEYS = new Set([
  'baseUrl', 'paths', 'events', 'gates', 'onGateError', 'format', 'secrets', 'legacySecretHeader', 'customHeaders', 'sendAuthCookie',
  'propertiesForward', 'errorInfo', 'ordering', 'timeouts', 'retry', 'maxInFlight', 'outboxCapacity',
]);
/** A path: segments of URL-safe characters, no '..', no scheme or host, no query or fragment. */
const PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._~!$&'()*+,;=:@%-]+(?:\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*$/;
const MAX_PATH_CHARS = 256;
const MAX_URL_CHARS = 1_024;
const MAX_SECRETS = 8;
/** Upper bounds that keep a typo from becoming an hour-long deadline or a gigabyte outbox. */
const MAX_TIMEOUT_MS = 60_000;
const MAX_RETRY_DELAY_MS = 24 * 3_600_000;
const MAX_RETRY_STEPS = 32;
const MAX_IN_FLIGHT = 10_000;
const MAX_OUTBOX_CAPACITY = 10_000_000;

const fail = (path: string, expected: string): never => {
  throw new PunchthroughError('INVALID_OPTIONS', `${path}: expected ${expected}`);
};
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const oneOf = (value: unknown, choices: readonly unknown[], path: string): void => {
  if (value !== undefined && !choices.includes(value)) fail(path, choices.map((c) => `'${String(c)}'`).join(' or '));
};
const flag = (value: unknown, path: string): void => {
  if (value !== undefined && typeof value !== 'boolean') fail(path, 'true or false');
};
const integer = (value: unknown, path: string, min: number, max: number): void => {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)) fail(path, `a whole number from ${min} to ${max}`);
};

/** Checks `value` as a {@link WebhooksConfig}; `path` names it in the error (`apps.my-game.webhooks`). */
export function validateWebhooksConfig(value: unknown, path: string): WebhooksConfig {
  if (!isObject(value)) return fail(path, 'an object');
  for (const key of Object.keys(value)) if (!KEYS.has(key)) fail(`${path}.${key}`, `a known key (${[...KEYS].join(', ')})`);
  const { baseUrl, paths, events, gates, secrets, customHeaders, timeouts, retry } = value;
  let url: URL | undefined;
  try {
    url = typeof baseUrl === 'string' && baseUrl.length <= MAX_URL_CHARS ? new URL(baseUrl.replace(/\{(AppId|AppVersion|Region)\}/g, 'tag')) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.hash) {
    fail(`${path}.baseUrl`, 'an absolute http(s) URL without credentials or fragment');
  }
  if (paths !== undefined) {
    if (!isObject(paths)) fail(`${path}.paths`, 'an object of paths by webhook type');
    for (const [type, entry] of Object.entries(paths as object)) {
      if (!TYPES.includes(type as WebhookType)) fail(`${path}.paths.${type}`, `a webhook type (${TYPES.join(', ')})`);
      if (entry !== false && (typeof entry !== 'string' || entry.length > MAX_PATH_CHARS || !PATH.test(entry.replace(/^\/+/, '')))) {
        fail(`${path}.paths.${type}`, `false or a relative path of at most ${MAX_PATH_CHARS} characters (no '..', query or host)`);
      }
    }
  }
  if (events !== undefined && (!Array.isArray(events) || events.length > TYPES.length || !events.every((type) => TYPES.includes(type as WebhookType)))) {
    fail(`${path}.events`, `an array of webhook types (${TYPES.join(', ')})`);
  }
  if (gates !== undefined) {
    if (!isObject(gates)) fail(`${path}.gates`, 'an object');
    for (const key of Object.keys(gates as object)) if (key !== 'beforeCreate' && key !== 'beforeJoin') fail(`${path}.gates.${key}`, "'beforeCreate' or 'beforeJoin'");
    flag((gates as Record<string, unknown>).beforeCreate, `${path}.gates.beforeCreate`);
    flag((gates as Record<string, unknown>).beforeJoin, `${path}.gates.beforeJoin`);
  }
  oneOf(value.onGateError, ['deny', 'allow'], `${path}.onGateError`);
  oneOf(value.format, ['native', 'photon-v1.2', 'playfab'], `${path}.format`);
  if (!Array.isArray(secrets) || secrets.length === 0 || secrets.length > MAX_SECRETS) fail(`${path}.secrets`, `1 to ${MAX_SECRETS} whsec_ secrets`);
  (secrets as unknown[]).forEach((secret, i) => {
    // Never echo the secret: the message names only its index.
    if (!isWebhookSecret(secret)) fail(`${path}.secrets[${i}]`, 'a whsec_ secret (punchthrough secret makes one)');
  });
  flag(value.legacySecretHeader, `${path}.legacySecretHeader`);
  if (customHeaders !== undefined) {
    const problem = customHeadersProblem(customHeaders);
    if (problem) fail(`${path}.customHeaders`, `allowed headers (${problem})`);
  }
  flag(value.sendAuthCookie, `${path}.sendAuthCookie`);
  oneOf(value.propertiesForward, ['flagged', 'always'], `${path}.propertiesForward`);
  flag(value.errorInfo, `${path}.errorInfo`);
  oneOf(value.ordering, ['session', 'none'], `${path}.ordering`);
  if (timeouts !== undefined) {
    if (!isObject(timeouts)) fail(`${path}.timeouts`, 'an object');
    integer((timeouts as Record<string, unknown>).gateMs, `${path}.timeouts.gateMs`, 1, MAX_TIMEOUT_MS);
    integer((timeouts as Record<string, unknown>).notificationMs, `${path}.timeouts.notificationMs`, 1, MAX_TIMEOUT_MS);
  }
  if (retry !== undefined) {
    if (!isObject(retry)) fail(`${path}.retry`, 'an object');
    const { scheduleMs, maxAgeMs } = retry as Record<string, unknown>;
    if (
      scheduleMs !== undefined &&
      (!Array.isArray(scheduleMs) || scheduleMs.length > MAX_RETRY_STEPS || !scheduleMs.every((ms) => typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 && ms <= MAX_RETRY_DELAY_MS))
    ) {
      fail(`${path}.retry.scheduleMs`, `at most ${MAX_RETRY_STEPS} delays of 0 to ${MAX_RETRY_DELAY_MS} ms`);
    }
    if (maxAgeMs !== undefined && (typeof maxAgeMs !== 'number' || !Number.isFinite(maxAgeMs) || maxAgeMs <= 0 || maxAgeMs > 7 * MAX_RETRY_DELAY_MS)) {
      fail(`${path}.retry.maxAgeMs`, 'a positive number of ms, at most a week');
    }
  }
  integer(value.maxInFlight, `${path}.maxInFlight`, 1, MAX_IN_FLIGHT);
  integer(value.outboxCapacity, `${path}.outboxCapacity`, 1, MAX_OUTBOX_CAPACITY);
  return value as unknown as WebhooksConfig;
}
