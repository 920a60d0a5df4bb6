/**
 * Every error punchthrough reports carries one of these stable codes. The table in
 * docs/errors.md lists the same codes with these messages; test/unit/core/error-codes.test.ts
 * keeps them in step. Add a code here and a row there together.
 */
export const ErrorCodes = {
  // Signaling / session service (Photon equivalents in docs/errors.md).
  INVALID_REQUEST: 'The request was malformed or failed schema validation.',
  UNSUPPORTED_VERSION: 'The protocol version the peer speaks is not supported.',
  SESSION_NOT_FOUND: 'No session with that name exists for this app id and version.',
  SESSION_EXISTS: 'A session with that name already exists.',
  SESSION_FULL: 'The session has reached its maximum number of players.',
  SESSION_CLOSED: 'The session is closed to new players, or was closed.',
  NO_MATCH: 'No open, visible session matched the filter for a random join.',
  ALREADY_JOINED: 'This connection is already in a session.',
  REJOIN_NOT_FOUND: 'No inactive player with that id to rejoin (never joined, or its TTL ran out).',
  NOT_IN_SESSION: 'The request needs a session, and this connection is not in one.',
  NOT_ALLOWED: 'Only the session\'s server-mode peer may do this (change properties, open or visible).',
  RATE_LIMITED: 'Too many requests or packets from this peer; slow down.',
  FRAME_TOO_LARGE: 'A signaling frame exceeded the maximum size.',
  LIMIT_EXCEEDED: 'A configured limit was exceeded (sessions per connection, properties size, players).',
  PROPERTIES_MISMATCH: 'The expected property values did not match the current ones; nothing was changed.',
  // Relay.
  TICKET_INVALID: 'The relay ticket is malformed or its signature does not verify (wrong secret or forged).',
  TICKET_EXPIRED: 'The relay ticket has expired; ask the session service for a new one.',
  TICKET_REVOKED: 'The relay ticket was revoked: its session closed or its actor left the session.',
  NOT_BOUND: 'This address has no relay binding: bind with a ticket first (or again, after a NAT mapping change).',
  PEER_NOT_BOUND: 'The target actor has no relay binding in this session.',
  RELAY_FULL: 'The relay has reached its maximum number of bindings, in all or from this source address.',
  RELAY_TIMEOUT: 'The relay did not answer the bind request in time.',
  RELAY_WS_UNAVAILABLE: "The relay's WebSocket could not be opened (refused, unreachable, or not open in time).",
  // Factories and configuration.
  INVALID_OPTIONS: 'An option passed to a factory is invalid (the message names it and the value).',
  UDP_IO_UNAVAILABLE: "The batched UDP I/O path was asked for (udpIo 'batched', --udp-io batched) and its addon is not built or did not load.",
  SERVICE_UNAVAILABLE: 'The session service could not reach its shared store (Redis) in time; the request may be retried.',
  // Client SDK.
  CONNECT_TIMEOUT: 'No accept from the server before the connection attempts ran out.',
  STUN_TIMEOUT: 'The STUN server did not answer the Binding request in time.',
  STUN_FAILED: 'The STUN server answered with an error, or cannot run the requested NAT behaviour test.',
  CLOUD_UNREACHABLE: 'The session service could not be reached or the signaling connection failed.',
  SOCKET_UNAVAILABLE: 'The game\'s UDP socket could not be bound (address in use or not available).',
  RUNNER_CLOSED: 'The runner was shut down before the operation completed.',
  CONNECT_REFUSED: 'The server refused the connection (its onConnectRequest said no; the message gives its reason).',
  KICKED: 'The server removed this player from the session (the message gives its reason).',
  UNKNOWN_ERROR: 'The cloud answered with an error code this SDK does not know (a newer cloud); remoteCode names it.',
  PLAYER_NOT_FOUND: 'No member of this session has that actor number or peer id (a kick of someone gone).',
  // Custom authentication, plugins and calls to a game's backend (docs/auth.md, docs/plugins.md).
  AUTH_REQUIRED: 'This app requires authentication and the hello carried none.',
  AUTH_FAILED: 'The auth provider refused the credentials (its ResultCode is in the detail).',
  AUTH_UNAVAILABLE: 'The auth provider could not be reached or answered badly, and this app rejects then.',
  AUTH_TOKEN_EXPIRED: 'The auth token is expired, tampered with, or from a key the cloud no longer has.',
  NOT_AUTHENTICATED: 'A request arrived before authentication completed on this connection.',
  USER_ALREADY_JOINED: 'The session checks user ids on join, and this user is already active in it.',
  PLUGIN_MISMATCH: 'The plugin the session asked for is unknown to this app, or its factory returned another.',
  PLUGIN_REPORTED_ERROR: 'A session plugin refused the request on purpose (its reason is in the detail).',
  PLUGIN_ERROR: 'A session plugin failed unexpectedly while handling the request.',
  HOOK_TIMEOUT: 'A plugin callback or a backend gate did not answer within its deadline.',
  REMOVED_BY_PLUGIN: "The session's plugin removed this player (the message gives its reason).",
  EXTERNAL_HTTP_FAILED: 'A call to the game\'s backend failed: refused address, transport error, timeout or bad answer.',
  HOOK_REJECTED: 'A webhook gate of the game\'s backend refused the request (its code and message are in the detail).',
  RPC_NOT_FOUND: 'WebRPC is not enabled for this app, or the path is not allowed (docs/webrpc.md).',
  HTTP_LIMIT_REACHED: 'Too many WebRPC calls from this connection or for this app; slow down.',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/**
 * Photon's number for each code that has one (Photon's `ErrorCode` enum: GameDoesNotExist 32758,
 * OperationInvalid -2, …), sent beside the code on the wire (`photonCode`) so a game ported from
 * Photon can switch on the numbers it knows. docs/errors.md names the same numbers; a unit test
 * keeps them in step.
 */
export const PHOTON_CODES: Readonly<Partial<Record<ErrorCode, number>>> = {
  INVALID_REQUEST: -2,
  SESSION_NOT_FOUND: 32758,
  SESSION_EXISTS: 32766,
  SESSION_FULL: 32765,
  SESSION_CLOSED: 32764,
  NO_MATCH: 32760,
  ALREADY_JOINED: 32750,
  REJOIN_NOT_FOUND: 32748,
  NOT_IN_SESSION: -3,
  NOT_ALLOWED: -3,
  RATE_LIMITED: 32743,
  LIMIT_EXCEEDED: 32743,
  RELAY_FULL: 32762,
  AUTH_REQUIRED: 32767,
  AUTH_FAILED: 32755,
  AUTH_UNAVAILABLE: 32755,
  AUTH_TOKEN_EXPIRED: 32753,
  NOT_AUTHENTICATED: -3,
  USER_ALREADY_JOINED: 32746,
  PLUGIN_MISMATCH: 32751,
  PLUGIN_REPORTED_ERROR: 32752,
  PLUGIN_ERROR: 32752,
  HOOK_TIMEOUT: 32752,
  EXTERNAL_HTTP_FAILED: 32744,
  HOOK_REJECTED: 32752,
  RPC_NOT_FOUND: -2,
  HTTP_LIMIT_REACHED: 32745,
};

/** Whether a code from the network is one this build knows. */
export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ErrorCodes, value);
}

export interface PunchthroughErrorOptions {
  cause?: unknown;
  /** Photon's number, when the error has one (default: {@link PHOTON_CODES} of the code). */
  photonCode?: number;
  /** `UNKNOWN_ERROR`: the code the cloud sent. */
  remoteCode?: string;
  /** What else the refusal said (the auth provider's ResultCode, a plugin's reason). */
  detail?: ErrorDetail;
}

/** The structured part of a refusal, beside its code and message (docs/protocols.md, "Errors"). */
export interface ErrorDetail {
  /** A plugin's or a gate's own reason code. */
  reason?: string;
  /** The auth provider's ResultCode (AUTH_FAILED). */
  resultCode?: number;
  /** Which hook refused. */
  hook?: string;
}

/** Base class of every error punchthrough throws or rejects with. */
export class PunchthroughError extends Error {
  readonly code: ErrorCode;
  /** Photon's number for this error, when it has one. */
  readonly photonCode: number | undefined;
  /** `UNKNOWN_ERROR`: the code the cloud sent, which this build does not know. */
  readonly remoteCode: string | undefined;
  /** What else the refusal said, when it said more than its code (the auth provider's ResultCode). */
  readonly detail: ErrorDetail | undefined;

  constructor(code: ErrorCode, message: string = ErrorCodes[code], options: PunchthroughErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PunchthroughError';
    this.code = code;
    this.photonCode = options.photonCode ?? PHOTON_CODES[code];
    this.remoteCode = options.remoteCode;
    this.detail = options.detail;
  }
}

/**
 * The error a peer's error reply stands for: its code when this build knows it, else
 * UNKNOWN_ERROR naming the code (a newer service), with Photon's number when the reply had one.
 */
export function errorFromWire(code: string, message: string, photonCode?: number, detail?: ErrorDetail): PunchthroughError {
  const options = { ...(photonCode === undefined ? {} : { photonCode }), ...(detail === undefined ? {} : { detail }) };
  if (isErrorCode(code)) return new PunchthroughError(code, message, options);
  return new PunchthroughError('UNKNOWN_ERROR', `${code}: ${message}`, { ...options, remoteCode: code });
}

export function isPunchthroughError(value: unknown): value is PunchthroughError {
  return value instanceof PunchthroughError;
}

/** Outcome of a pure function that must not throw on hostile input (codecs, validators). */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
