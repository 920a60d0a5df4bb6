/**
 * Choosing a session's relay (Photon's master): pure functions of the relay table, `now` and a
 * random source. Eligible = fresh, normal, effective level below 9; the first preferred region
 * that has one, else any; then two draws of Photon's weighted random by effective level, and the
 * less loaded of the two (lower predicted load, then fewer recent placements, then the first).
 */
import {
  BINDINGS_PER_SESSION,
  DEFAULT_SESSION_PCT,
  MAX_LOAD_LEVEL,
  PHOTON_V5_WEIGHTS,
  PLACEMENT_CANDIDATES,
  RELAY_STALE_MS,
} from './constants.js';
import type { FleetRelay } from './relay-entry.js';

export interface ChoiceOptions {
  /** Weight by load level 0–9. Default {@link PHOTON_V5_WEIGHTS}. */
  weights?: readonly number[];
  /** A report older than this (ms, our clock) is dead. Default {@link RELAY_STALE_MS}. */
  staleAfterMs?: number;
  /** Weighted draws per placement, the least loaded of them placed on. Default {@link PLACEMENT_CANDIDATES}; 1 = pure weighted random. */
  candidates?: number;
}

/** What the session wants: regions in order of preference ([] = any). */
export interface RelayWant {
  regions: readonly string[];
}

export function isFresh(relay: FleetRelay, now: number, staleAfterMs = RELAY_STALE_MS): boolean {
  return relay.local === true || now - relay.receivedAt <= staleAfterMs;
}

/** The level a binding share maps to: Photon's upper thresholds 10, 20, … 90 % (level 9 from 90 %). */
export function levelOfPct(pct: number): number {
  if (!(pct > 0)) return 0;
  return Math.min(MAX_LOAD_LEVEL, Math.floor(pct / 10));
}

/**
 * The relay's predicted load, percent: its binding share raised by the sessions placed on it
 * lately (within the window its inputs are averaged over), each assumed to take what its
 * sessions take on average (its bindings share per binding × 2, at least DEFAULT_SESSION_PCT);
 * never below what its reported level stands for (10 % a level: its CPU or packets may be the
 * busier input). So a burst of creates climbs the levels as it lands instead of waiting for the
 * averaged reports, and spreads.
 */
export function predictedLoadPct(relay: FleetRelay): number {
  const reported = Math.min(MAX_LOAD_LEVEL, Math.max(0, Math.floor(relay.level)));
  const measured = relay.bindings > 0 && relay.bindingsPct > 0 ? (relay.bindingsPct / relay.bindings) * BINDINGS_PER_SESSION : 0;
  const perSession = Math.max(DEFAULT_SESSION_PCT, measured);
  return Math.max(reported * 10, relay.bindingsPct + Math.max(0, relay.assigned) * perSession);
}

/** The level the choice weighs a relay by: its predicted load in Photon's 10 % steps, never below its reported level. */
export function effectiveLevel(relay: FleetRelay): number {
  const reported = Math.min(MAX_LOAD_LEVEL, Math.max(0, Math.floor(relay.level)));
  if (relay.assigned <= 0) return reported;
  return Math.max(reported, levelOfPct(predictedLoadPct(relay)));
}

/** Fresh, normal and below the top level: may take a new session. */
export function isEligible(relay: FleetRelay, now: number, staleAfterMs = RELAY_STALE_MS): boolean {
  return isFresh(relay, now, staleAfterMs) && relay.state === 'normal' && effectiveLevel(relay) < MAX_LOAD_LEVEL;
}

/** One draw of Photon's weighted random over `pool` (the weights all > 0); undefined when the pool weighs nothing. */
export function drawWeighted<T>(pool: readonly T[], weightOf: (item: T) => number, random: () => number): T | undefined {
  const total = pool.reduce((sum, item) => sum + weightOf(item), 0);
  if (total <= 0) return undefined;
  let ticket = random() * total;
  for (const item of pool) {
    ticket -= weightOf(item);
    if (ticket < 0) return item;
  }
  // random() just below 1 and rounding: the last one.
  return pool[pool.length - 1];
}

/**
 * Whether `a` is strictly less loaded than `b`: lower predicted load (the effective level before
 * rounding to 10 % steps, so five sessions' difference inside one level still counts), else fewer
 * placements in the window.
 */
function lessLoaded(a: FleetRelay, b: FleetRelay): boolean {
  const loadA = predictedLoadPct(a);
  const loadB = predictedLoadPct(b);
  return loadA !== loadB ? loadA < loadB : a.assigned < b.assigned;
}

/**
 * The relay for a new session, or undefined when none is eligible (or every weight is 0).
 * Draws `candidates` relays by the weighted random (with replacement) and keeps the less loaded,
 * ties to the earlier draw: the weights still decide which level bands get traffic, and the
 * comparison stops a run of lucky draws from stacking one relay.
 */
export function chooseRelay(
  relays: readonly FleetRelay[],
  want: RelayWant,
  now: number,
  random: () => number,
  options: ChoiceOptions = {},
): FleetRelay | undefined {
  const weights = options.weights ?? PHOTON_V5_WEIGHTS;
  const weightOf = (relay: FleetRelay): number => Math.max(0, weights[effectiveLevel(relay)] ?? 0);
  const eligible = relays.filter((relay) => isEligible(relay, now, options.staleAfterMs) && weightOf(relay) > 0);
  let pool = eligible;
  for (const region of want.regions) {
    const inRegion = eligible.filter((relay) => relay.region === region);
    if (inRegion.length > 0) {
      pool = inRegion;
      break;
    }
  }
  let best = drawWeighted(pool, weightOf, random);
  if (!best) return undefined;
  const candidates = Math.max(1, Math.floor(options.candidates ?? PLACEMENT_CANDIDATES));
  for (let draw = 1; draw < candidates; draw++) {
    const other = drawWeighted(pool, weightOf, random)!;
    if (lessLoaded(other, best)) best = other;
  }
  return best;
}
