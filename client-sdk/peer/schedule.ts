/**
 * The connection schedule (docs/connection-process.md, connection steps 3–7) as pure functions of configuration, state and `now`
 * (tailscale magicsock style: no timers in here, so tests reason about exact times).
 */

import type { ConnectPath } from '../../src/protocol/index.js';

export type { ConnectPath } from '../../src/protocol/index.js';

export interface ScheduleConfig {
  /** Attempts before the client gives up (default 10). */
  attemptsLimit: number;
  /** Time between attempts in ms (default 500). */
  attemptIntervalMs: number;
  /** Share of the attempts that go direct (default 2/3). */
  directFraction: number;
  /** Every attempt goes through the relay (no punching). */
  forceRelay: boolean;
  /**
   * `sequential` (the default): direct for the first attempts, then the relay. `race`: the relay
   * beside the direct attempts from attempt 0 (race.ts).
   */
  policy?: ConnectPolicy;
  /** Sends of each attempt, spaced evenly within its interval (loss). Default 1. */
  copies?: number;
  /** Low-TTL priming of new candidates (priming.ts); undefined: none. */
  priming?: PrimingConfig;
}

/** How the client schedules the relay against the direct attempts. */
export type ConnectPolicy = 'sequential' | 'race';

export interface PrimingConfig {
  /** IP TTL of a prime: enough to leave this end's NAT, too little to reach the peer's. */
  ttl: number;
  /** Full-TTL packets to a primed candidate start this long after its prime, ms. */
  leadMs: number;
}

/**
 * Number of direct attempts: `floor(limit × fraction)` (6 of 10). The epsilon keeps float error
 * (9 × 2/3 = 5.9999…) from losing an attempt.
 */
export function directAttemptCount(config: ScheduleConfig): number {
  if (config.forceRelay) return 0;
  const count = Math.floor(config.attemptsLimit * config.directFraction + 1e-9);
  return Math.max(0, Math.min(config.attemptsLimit, count));
}

/**
 * Path of attempt `n` (connection steps 3–4): direct while `n` is below the direct count,
 * then the relay. Without a relay, every attempt stays direct (there is nothing else to try).
 */
export function attemptPath(config: ScheduleConfig, n: number, relayAvailable: boolean): ConnectPath {
  if (!relayAvailable) return 'direct';
  return n < directAttemptCount(config) ? 'direct' : 'relay';
}

/** Attempt `n` is due at `startedAt + n × interval`. */
export function attemptDueAt(config: ScheduleConfig, startedAt: number, n: number): number {
  return startedAt + n * config.attemptIntervalMs;
}

/** The client gives up at `startedAt + limit × interval` (connection step 6). */
export function giveUpAt(config: ScheduleConfig, startedAt: number): number {
  return startedAt + config.attemptsLimit * config.attemptIntervalMs;
}

/**
 * The next attempt to send at `now`, given `sent` attempts already sent: its number, or
 * undefined when none is due (not yet time, or all sent). At most one per call; the caller loops.
 */
export function dueAttempt(config: ScheduleConfig, startedAt: number, sent: number, now: number): number | undefined {
  if (sent >= config.attemptsLimit) return undefined;
  return attemptDueAt(config, startedAt, sent) <= now ? sent : undefined;
}

/**
 * Server pings to a client follow the client's clock: round `n` at `learnedAt + n × interval`,
 * for the same `limit` rounds (connection step 7: "every interval until that client connects
 * or its attempts run out"). Returns the round to send at `now` given `sent` rounds sent, or
 * undefined. Unlike attempts, missed rounds are skipped, not caught up: a late timer never
 * sends a burst, so a client's candidates get at most one ping each per round (amplification).
 */
export function duePing(config: ScheduleConfig, learnedAt: number, sent: number, now: number): number | undefined {
  if (config.forceRelay || now < learnedAt) return undefined;
  const round = Math.min(config.attemptsLimit - 1, Math.floor((now - learnedAt) / config.attemptIntervalMs));
  return round >= sent ? round : undefined;
}

/** When the next ping or attempt falls due, or undefined when the rounds are over. */
export function nextRoundAt(config: ScheduleConfig, startedAt: number, sent: number): number | undefined {
  return sent < config.attemptsLimit ? attemptDueAt(config, startedAt, sent) : undefined;
}

/** Sends per attempt (at least 1). */
export function copiesOf(config: ScheduleConfig): number {
  return Math.max(1, Math.floor(config.copies ?? 1));
}

/**
 * Burst `i` of the schedule: copy `i mod copies` of attempt `floor(i / copies)`, the copies
 * spaced evenly within the attempt's interval, so copy 0 keeps the attempt's exact time.
 */
export function burstDueAt(config: ScheduleConfig, startedAt: number, i: number): number {
  const copies = copiesOf(config);
  return attemptDueAt(config, startedAt, Math.floor(i / copies)) + (i % copies) * (config.attemptIntervalMs / copies);
}

/** The next burst to send at `now` given `sent` bursts sent, or undefined (the caller loops). */
export function dueBurst(config: ScheduleConfig, startedAt: number, sent: number, now: number): number | undefined {
  if (sent >= config.attemptsLimit * copiesOf(config)) return undefined;
  return burstDueAt(config, startedAt, sent) <= now ? sent : undefined;
}

/** When the next burst falls due, or undefined when all are sent. */
export function nextBurstAt(config: ScheduleConfig, startedAt: number, sent: number): number | undefined {
  return sent < config.attemptsLimit * copiesOf(config) ? burstDueAt(config, startedAt, sent) : undefined;
}

/**
 * Whether attempt `n` is the first on `path` (connection steps 3 and 4 are announced then):
 * attempt 0, or under the sequential policy the first relay attempt after the direct ones.
 */
export function firstAttemptOfPath(config: ScheduleConfig, n: number, path: ConnectPath): boolean {
  if (n === 0) return true;
  return config.policy !== 'race' && path === 'relay' && n === directAttemptCount(config);
}

/**
 * Pure: what a client whose attempts ran out (connection step 6) was missing, for the
 * CONNECT_TIMEOUT message, so the game can tell a broken STUN or relay from a hostile network.
 * Empty when nothing was missing (both NATs simply refused every path).
 */
export function connectTimeoutCauses(known: { peerReflexive: boolean; selfReflexive: boolean; relayAvailable: boolean; forceRelay: boolean }): string[] {
  const causes: string[] = [];
  if (!known.peerReflexive) causes.push('the server reported no server-reflexive address (its STUN request failed), so only its local addresses were tried');
  if (!known.selfReflexive) causes.push('this client has no server-reflexive address (its STUN request failed)');
  if (!known.relayAvailable) {
    causes.push(known.forceRelay ? 'forceRelay is on but the relay was unavailable (no relay in the start, or the bind failed: see relayError)' : 'the relay was unavailable (no relay in the start, or the bind failed: see relayError)');
  }
  return causes;
}

/** The CONNECT_TIMEOUT message: how many attempts over how long, and what {@link connectTimeoutCauses} found missing. */
export function connectTimeoutMessage(config: ScheduleConfig, known: Parameters<typeof connectTimeoutCauses>[0]): string {
  const { attemptsLimit, attemptIntervalMs } = config;
  const missing = connectTimeoutCauses(known);
  const because = missing.length > 0 ? `: ${missing.join('; ')}` : '';
  return `no accept from the server after ${attemptsLimit} attempts (${attemptsLimit * attemptIntervalMs} ms)${because}`;
}

/** Keepalive `n` after connecting is due every `intervalMs` since the last one sent. */
export function keepaliveDueAt(lastSentAt: number, intervalMs: number): number {
  return lastSentAt + intervalMs;
}

/** A connected peer is dead when nothing arrived for `timeoutMs`. */
export function peerTimeoutAt(lastHeardAt: number, timeoutMs: number): number {
  return lastHeardAt + timeoutMs;
}

/** Smoothed RTT (RFC 6298 style); the first sample is taken as is. */
export function smoothRtt(previous: number | undefined, sample: number, alpha: number): number {
  return previous === undefined ? sample : previous + alpha * (sample - previous);
}
