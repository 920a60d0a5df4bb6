/**
 * The racing connect policy and the NAT-type rules it uses, as pure functions: which paths an
 * attempt takes under each policy (docs/connection-process.md, the attempt schedule), and
 * whether a pair's reported NAT types rule the direct path out (docs/nat-matrix.md, R1–R4).
 */
import type { NatType } from '../../src/protocol/index.js';
import { attemptPath, directAttemptCount, type ScheduleConfig } from './schedule.js';

/**
 * What the reported NAT types say about the direct path: `direct` when the rules guarantee it,
 * `relay` when they rule it out, `unknown` otherwise (a type not measured, or two symmetric NATs,
 * whose filters the classic label does not tell and which R4 needs).
 */
export type DirectOutlook = 'direct' | 'relay' | 'unknown';

/** The RFC 4787 mapping and filtering a reported type pins down; undefined: not known. */
interface KnownAxes {
  /** Endpoint-independent mapping (a cone or no NAT); false: dependent (symmetric). */
  eim: boolean;
  /** The filter, when the label fixes it: `ei`, `ad`, `apd`; undefined for a symmetric NAT. */
  filtering: 'ei' | 'ad' | 'apd' | undefined;
}

function axesOf(type: NatType | undefined): KnownAxes | undefined {
  switch (type) {
    case 'open':
    case 'fullCone':
      return { eim: true, filtering: 'ei' };
    case 'restrictedCone':
      return { eim: true, filtering: 'ad' };
    case 'portRestrictedCone':
      return { eim: true, filtering: 'apd' };
    // natTypeOf labels every dependent mapping symmetric, whatever its filter.
    case 'symmetric':
      return { eim: false, filtering: undefined };
    default:
      return undefined;
  }
}

/**
 * Pure: the rules R1–R3 of docs/nat-matrix.md on the two reported types. R1 (both mappings
 * endpoint-independent) and an endpoint-independent filter on either cone side are direct; an
 * address-and-port-dependent cone facing a symmetric NAT is R2/R3's relay case; two symmetric
 * NATs depend on filters the label does not carry (R4), so they stay unknown and the race tries.
 */
export function directOutlook(server: NatType | undefined, client: NatType | undefined): DirectOutlook {
  const s = axesOf(server);
  const c = axesOf(client);
  // R1–R3: an EIM + EIF side admits the other's first packet and answers from the address it showed.
  if (s?.eim && s.filtering === 'ei') return 'direct';
  if (c?.eim && c.filtering === 'ei') return 'direct';
  if (!s || !c) return 'unknown';
  if (s.eim && c.eim) return 'direct';
  // R2 (server EIM, client dependent) and R3 (the mirror): direct unless the cone side is APDF.
  if (s.eim) return s.filtering === 'apd' ? 'relay' : 'direct';
  if (c.eim) return c.filtering === 'apd' ? 'relay' : 'direct';
  return 'unknown';
}

/** The paths attempt `n` takes: direct punches, a connect through the relay, or both. */
export interface AttemptPaths {
  direct: boolean;
  relay: boolean;
}

/**
 * Pure: the paths of attempt `n`. Sequential: the seed's schedule (attemptPath). Race: the relay
 * at every attempt from 0, beside direct attempts for the direct window, which a pair whose NAT
 * types rule direct out skips altogether. Without a relay, every attempt goes direct.
 */
export function attemptPaths(config: ScheduleConfig, n: number, relayAvailable: boolean, outlook: DirectOutlook = 'unknown'): AttemptPaths {
  if (config.policy !== 'race' || !relayAvailable) {
    const path = attemptPath(config, n, relayAvailable);
    return { direct: path === 'direct', relay: path === 'relay' };
  }
  return { direct: outlook !== 'relay' && n < directAttemptCount(config), relay: true };
}

/**
 * Pure: whether the server pings a client's candidates: not when forced to the relay, nor under
 * the race policy when the NAT types rule direct out (the pings could only open holes nobody uses).
 */
export function serverPings(config: ScheduleConfig, outlook: DirectOutlook = 'unknown'): boolean {
  if (config.forceRelay) return false;
  return !(config.policy === 'race' && outlook === 'relay');
}
