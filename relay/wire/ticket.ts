// The relay ticket's byte layouts (version 1, and version 2 naming its relay): encoding and parsing of the claims.
import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { err, ok, type Result } from '../../core/index.js';
import { BIND_PROOF_BYTES } from './frames.js';

/**
 * Relay ticket layout, version 1 (docs/protocols.md, "Relay"). The cloud issues a ticket
 * to a peer; the peer hands it to the relay in a bind frame; the relay checks the MAC with the
 * shared secret, so no round trip to the cloud is needed.
 *
 * ```
 * 0      ticket version (1)
 * 1..6   expiresAtMs, uint48 big-endian, Unix epoch milliseconds (wall clock: the issuer and
 *        the verifier are different processes)
 * 7..10  actor, uint32 big-endian (the peer's actor number in its session)
 * 11     n = session id length in bytes (1..64)
 * 12..   session id, UTF-8
 * 12+n   MAC: the first 16 bytes of HMAC-SHA256(secret, "punchthrough-relay-ticket" ‖ bytes 0..12+n)
 * ```
 *
 * Version 2 (a relay of a fleet) is version 1 with byte 0 = 2 and, between the session id and
 * the MAC, `m` (1 byte, 1..64) and the relay id (m ASCII bytes of `[A-Za-z0-9._-]`). Its MAC is
 * keyed with that relay's own key (`deriveRelayKey`), and a relay refuses a ticket naming
 * another relay, so a ticket is worth nothing anywhere but where the cloud sent its peer.
 */
export const TICKET_VERSION = 1;
/** The layout of a ticket that names its relay. */
export const TICKET_VERSION_RELAY_ID = 2;
export const TICKET_MAC_BYTES = 16;
export const MAX_SESSION_ID_BYTES = 64;
export const MAX_RELAY_ID_BYTES = 64;
/** What a relay id may be: short, printable, safe in a Redis key, a log line and a metric label. */
export const RELAY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** The relay id of a relay started without one (the cloud's embedded relay); it accepts version 1 tickets. */
export const LOCAL_RELAY_ID = 'local';
const FIXED_BYTES = 12;

export interface TicketClaims {
  /** The session the peer may relay within. */
  sessionId: string;
  /** The peer's actor number in that session (uint32). */
  actor: number;
  /** Last moment (Unix epoch ms) the ticket authorizes a bind. */
  expiresAtMs: number;
  /** The relay the ticket is good at (version 2); absent in a version 1 ticket. */
  relayId?: string;
}

export interface ParsedTicket extends TicketClaims {
  /** The bytes the MAC covers (a view into the ticket). */
  signed: Uint8Array;
  /** The MAC as received (a view into the ticket). */
  mac: Uint8Array;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Checks claims before signing; returns a reason when they cannot be encoded. */
export function validateTicketClaims(claims: TicketClaims): string | undefined {
  const idBytes = utf8.encode(claims.sessionId).length;
  if (idBytes < 1 || idBytes > MAX_SESSION_ID_BYTES) return `session id must be 1..${MAX_SESSION_ID_BYTES} UTF-8 bytes`;
  if (!Number.isInteger(claims.actor) || claims.actor < 0 || claims.actor > 0xffff_ffff) return 'actor must be a uint32';
  if (!Number.isInteger(claims.expiresAtMs) || claims.expiresAtMs < 0 || claims.expiresAtMs > 2 ** 48 - 1) {
    return 'expiresAtMs must be an integer epoch time in milliseconds';
  }
  if (claims.relayId !== undefined && !RELAY_ID_PATTERN.test(claims.relayId)) return 'relay id must be 1..64 of [A-Za-z0-9._-]';
  return undefined;
}

/** The signed part of a ticket; the caller appends the MAC. Claims must be valid. */
export function encodeTicketBody(claims: TicketClaims): Uint8Array {
  const id = utf8.encode(claims.sessionId);
  const relay = claims.relayId === undefined ? undefined : utf8.encode(claims.relayId);
  const out = new Uint8Array(FIXED_BYTES + id.length + (relay ? 1 + relay.length : 0));
  const view = new DataView(out.buffer);
  out[0] = relay ? TICKET_VERSION_RELAY_ID : TICKET_VERSION;
  view.setUint16(1, Math.floor(claims.expiresAtMs / 2 ** 32));
  view.setUint32(3, claims.expiresAtMs >>> 0);
  view.setUint32(7, claims.actor);
  out[11] = id.length;
  out.set(id, FIXED_BYTES);
  if (relay) {
    out[FIXED_BYTES + id.length] = relay.length;
    out.set(relay, FIXED_BYTES + id.length + 1);
  }
  return out;
}

/** The claims of a ticket body (the signed part, without the MAC). Does not check anything signed. */
export interface ParsedTicketBody extends TicketClaims {
  /** The body itself (the bytes the MAC covers). */
  signed: Uint8Array;
}

/**
 * Parses a ticket body as it travels in a bind frame: the claims without the MAC. Cheap (no
 * crypto), so the relay runs it, and the expiry and revocation checks, before any HMAC.
 */
export function parseTicketBody(bytes: Uint8Array): Result<ParsedTicketBody, 'malformed' | 'version'> {
  if (bytes.length < FIXED_BYTES + 1) return err('malformed');
  const version = bytes[0];
  if (version !== TICKET_VERSION && version !== TICKET_VERSION_RELAY_ID) return err('version');
  const idLength = bytes[11]!;
  const idEnd = FIXED_BYTES + idLength;
  if (idLength < 1 || idLength > MAX_SESSION_ID_BYTES) return err('malformed');
  let relayId: string | undefined;
  if (version === TICKET_VERSION) {
    if (bytes.length !== idEnd) return err('malformed');
  } else {
    const relayLength = bytes.length > idEnd ? bytes[idEnd]! : 0;
    if (relayLength < 1 || relayLength > MAX_RELAY_ID_BYTES || bytes.length !== idEnd + 1 + relayLength) return err('malformed');
    // Latin-1 keeps one character per byte, so the pattern test alone proves the bytes ASCII.
    relayId = Buffer.from(bytes.buffer, bytes.byteOffset + idEnd + 1, relayLength).toString('latin1');
    if (!RELAY_ID_PATTERN.test(relayId)) return err('malformed');
  }
  let sessionId: string;
  try {
    sessionId = strictUtf8.decode(bytes.subarray(FIXED_BYTES, idEnd));
  } catch {
    return err('malformed');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return ok({
    sessionId,
    actor: view.getUint32(7),
    expiresAtMs: view.getUint16(1) * 2 ** 32 + view.getUint32(3),
    ...(relayId === undefined ? {} : { relayId }),
    signed: bytes,
  });
}

/** Splits a received ticket into claims, signed bytes and MAC. Does not check the MAC. */
export function parseTicket(bytes: Uint8Array): Result<ParsedTicket, 'malformed' | 'version'> {
  if (bytes.length < FIXED_BYTES + 1 + TICKET_MAC_BYTES) return err('malformed');
  const body = parseTicketBody(bytes.subarray(0, bytes.length - TICKET_MAC_BYTES));
  if (!body.ok) return body;
  return ok({ ...body.value, mac: bytes.subarray(bytes.length - TICKET_MAC_BYTES) });
}

/** Smallest ticket body (version 1, a 1-byte session id) and largest (version 2, 64-byte session and relay ids). */
export const MIN_TICKET_BODY_BYTES = FIXED_BYTES + 1;
export const MAX_TICKET_BODY_BYTES = FIXED_BYTES + MAX_SESSION_ID_BYTES + 1 + MAX_RELAY_ID_BYTES;

/** Domain separation of the bind proof's HMAC from the ticket's own. */
const PROOF_LABEL = Buffer.from('punchthrough-relay-bind-proof');

/**
 * Splits an issued ticket into the body that travels in bind frames and the MAC that never
 * leaves the peer (it keys the bind proof). Never throws: a ticket too short for a MAC yields an
 * empty MAC, and the relay refuses whatever proof comes of it.
 */
export function splitTicket(ticket: Uint8Array): { body: Uint8Array; mac: Uint8Array } {
  const cut = Math.max(0, ticket.length - TICKET_MAC_BYTES);
  return { body: ticket.subarray(0, cut), mac: ticket.subarray(cut) };
}

/**
 * The proof a bind carries: HMAC-SHA256(ticket MAC, label ‖ cookie), truncated to 128 bits.
 * The cookie names the source address, so a proof seen on the path is worthless from any other
 * address, and without the MAC (which only the cloud and the peer know) no new one can be made.
 */
export function bindProof(ticketMac: Uint8Array, cookie: Uint8Array): Uint8Array {
  return createHmac('sha256', ticketMac).update(PROOF_LABEL).update(cookie).digest().subarray(0, BIND_PROOF_BYTES);
}
