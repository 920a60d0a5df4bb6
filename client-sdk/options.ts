// The runner's options resolved once, at construction: defaults from constants.ts, range checks.
import { createEnv, parseEndpoint, PunchthroughError, type Env, type UdpEndpoint } from '../core/index.js';
import {
  DEFAULT_ATTEMPT_COPIES,
  DEFAULT_ATTEMPT_INTERVAL_MS,
  DEFAULT_ATTEMPTS_LIMIT,
  DEFAULT_CLOUD_CONNECT_TIMEOUT_MS,
  DEFAULT_CLOUD_RECONNECT_INITIAL_DELAY_MS,
  DEFAULT_CLOUD_RECONNECT_MAX_DELAY_MS,
  DEFAULT_CLOUD_RECONNECT_TIMEOUT_MS,
  DEFAULT_CLOUD_RESTORE_WAIT_MS,
  DEFAULT_CONNECT_POLICY,
  DEFAULT_DIRECT_FRACTION,
  DEFAULT_DISCOVER_NAT,
  DEFAULT_KEEPALIVE_INTERVAL_MS,
  DEFAULT_PEER_TIMEOUT_MS,
  DEFAULT_PRIME_TTL,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_ATTEMPTS,
  PRIME_LEAD_MS,
} from './constants.js';
import type { LinkTiming } from './peer/link-core.js';
import type { ScheduleConfig } from './peer/schedule.js';
import { connectSignaling, type SignalingConnector, type SignalingOptions } from './signaling.js';
import { AuthSession } from './auth-session.js';
import type { CloudReconnectOptions, ConnectRequestHandler, NetworkRunnerOptions } from './types.js';
import type { RelayTransportMode } from './relay-transport.js';
import { checkRunnerOptions } from './validate-options.js';

/** Where and how the game socket(s) bind. */
export interface SocketOptions {
  bindAddress: string;
  bindAddress6: string;
  port: number;
  ipv6: boolean;
  relayTransport: RelayTransportMode;
}

/** {@link NetworkRunnerOptions} with every default applied and every value checked. */
export interface ResolvedOptions {
  /** Clock, logger and the game socket factory from the options; real ones by default. */
  env: Env;
  schedule: ScheduleConfig;
  timing: LinkTiming;
  /** Opens the signaling connection: the game's own connector, or the WebSocket one. */
  connectSignaling: SignalingConnector;
  signaling: SignalingOptions;
  requestTimeoutMs: number;
  sockets: SocketOptions;
  localAddresses: (() => readonly string[]) | undefined;
  /** The game's STUN servers (each checked); undefined: the ones the cloud hands out. */
  stunServers: UdpEndpoint[] | undefined;
  discoverNat: boolean;
  /** Server mode: the game's connect-request callback; undefined accepts every client. */
  onConnectRequest: ConnectRequestHandler | undefined;
  /** Reconnecting to a lost cloud (cloud-link.ts). */
  cloudReconnect: Required<CloudReconnectOptions>;
}

/** Throws INVALID_OPTIONS for a value out of range. */
export function resolveOptions(options: NetworkRunnerOptions): ResolvedOptions {
  checkRunnerOptions(options);
  const env = createEnv({
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.socketFactory ? { sockets: options.socketFactory } : {}),
  });
  const { clock, logger } = env;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    env,
    schedule: resolveSchedule(options),
    timing: resolveTiming(options),
    connectSignaling: options.signaling ?? connectSignaling,
    signaling: {
      url: options.cloudUrl,
      appId: options.appId,
      appVersion: options.appVersion ?? '1',
      clock,
      logger,
      connectTimeoutMs: options.cloudConnectTimeoutMs ?? DEFAULT_CLOUD_CONNECT_TIMEOUT_MS,
      requestTimeoutMs,
      // One per runner: the token it earns is used by every reconnect and rejoin.
      auth: new AuthSession(options.auth, options.onAuthContinue),
    },
    requestTimeoutMs,
    sockets: {
      bindAddress: options.bindAddress ?? '0.0.0.0',
      bindAddress6: options.bindAddress6 ?? '::',
      port: options.port ?? 0,
      ipv6: options.ipv6 ?? defaultIpv6(options),
      relayTransport: options.relayTransport ?? 'auto',
    },
    localAddresses: options.localAddresses,
    stunServers: options.stunServers?.flatMap((text) => parseEndpoint(text) ?? []),
    discoverNat: options.discoverNat ?? DEFAULT_DISCOVER_NAT,
    onConnectRequest: callback(options.onConnectRequest, 'onConnectRequest'),
    cloudReconnect: resolveReconnect(options.cloudReconnect),
  };
}

/** The reconnect options; each delay positive, each field named in its INVALID_OPTIONS. */
export function resolveReconnect(options: CloudReconnectOptions = {}): Required<CloudReconnectOptions> {
  const enabled = options.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new PunchthroughError('INVALID_OPTIONS', `cloudReconnect.enabled must be a boolean, got ${String(enabled)}`);
  const initialDelayMs = positive(options.initialDelayMs, DEFAULT_CLOUD_RECONNECT_INITIAL_DELAY_MS, 'cloudReconnect.initialDelayMs');
  const maxDelayMs = positive(options.maxDelayMs, DEFAULT_CLOUD_RECONNECT_MAX_DELAY_MS, 'cloudReconnect.maxDelayMs');
  if (maxDelayMs < initialDelayMs) {
    throw new PunchthroughError('INVALID_OPTIONS', `cloudReconnect.maxDelayMs (${maxDelayMs}) must be at least initialDelayMs (${initialDelayMs})`);
  }
  return {
    enabled,
    initialDelayMs,
    maxDelayMs,
    timeoutMs: positive(options.timeoutMs, DEFAULT_CLOUD_RECONNECT_TIMEOUT_MS, 'cloudReconnect.timeoutMs'),
    restoreWaitMs: positive(options.restoreWaitMs, DEFAULT_CLOUD_RESTORE_WAIT_MS, 'cloudReconnect.restoreWaitMs'),
  };
}

/**
 * IPv6 is on unless the runner is pinned to one IPv4 address (loopback tests, a chosen
 * interface) without an IPv6 address beside it: there it would add the machine's other addresses.
 */
function defaultIpv6(options: NetworkRunnerOptions): boolean {
  const pinned = options.bindAddress !== undefined && options.bindAddress !== '0.0.0.0';
  return options.bindAddress6 !== undefined || !pinned;
}

/** The connection schedule (docs/connection-process.md, connection steps 3–6). */
export function resolveSchedule(options: NetworkRunnerOptions): ScheduleConfig {
  const attemptIntervalMs = positive(options.attemptIntervalMs, DEFAULT_ATTEMPT_INTERVAL_MS, 'attemptIntervalMs');
  const policy = options.connectPolicy ?? DEFAULT_CONNECT_POLICY;
  if (policy !== 'sequential' && policy !== 'race') throw new PunchthroughError('INVALID_OPTIONS', `connectPolicy must be 'sequential' or 'race', got ${String(policy)}`);
  const ttl = options.primeTtl ?? DEFAULT_PRIME_TTL;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) throw new PunchthroughError('INVALID_OPTIONS', `primeTtl must be an integer from 1 to 255, got ${ttl}`);
  return {
    attemptsLimit: attempts(options.attemptsLimit ?? DEFAULT_ATTEMPTS_LIMIT),
    attemptIntervalMs,
    directFraction: fraction(options.directFraction ?? DEFAULT_DIRECT_FRACTION),
    forceRelay: options.forceRelay ?? false,
    policy,
    copies: DEFAULT_ATTEMPT_COPIES,
    ...((options.lowTtlPriming ?? true) ? { priming: { ttl, leadMs: Math.min(PRIME_LEAD_MS, attemptIntervalMs / 2) } } : {}),
  };
}

/** Keepalive and peer timeout. */
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

function callback<F>(value: F | undefined, name: string): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new PunchthroughError('INVALID_OPTIONS', `${name} must be a function`);
  return value;
}
