// The checks on a request before any DNS or socket: the URL (scheme, userinfo, length), the
// caller's extra headers (restricted names, count, size) and the signing inputs. Pure.
import {
  CLIENT_HEADER_PREFIXES,
  CLIENT_HEADERS,
  MAX_CUSTOM_HEADERS,
  MAX_HEADER_VALUE_CHARS,
  MAX_REQUEST_HEADERS,
  MAX_SIGNING_SECRETS,
  MAX_URL_CHARS,
  MAX_WEBHOOK_ID_CHARS,
  OPERATOR_RESTRICTED_HEADER_PREFIXES,
  OPERATOR_RESTRICTED_HEADERS,
  type BlockReason,
} from './constants.js';
import { parseIp } from './address-policy.js';
import { parseWebhookSecret } from './signing.js';

export type PolicyVerdict<T> = { ok: true; value: T } | { ok: false; reason: BlockReason; detail: string };

export interface CheckedUrl {
  readonly url: URL;
  readonly https: boolean;
  /** The host without IPv6 brackets, as a socket takes it. */
  readonly host: string;
  readonly port: number;
  /** Set when the host is an IP literal (after Node's URL normalisation: `0x7f.1` is `127.0.0.1`). */
  readonly ip: string | undefined;
  /** scheme://host:port, the key of the per-origin queue and breaker. */
  readonly origin: string;
}

const fail = (reason: BlockReason, detail: string): { ok: false; reason: BlockReason; detail: string } => ({ ok: false, reason, detail });

/** Parses and checks a request URL: absolute http(s), https unless insecure is allowed, no userinfo. */
export function checkUrl(text: unknown, allowInsecureHttp: boolean): PolicyVerdict<CheckedUrl> {
  if (typeof text !== 'string' || text.length > MAX_URL_CHARS) return fail('url', `url must be a string of at most ${MAX_URL_CHARS} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('url', 'url is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail('scheme', `scheme ${url.protocol} is not allowed`);
  if (url.protocol === 'http:' && !allowInsecureHttp) return fail('scheme', 'http: is not allowed (https only unless egress.allowInsecureHttp)');
  // Credentials in a URL end up in logs and proxies, and `user@host` is a classic way to make a
  // URL look like it goes somewhere it does not.
  if (url.username !== '' || url.password !== '') return fail('userinfo', 'a URL may not carry user:password@');
  if (url.hostname === '') return fail('url', 'url has no host');
  const https = url.protocol === 'https:';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? (https ? 443 : 80) : Number(url.port);
  const ip = parseIp(host) ? host : undefined;
  return { ok: true, value: { url, https, host, port, ip, origin: `${url.protocol}//${url.hostname}:${port}` } };
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Visible ASCII, space and tab only: CR/LF would split the header, other bytes are ambiguous.
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/** Whether the egress client itself owns header `name` (framing, identity, signing): no request may set it. */
export function isClientHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return CLIENT_HEADERS.has(lower) || CLIENT_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/**
 * Whether an operator's configured custom header (`customHeaders` of auth, webhooks, RPC) may not
 * be `name`: the client's own headers, `content-type` and every `x-punchthrough-*` header.
 */
export function isRestrictedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return isClientHeader(lower) || OPERATOR_RESTRICTED_HEADERS.has(lower) || OPERATOR_RESTRICTED_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

const HEADER_NAME_CHARS = 64;

/**
 * Checks an operator's configured custom headers (for config validators): at most 16, names that
 * are tokens and not restricted, values of at most 1,024 visible ASCII characters. Undefined when
 * fine, else what is wrong (never the value: it may be a credential).
 */
export function customHeadersProblem(headers: unknown): string | undefined {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return 'expected an object of header names to values';
  const entries = Object.entries(headers as Record<string, unknown>);
  if (entries.length > MAX_CUSTOM_HEADERS) return `at most ${MAX_CUSTOM_HEADERS} headers`;
  for (const [name, value] of entries) {
    if (!TOKEN.test(name) || name.length > HEADER_NAME_CHARS) return `"${name.slice(0, HEADER_NAME_CHARS)}" is not a header name`;
    if (isRestrictedHeader(name)) return `${name.toLowerCase()} is set by punchthrough and may not be configured`;
    if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE_CHARS || !HEADER_VALUE.test(value)) return `${name.toLowerCase()}: expected at most ${MAX_HEADER_VALUE_CHARS} visible ASCII characters`;
  }
  return undefined;
}

/** Checks a request's extra headers; the result has lower-case names. */
export function checkHeaders(headers: unknown): PolicyVerdict<Record<string, string>> {
  if (headers === undefined) return { ok: true, value: {} };
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return fail('header', 'headers must be an object');
  const entries = Object.entries(headers as Record<string, unknown>);
  if (entries.length > MAX_REQUEST_HEADERS) return fail('header', `at most ${MAX_REQUEST_HEADERS} headers`);
  const checked: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!TOKEN.test(name) || name.length > HEADER_NAME_CHARS) return fail('header', 'a header name is not a valid token');
    if (isClientHeader(name)) return fail('header', `header ${name.toLowerCase()} is set by the client and may not be given`);
    if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE_CHARS || !HEADER_VALUE.test(value)) {
      return fail('header', `header ${name.toLowerCase()}: a value of at most ${MAX_HEADER_VALUE_CHARS} visible ASCII characters`);
    }
    checked[name.toLowerCase()] = value;
  }
  return { ok: true, value: checked };
}

/** Checks the signing inputs; the result holds the decoded keys. */
export function checkSigning(sign: unknown): PolicyVerdict<{ id: string; keys: Uint8Array[] } | undefined> {
  if (sign === undefined) return { ok: true, value: undefined };
  if (typeof sign !== 'object' || sign === null) return fail('secret', 'sign must be an object');
  const { id, secrets } = sign as { id?: unknown; secrets?: unknown };
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_WEBHOOK_ID_CHARS || !TOKEN.test(id)) {
    return fail('secret', `sign.id must be 1 to ${MAX_WEBHOOK_ID_CHARS} token characters`);
  }
  if (!Array.isArray(secrets) || secrets.length === 0 || secrets.length > MAX_SIGNING_SECRETS) {
    return fail('secret', `sign.secrets must hold 1 to ${MAX_SIGNING_SECRETS} secrets`);
  }
  const keys: Uint8Array[] = [];
  for (const secret of secrets as unknown[]) {
    const key = typeof secret === 'string' ? parseWebhookSecret(secret) : undefined;
    // Never echo the secret: the detail says only which one.
    if (!key) return fail('secret', `sign.secrets[${keys.length}] is not a whsec_ secret`);
    keys.push(key);
  }
  return { ok: true, value: { id, keys } };
}
