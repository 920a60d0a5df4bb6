// The egress client's options: the policy (EgressOptions, from the service config) plus what a
// program injects (resolver, metrics registry, identity), checked and filled with defaults.
import { lookup as dnsLookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { PunchthroughError } from '../../core/index.js';
import { parseCidr, type Cidr } from './address-policy.js';
import {
  DEFAULT_BREAKER_FAILURES,
  DEFAULT_BREAKER_OPEN_MS,
  DEFAULT_MAX_CONCURRENT_PER_ORIGIN,
  DEFAULT_MAX_QUEUED_PER_ORIGIN,
} from './constants.js';
import type { EgressOptions } from './types.js';

/** A resolver answering every address of a name (dns.lookup with `all: true`). */
export type EgressLookup = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

export interface EgressClientOptions extends EgressOptions {
  /** The resolver; tests inject one that answers a name with a loopback address. Default dns.lookup. */
  lookup?: EgressLookup;
  /** Registry for the egress metrics (the session service's). Default: a registry of its own. */
  registry?: Registry;
  /** `user-agent` of every call. Default `punchthrough/<package version>`. */
  userAgent?: string;
  /** Sent as `x-punchthrough-node` so a backend can tell the cloud's nodes apart. Default: none. */
  nodeId?: string;
}

export interface ResolvedEgressOptions {
  readonly allowedNetworks: readonly Cidr[];
  readonly allowInsecureHttp: boolean;
  readonly ca: readonly string[] | undefined;
  readonly maxConcurrentPerOrigin: number;
  readonly maxQueuedPerOrigin: number;
  readonly breakerFailures: number;
  readonly breakerOpenMs: number;
  readonly lookup: EgressLookup;
  readonly userAgent: string;
  readonly nodeId: string | undefined;
}

const KEYS = new Set(['allowedNetworks', 'allowInsecureHttp', 'ca', 'maxConcurrentPerOrigin', 'maxQueuedPerOrigin', 'breakerFailures', 'breakerOpenMs']);

const invalid = (key: string, what: string): PunchthroughError => new PunchthroughError('INVALID_OPTIONS', `${key}: ${what}`);

function count(value: unknown, key: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(key, `expected an integer from ${min} to ${max}`);
  return value;
}

/**
 * Checks the egress policy from code or `--config` at start, so a typo fails the start with
 * INVALID_OPTIONS naming the key (`egress.allowedNetworks[1]`), not the first call.
 */
export function validateEgressOptions(options: unknown, path = 'egress'): EgressOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalid(path, 'expected an object');
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) if (!KEYS.has(key)) throw invalid(`${path}.${key}`, `unknown key (known: ${[...KEYS].join(', ')})`);
  const { allowedNetworks, allowInsecureHttp, ca } = given;
  if (allowedNetworks !== undefined) {
    if (!Array.isArray(allowedNetworks) || allowedNetworks.length > 256) throw invalid(`${path}.allowedNetworks`, 'expected an array of at most 256 CIDRs');
    allowedNetworks.forEach((network: unknown, i) => {
      if (typeof network !== 'string' || !parseCidr(network)) throw invalid(`${path}.allowedNetworks[${i}]`, 'expected a CIDR such as 10.1.0.0/16 or an address');
    });
  }
  if (allowInsecureHttp !== undefined && typeof allowInsecureHttp !== 'boolean') throw invalid(`${path}.allowInsecureHttp`, 'expected a boolean');
  if (ca !== undefined) {
    if (!Array.isArray(ca) || ca.length > 64) throw invalid(`${path}.ca`, 'expected an array of at most 64 PEM certificates');
    ca.forEach((pem: unknown, i) => {
      if (typeof pem !== 'string' || !pem.includes('-----BEGIN CERTIFICATE-----')) throw invalid(`${path}.ca[${i}]`, 'expected a PEM certificate');
    });
  }
  count(given.maxConcurrentPerOrigin, `${path}.maxConcurrentPerOrigin`, 0, 1, 10_000);
  count(given.maxQueuedPerOrigin, `${path}.maxQueuedPerOrigin`, 0, 0, 1_000_000);
  count(given.breakerFailures, `${path}.breakerFailures`, 0, 1, 1_000_000);
  count(given.breakerOpenMs, `${path}.breakerOpenMs`, 0, 1, 3_600_000);
  return options as EgressOptions;
}

/** `punchthrough/<version>` from the package.json above this file (source or dist layout). */
export function defaultUserAgent(): string {
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'punchthrough' && typeof manifest.version === 'string') return `punchthrough/${manifest.version}`;
    } catch {
      // Not there from this layout: try the next.
    }
  }
  return 'punchthrough';
}

const systemLookup: EgressLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export function resolveEgressOptions(options: EgressClientOptions): ResolvedEgressOptions {
  validateEgressOptions(pickPolicy(options));
  for (const [key, value] of [['userAgent', options.userAgent], ['nodeId', options.nodeId]] as const) {
    if (value !== undefined && !/^[\x21-\x7e][\x20-\x7e]{0,127}$/.test(value)) throw invalid(key, 'expected 1 to 128 visible ASCII characters');
  }
  return {
    allowedNetworks: (options.allowedNetworks ?? []).map((network) => parseCidr(network)!),
    allowInsecureHttp: options.allowInsecureHttp ?? false,
    ca: options.ca && options.ca.length > 0 ? [...options.ca] : undefined,
    maxConcurrentPerOrigin: options.maxConcurrentPerOrigin ?? DEFAULT_MAX_CONCURRENT_PER_ORIGIN,
    maxQueuedPerOrigin: options.maxQueuedPerOrigin ?? DEFAULT_MAX_QUEUED_PER_ORIGIN,
    breakerFailures: options.breakerFailures ?? DEFAULT_BREAKER_FAILURES,
    breakerOpenMs: options.breakerOpenMs ?? DEFAULT_BREAKER_OPEN_MS,
    lookup: options.lookup ?? systemLookup,
    userAgent: options.userAgent ?? defaultUserAgent(),
    nodeId: options.nodeId,
  };
}

/** The policy keys of the options (the injected parts are not config). */
function pickPolicy(options: EgressClientOptions): EgressOptions {
  const policy: Record<string, unknown> = {};
  for (const key of KEYS) if ((options as Record<string, unknown>)[key] !== undefined) policy[key] = (options as Record<string, unknown>)[key];
  return policy as EgressOptions;
}
