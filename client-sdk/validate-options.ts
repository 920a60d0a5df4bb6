/**
 * Configuration errors caught before any network traffic: every check throws INVALID_OPTIONS
 * naming the field (INVALID_REQUEST for a method's argument), so a typo never surfaces as a
 * network error or, worse, as a silently different behaviour (a port that wraps, a mode that
 * is not one). Plain JavaScript callers bypass the types, so nothing here trusts them.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { parseEndpoint, PunchthroughError } from '../core/index.js';
import { PROTOCOL_MAX_PEERS } from '../src/protocol/index.js';
import { MAX_CONNECTION_TOKEN_BYTES, MAX_DATA_BYTES } from './constants.js';
import type { NetworkRunnerOptions, StartGameOptions } from './types.js';
import { checkRunnerAuth } from './auth-session.js';

/**
 * Longest timer Node keeps: a longer setTimeout fires at once (with a warning), so a duration
 * option above it would turn "very long" into "immediately".
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The modes `startGame` accepts. */
export const START_MODES: readonly StartGameOptions['mode'][] = ['server', 'client', 'autoHostOrClient'];

function invalid(message: string): PunchthroughError {
  return new PunchthroughError('INVALID_OPTIONS', message);
}

/** Checks the runner's options that resolveOptions does not range-check itself. */
export function checkRunnerOptions(options: NetworkRunnerOptions): void {
  if (typeof options !== 'object' || options === null) throw invalid('NetworkRunner options must be an object');
  // A game that brings its own signaling decides what its URL means.
  if (options.signaling === undefined) checkCloudUrl(options.cloudUrl);
  else if (typeof options.signaling !== 'function') throw invalid('signaling must be a function (a SignalingConnector)');
  if (typeof options.appId !== 'string' || options.appId.length === 0) throw invalid(`appId must be a non-empty string, got ${describe(options.appId)}`);
  if (options.appVersion !== undefined && (typeof options.appVersion !== 'string' || options.appVersion.length === 0)) {
    throw invalid(`appVersion must be a non-empty string, got ${describe(options.appVersion)}`);
  }
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535)) {
    throw invalid(`port must be an integer from 0 to 65535 (0: any free port), got ${describe(options.port)}`);
  }
  if (options.bindAddress !== undefined && !isIPv4(String(options.bindAddress))) throw invalid(`bindAddress must be an IPv4 address, got ${describe(options.bindAddress)}`);
  if (options.bindAddress6 !== undefined && !isIPv6(String(options.bindAddress6))) throw invalid(`bindAddress6 must be an IPv6 address, got ${describe(options.bindAddress6)}`);
  checkStunServers(options.stunServers);
  checkRunnerAuth(options.auth, options.onAuthContinue);
  for (const name of ['cloudConnectTimeoutMs', 'requestTimeoutMs', 'attemptIntervalMs', 'keepaliveIntervalMs', 'peerTimeoutMs'] as const) {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && value > 0 && value <= MAX_TIMER_MS)) {
      throw invalid(`${name} must be a number of ms above 0 and at most ${MAX_TIMER_MS}, got ${describe(value)}`);
    }
  }
  for (const name of ['forceRelay', 'discoverNat', 'ipv6', 'lowTtlPriming'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') throw invalid(`${name} must be true or false, got ${describe(options[name])}`);
  }
  if (options.relayTransport !== undefined && !['auto', 'udp', 'websocket'].includes(options.relayTransport)) {
    throw invalid(`relayTransport must be 'auto', 'udp' or 'websocket', got ${describe(options.relayTransport)}`);
  }
  for (const name of ['localAddresses', 'socketFactory', 'clock', 'logger'] as const) {
    const value: unknown = options[name];
    if (value !== undefined && (value === null || (typeof value !== 'object' && typeof value !== 'function'))) throw invalid(`${name} has the wrong type: ${describe(value)}`);
  }
}

/** `http(s)://host[:port]` or `ws(s)://…`, with a host and a valid port. */
function checkCloudUrl(url: unknown): void {
  const hint = 'e.g. "http://127.0.0.1:7070"';
  if (typeof url !== 'string' || url.trim() === '') throw invalid(`cloudUrl must be the cloud's URL (${hint}), got ${describe(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`cloudUrl ${JSON.stringify(url)} is not a URL (${hint}; a port is 1-65535)`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    throw invalid(`cloudUrl ${JSON.stringify(url)} must start with http://, https://, ws:// or wss:// (${hint})`);
  }
  if (parsed.hostname === '') throw invalid(`cloudUrl ${JSON.stringify(url)} has no host (${hint})`);
  if (parsed.port === '0') throw invalid(`cloudUrl ${JSON.stringify(url)}: port 0 cannot be connected to`);
}

/** Every entry `host:port` (IPv6 as `[addr]:port`); a list the runner cannot use is a mistake, not a fallback. */
function checkStunServers(servers: unknown): void {
  if (servers === undefined) return;
  if (!Array.isArray(servers)) throw invalid(`stunServers must be an array of "host:port" strings, got ${describe(servers)}`);
  servers.forEach((entry: unknown, i) => {
    const parsed = typeof entry === 'string' ? parseEndpoint(entry) : undefined;
    if (!parsed || parsed.port < 1) {
      throw invalid(`stunServers[${i}] must be "host:port" or "[IPv6]:port" with a port 1-65535, got ${describe(entry)}`);
    }
  });
}

/** The arguments of startGame. */
export function checkStartOptions(game: StartGameOptions): void {
  if (typeof game !== 'object' || game === null) throw invalid('startGame needs an options object: { mode: "server" | "client", ... }');
  if (!START_MODES.includes(game.mode)) {
    throw invalid(`mode must be one of ${START_MODES.map((m) => `'${m}'`).join(', ')}, got ${describe(game.mode)}`);
  }
  if (game.sessionName !== undefined && typeof game.sessionName !== 'string') throw invalid(`sessionName must be a string, got ${describe(game.sessionName)}`);
  if (game.maxPlayers !== undefined && !(Number.isInteger(game.maxPlayers) && game.maxPlayers >= 1 && game.maxPlayers <= PROTOCOL_MAX_PEERS)) {
    throw invalid(`maxPlayers must be an integer from 1 to ${PROTOCOL_MAX_PEERS}, got ${describe(game.maxPlayers)}`);
  }
  for (const name of ['open', 'visible'] as const) {
    if (game[name] !== undefined && typeof game[name] !== 'boolean') throw invalid(`${name} must be true or false, got ${describe(game[name])}`);
  }
  const token: unknown = game.connectionToken;
  if (token !== undefined && (!(token instanceof Uint8Array) || token.length > MAX_CONNECTION_TOKEN_BYTES)) {
    throw invalid(`connectionToken must be a Uint8Array of at most ${MAX_CONNECTION_TOKEN_BYTES} bytes`);
  }
  for (const name of ['sessionProperties', 'filter'] as const) {
    const value: unknown = game[name];
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) throw invalid(`${name} must be an object of properties, got ${describe(value)}`);
  }
}

/** A game update must be bytes: a string or an ArrayBuffer would otherwise fail deep inside. */
export function checkGameData(data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) {
    const hint = typeof data === 'string' ? ' (encode text first: new TextEncoder().encode(text))' : data instanceof ArrayBuffer ? ' (wrap it: new Uint8Array(buffer))' : '';
    throw new PunchthroughError('INVALID_REQUEST', `data must be a Uint8Array or Buffer, got ${describe(data)}${hint}`);
  }
}

/** A message `send` or `broadcast` may take: bytes, at most `max` of them (MAX_DATA_BYTES unreliable, MAX_RELIABLE_MESSAGE_BYTES reliable). */
export function checkMessageSize(data: Uint8Array, max: number): Uint8Array {
  checkGameData(data);
  if (data.length > max) {
    throw new PunchthroughError('INVALID_REQUEST', `a ${max === MAX_DATA_BYTES ? 'game update' : 'reliable message'} is at most ${max} bytes, got ${data.length}`);
  }
  return data;
}

/** A value as a message shows it: its type and, for short primitives, itself. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length > 60 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined) return String(value);
  if (value instanceof ArrayBuffer) return 'an ArrayBuffer';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}`;
}
