/**
 * Paths between the two ends of a pair and the pure comparator that picks which one to send on:
 * each path's quality (proven by an authenticated round trip, RTT, when it was last heard), a
 * penalty for the relay and hysteresis, as a function of state and `now` only (tailscale
 * magicsock's `betterAddr`, GameNetworkingSockets' route scores with a sticky margin).
 */
import { endpointKey, type UdpEndpoint } from '../../core/index.js';
import type { ConnectPath } from '../../src/protocol/index.js';
import { PATH_QUIET_MS, PATH_SWITCH_MARGIN_MS, PATH_SWITCH_RATIO, RELAY_PENALTY_MS } from '../constants.js';

export type { ConnectPath } from '../../src/protocol/index.js';

/** Where a packet came from or goes to: a UDP endpoint, or the relay (addressed by actor). */
export type Via = { path: 'direct'; endpoint: UdpEndpoint } | { path: 'relay' };

export function sameVia(a: Via, b: Via): boolean {
  if (a.path === 'relay' || b.path === 'relay') return a.path === b.path;
  return endpointKey(a.endpoint) === endpointKey(b.endpoint);
}

/** What one end knows of one path at `now`. */
export interface PathQuality {
  path: ConnectPath;
  /** An authenticated round trip completed on it (an accept echoing our challenge, a probe's reply). */
  proven: boolean;
  /** Round-trip time measured on it, ms; undefined when not measured. */
  rttMs: number | undefined;
  /** When an authentic packet last arrived on it; undefined when never. */
  lastHeardAt: number | undefined;
}

export interface PathPolicy {
  /** Added to a relay path's RTT: a direct path wins unless it is this much slower. */
  relayPenaltyMs: number;
  /** Hysteresis: a challenger's score times this, plus {@link switchMarginMs}, must beat the current one's. */
  switchRatio: number;
  switchMarginMs: number;
  /** A current path silent this long while the challenger is heard has been left by the peer. */
  quietMs: number;
}

export const DEFAULT_PATH_POLICY: PathPolicy = {
  relayPenaltyMs: RELAY_PENALTY_MS,
  switchRatio: PATH_SWITCH_RATIO,
  switchMarginMs: PATH_SWITCH_MARGIN_MS,
  quietMs: PATH_QUIET_MS,
};

/**
 * A path's score, lower is better: its RTT (or `rttFallbackMs` when unmeasured) plus the relay
 * penalty; Infinity for a path without an authenticated round trip, which is never sent on.
 */
export function pathScore(quality: PathQuality, policy: PathPolicy, rttFallbackMs = 0): number {
  if (!quality.proven) return Infinity;
  return (quality.rttMs ?? rttFallbackMs) + (quality.path === 'relay' ? policy.relayPenaltyMs : 0);
}

/** Whether `current` has gone quiet at `now` while `challenger` is heard after it. */
function leftBehind(current: PathQuality, challenger: PathQuality, now: number, policy: PathPolicy): boolean {
  if (challenger.lastHeardAt === undefined) return false;
  const heardAt = current.lastHeardAt ?? -Infinity;
  return now - heardAt >= policy.quietMs && challenger.lastHeardAt > heardAt;
}

/**
 * Whether to move from `current` to `challenger` at `now`. Never to an unproven path. Always off
 * an unproven current path, and off one the peer has left (quiet while the challenger is heard).
 * Otherwise by score with hysteresis, so two paths of about the same quality do not flap; an
 * unmeasured RTT counts as the other path's, so the class (direct, relay) decides.
 */
export function shouldSwitch(current: PathQuality | undefined, challenger: PathQuality, now: number, policy = DEFAULT_PATH_POLICY): boolean {
  if (!challenger.proven) return false;
  if (!current?.proven) return true;
  if (leftBehind(current, challenger, now, policy)) return true;
  const challengerScore = pathScore(challenger, policy, current.rttMs ?? 0);
  const currentScore = pathScore(current, policy, challenger.rttMs ?? 0);
  return challengerScore * policy.switchRatio + policy.switchMarginMs < currentScore;
}
