// WebRPC paths: the grammar a client's path must match, and the one URL it may become under the
// app's base URL (docs/webrpc.md, "Paths"). Pure; the client never chooses scheme, host or port.

/** Characters of a path, before any query: Photon's method names and sub-paths. */
export const RPC_MAX_PATH_CHARS = 128;
/** Characters of the query a path may carry. */
export const RPC_MAX_QUERY_CHARS = 512;

const PATH = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/;
const QUERY = /^[A-Za-z0-9_\-.~%=&]*$/;

export type RpcPath = { ok: true; path: string; query: string } | { ok: false; reason: string };

/**
 * Checks a client's path: segments of letters, digits, `_`, `-` (and `.` after the first), no
 * empty or dot-only segment, an optional query of URL-safe characters (percent escapes only as
 * `%XX`). Anything else, whatever it would decode to, is refused.
 */
export function parseRpcPath(value: unknown): RpcPath {
  if (typeof value !== 'string') return { ok: false, reason: 'the path must be a string' };
  const mark = value.indexOf('?');
  const path = mark === -1 ? value : value.slice(0, mark);
  const query = mark === -1 ? '' : value.slice(mark + 1);
  if (path.length === 0 || path.length > RPC_MAX_PATH_CHARS) return { ok: false, reason: `the path must have 1 to ${RPC_MAX_PATH_CHARS} characters` };
  if (!PATH.test(path)) return { ok: false, reason: 'the path may hold only letters, digits, _ - . and / between segments' };
  if (path.split('/').some((segment) => /^\.+$/.test(segment))) return { ok: false, reason: 'the path may not hold . or .. segments' };
  if (query.length > RPC_MAX_QUERY_CHARS || !QUERY.test(query) || /%(?![0-9A-Fa-f]{2})/.test(query)) {
    return { ok: false, reason: `the query may hold at most ${RPC_MAX_QUERY_CHARS} URL-safe characters` };
  }
  return { ok: true, path, query };
}

/** Base URL tags (Photon's {AppId}, {AppVersion}, {Region}), each value URL-encoded. */
export function expandUrlTags(template: string, tags: Readonly<Record<string, string>>): string {
  return template.replace(/\{(AppId|AppVersion|Region)\}/g, (whole, name: string) => (Object.hasOwn(tags, name) ? encodeURIComponent(tags[name]!) : whole));
}

/**
 * The URL a checked path calls: the base URL's path + `/` + the path, the path's query then the
 * base URL's own (Photon's order). Undefined when the result would leave the base URL's origin
 * or path prefix (a net under the grammar, which already refuses every way out).
 */
export function rpcTarget(baseUrl: string, path: Extract<RpcPath, { ok: true }>): URL | undefined {
  const base = new URL(baseUrl);
  const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  const target = new URL(`${prefix}${path.path}`, base.origin);
  if (target.origin !== base.origin || !target.pathname.startsWith(prefix) || target.pathname !== `${prefix}${path.path}`) return undefined;
  const query = [path.query, base.search.slice(1)].filter((part) => part.length > 0).join('&');
  target.search = query;
  return target;
}
