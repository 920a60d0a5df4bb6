// Resolves and checks the runner's connection options against the defaults in constants.ts.
import { PunchthroughError } from '../core/index.js';
import {
  DEFAULT_ATTEMPT_INTERVAL_MS,
  DEFAULT_ATTEMPTS_LIMIT,
  DEFAULT_DIRECT_FRACTION,
  DEFAULT_KEEPALIVE_INTERVAL_MS,
  DEFAULT_PEER_TIMEOUT_MS,
  MAX_ATTEMPTS,
} from './constants.js';
import type { LinkTiming } from './peer/link-core.js';
import type { ScheduleConfig } from './peer/schedule.js';
import type { NetworkRunnerOptions } from './types.js';

/** The connection schedule (DESIGN.md §2); throws INVALID_OPTIONS for a value out of range. */
export function resolveSchedule(options: NetworkRunnerOptions): ScheduleConfig {
  return {
    attemptsLimit: attempts(options.attemptsLimit ?? DEFAULT_ATTEMPTS_LIMIT),
    attemptIntervalMs: positive(options.attemptIntervalMs, DEFAULT_ATTEMPT_INTERVAL_MS, 'attemptIntervalMs'),
    directFraction: fraction(options.directFraction ?? DEFAULT_DIRECT_FRACTION),
    forceRelay: options.forceRelay ?? false,
  };
}

/** Keepalive and peer timeout; throws INVALID_OPTIONS for a value out of range. */
export function resolveTiming(options: NetworkRunnerOptions): LinkTiming {
  return {
    keepaliveIntervalMs: positive(options.keepaliveIntervalMs, DEFAULT_KEEPALIVE_INTERVAL_MS, 'keepaliveIntervalMs'),
    peerTimeoutMs: positive(options.peerTimeoutMs, DEFAULT_PEER_TIMEOUT_MS, 'peerTimeoutMs'),
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen <= 0) throw new PunchthroughError('INVALID_OPTIONS', `${name} must be a positive number, got ${chosen}`);
  return chosen;
}

/** The attempt number travels as one byte in the connect packet. */
function attempts(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_ATTEMPTS) {
    throw new PunchthroughError('INVALID_OPTIONS', `attemptsLimit must be an integer from 1 to ${MAX_ATTEMPTS}, got ${value}`);
  }
  return value;
}

function fraction(value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new PunchthroughError('INVALID_OPTIONS', `directFraction must be between 0 and 1, got ${value}`);
  }
  return value;
}
