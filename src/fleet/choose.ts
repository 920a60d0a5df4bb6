/**
 * Choosing a session's relay (Photon's master): pure functions of the relay table, `now` and a
 * random source. Eligible = fresh, normal, effective level below 9; the first preferred region
 * that has one, else any; then weighted random by effective level.
 */
import {
  BINDINGS_PER_SESSION,
  DEFAULT_SESSION_PCT,
  MAX_LOAD_LEVEL,
  PHOTON_V5_WEIGHTS,
  RELAY_STALE_MS,
} from './constants.js';
import type { FleetRelay } from './relay-entry.js';

export interface ChoiceOptions {
  /** Weight by load level 0–9. Default {@link PHOTON_V5_WEIGHTS}. */
  weights?: readonly number[];
  /** A report older than this (ms, our clock) is dead. Default {@link RELAY_STALE_MS}. */
  staleAfterMs?: number;
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
 * The report's level raised by the sessions placed on the relay lately (within the window its
 * inputs are averaged over): each is assumed to take what its sessions take on average (its
 * bindings share per binding × 2, at least DEFAULT_SESSION_PCT). So a burst of creates climbs
 * the levels as it lands instead of waiting for the averaged reports, and spreads.
 */
export function effectiveLevel(relay: FleetRelay): number {
  const reported = Math.min(MAX_LOAD_LEVEL, Math.max(0, Math.floor(relay.level)));
  if (relay.assigned <= 0) return reported;
  const measured = relay.bindings > 0 && relay.bindingsPct > 0 ? (relay.bindingsPct / relay.bindings) * BINDINGS_PER_SESSION : 0;
  const perSession = Math.max(DEFAULT_SESSION_PCT, measured);
  return Math.max(reported, levelOfPct(relay.bindingsPct + relay.assigned * perSession));
}

/** Fresh, normal and below the top level: may take a new session. */
export function isEligible(relay: FleetRelay, now: number, staleAfterMs = RELAY_STALE_MS): boolean {
  return isFresh(relay, now, staleAfterMs) && relay.state === 'normal' && effectiveLevel(relay) < MAX_LOAD_LEVEL;
}

/** The relay for a new session, or undefined when none is eligible (or every weight is 0). */
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
  const total = pool.reduce((sum, relay) => sum + weightOf(relay), 0);
  if (total <= 0) return undefined;
  let ticket = random() * total;
  for (const relay of pool) {
    ticket -= weightOf(relay);
    if (ticket < 0) return relay;
  }
  // random() just below 1 and rounding: the last one.
  return pool[pool.length - 1];
}
