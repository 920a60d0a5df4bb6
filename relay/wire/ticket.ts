// The relay ticket's byte layout (version 1): encoding and parsing of the claims it carries.
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
 */
export const TICKET_VERSION = 1;
export const TICKET_MAC_BYTES = 16;
export const MAX_SESSION_ID_BYTES = 64;
const FIXED_BYTES = 12;

export interface TicketClaims {
  /** The session the peer may relay within. */
  sessionId: string;
  /** The peer's actor number in that session (uint32). */
  actor: number;
  /** Last moment (Unix epoch ms) the ticket authorizes a bind. */
  expiresAtMs: number;
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
  return undefined;
}

/** The signed part of a ticket; the caller appends the MAC. Claims must be valid. */
export function encodeTicketBody(claims: TicketClaims): Uint8Array {
  const id = utf8.encode(claims.sessionId);
  const out = new Uint8Array(FIXED_BYTES + id.length);
  const view = new DataView(out.buffer);
  out[0] = TICKET_VERSION;
  view.setUint16(1, Math.floor(claims.expiresAtMs / 2 ** 32));
  view.setUint32(3, claims.expiresAtMs >>> 0);
  view.setUint32(7, claims.actor);
  out[11] = id.length;
  out.set(id, FIXED_BYTES);
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
  if (bytes[0] !== TICKET_VERSION) return err('version');
  const idLength = bytes[11]!;
  if (idLength < 1 || idLength > MAX_SESSION_ID_BYTES || bytes.length !== FIXED_BYTES + idLength) return err('malformed');
  let sessionId: string;
  try {
    sessionId = strictUtf8.decode(bytes.subarray(FIXED_BYTES));
  } catch {
    return err('malformed');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return ok({
    sessionId,
    actor: view.getUint32(7),
    expiresAtMs: view.getUint16(1) * 2 ** 32 + view.getUint32(3),
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

/** Smallest and largest ticket body (a 1- and a 64-byte session id). */
export const MIN_TICKET_BODY_BYTES = FIXED_BYTES + 1;
export const MAX_TICKET_BODY_BYTES = FIXED_BYTES + MAX_SESSION_ID_BYTES;

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
