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
  // Factories and configuration.
  INVALID_OPTIONS: 'An option passed to a factory is invalid (the message names it and the value).',
  // Client SDK.
  CONNECT_TIMEOUT: 'No accept from the server before the connection attempts ran out.',
  STUN_TIMEOUT: 'The STUN server did not answer the Binding request in time.',
  STUN_FAILED: 'The STUN server answered with an error, or cannot run the requested NAT behaviour test.',
  CLOUD_UNREACHABLE: 'The session service could not be reached or the signaling connection failed.',
  SOCKET_UNAVAILABLE: 'The game\'s UDP socket could not be bound (address in use or not available).',
  RUNNER_CLOSED: 'The runner was shut down before the operation completed.',
  CONNECT_REFUSED: 'The server refused the connection (its onConnectRequest said no; the message gives its reason).',
  KICKED: 'The server removed this player from the session (the message gives its reason).',
  PLAYER_NOT_FOUND: 'No member of this session has that actor number or peer id (a kick of someone gone).',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** Base class of every error punchthrough throws or rejects with. */
export class PunchthroughError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string = ErrorCodes[code], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PunchthroughError';
    this.code = code;
  }
}

export function isPunchthroughError(value: unknown): value is PunchthroughError {
  return value instanceof PunchthroughError;
}

/** Outcome of a pure function that must not throw on hostile input (codecs, validators). */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
