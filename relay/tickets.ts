// Relay ticket signing and checking: the cloud's issuer and the relay's verifier.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { PunchthroughError, createRealClock, err, ok, type Clock, type Result } from '../core/index.js';
import { DEFAULT_TICKET_TTL_MS, MIN_TICKET_SECRET_BYTES } from './constants.js';
import {
  BIND_PROOF_BYTES,
  LOCAL_RELAY_ID,
  RELAY_ID_PATTERN,
  TICKET_MAC_BYTES,
  bindProof,
  encodeTicketBody,
  parseTicket,
  validateTicketClaims,
  type TicketClaims,
} from './wire/index.js';

/**
 * The secret cloud and relay nodes share: a string (used as its UTF-8 bytes) or raw bytes, at
 * least `MIN_TICKET_SECRET_BYTES` long.
 */
export type TicketSecret = string | Uint8Array;

/** Domain separation: a MAC made with the same secret for anything else never verifies here. */
const MAC_LABEL = Buffer.from('punchthrough-relay-ticket');
/** Domain separation of bind proofs (keyed with a ticket's MAC) from everything else. */

function secretKey(secret: TicketSecret): Buffer {
  const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (key.length < MIN_TICKET_SECRET_BYTES) {
    throw new PunchthroughError('INVALID_REQUEST', `the ticket secret must be at least ${MIN_TICKET_SECRET_BYTES} bytes`);
  }
  return key;
}

/**
 * HMAC-SHA256 truncated to 128 bits. RFC 2104 §5 allows truncating to half the hash length;
 * forging a tag means guessing 2^128 values, one bind datagram per guess.
 */
function mac(key: Buffer, signed: Uint8Array): Buffer {
  return createHmac('sha256', key).update(MAC_LABEL).update(signed).digest().subarray(0, TICKET_MAC_BYTES);
}

/** Bytes of a relay's derived ticket key (HKDF-SHA256 output, the hash's own length). */
export const RELAY_KEY_BYTES = 32;
const RELAY_KEY_INFO = 'punchthrough relay ';

/**
 * The ticket key of one relay of a fleet: HKDF-SHA256(masterSecret, salt = empty,
 * info = "punchthrough relay " + relayId, 32 bytes). The cloud holds the master secret and signs
 * each session's tickets with its relay's key; a relay holds only its own, so a relay that is
 * taken over cannot mint tickets any other relay accepts. Throws INVALID_REQUEST on a short
 * secret or a relay id outside `RELAY_ID_PATTERN`.
 */
export function deriveRelayKey(masterSecret: TicketSecret, relayId: string): Uint8Array {
  if (!RELAY_ID_PATTERN.test(relayId)) throw new PunchthroughError('INVALID_REQUEST', 'a relay id must be 1..64 of [A-Za-z0-9._-]');
  const key = hkdfSync('sha256', secretKey(masterSecret), new Uint8Array(0), Buffer.from(RELAY_KEY_INFO + relayId, 'utf8'), RELAY_KEY_BYTES);
  return new Uint8Array(key);
}

/** A random secret (32 bytes, hex) for a relay started without one. */
export function generateTicketSecret(): string {
  return randomBytes(32).toString('hex');
}

export interface TicketIssuerOptions {
  /** The secret shared with every relay that must accept these tickets. */
  secret: TicketSecret;
  /** How long a ticket authorizes binds after it is issued. Default `DEFAULT_TICKET_TTL_MS`. */
  ttlMs?: number;
  /** Its `wallTime()` dates the expiry (epoch ms, comparable across processes). Default: real clock. */
  clock?: Clock;
  /**
   * The relay these tickets are for: they carry its id (ticket version 2) and only that relay
   * accepts them; sign them with its key (`deriveRelayKey`). Absent: version 1 tickets, which
   * only a relay without an id (`LOCAL_RELAY_ID`, the cloud's embedded relay) accepts.
   */
  relayId?: string;
}

export interface IssuedTicket {
  /** Opaque bytes to hand to the peer, which passes them to its relay client. */
  ticket: Uint8Array;
  /** Epoch ms after which the relay refuses the ticket with TICKET_EXPIRED. */
  expiresAtMs: number;
}

export interface TicketIssuer {
  /** Signs a ticket for `actor` (uint32) in `sessionId` (1..64 UTF-8 bytes); throws INVALID_REQUEST otherwise. */
  issue(sessionId: string, actor: number): IssuedTicket;
}

/** The cloud side: signs tickets that relays verify with the same secret. */
export function createTicketIssuer(options: TicketIssuerOptions): TicketIssuer {
  const key = secretKey(options.secret);
  const ttlMs = options.ttlMs ?? DEFAULT_TICKET_TTL_MS;
  const clock = options.clock ?? createRealClock();
  const relayId = options.relayId;
  if (relayId !== undefined && !RELAY_ID_PATTERN.test(relayId)) {
    throw new PunchthroughError('INVALID_REQUEST', 'a relay id must be 1..64 of [A-Za-z0-9._-]');
  }
  return {
    issue(sessionId, actor) {
      const expiresAtMs = Math.floor(clock.wallTime() + ttlMs);
      const claims: TicketClaims = relayId === undefined ? { sessionId, actor, expiresAtMs } : { sessionId, actor, expiresAtMs, relayId };
      const invalid = validateTicketClaims(claims);
      if (invalid) throw new PunchthroughError('INVALID_REQUEST', `cannot issue a relay ticket: ${invalid}`);
      const body = encodeTicketBody(claims);
      const ticket = new Uint8Array(body.length + TICKET_MAC_BYTES);
      ticket.set(body);
      ticket.set(mac(key, body), body.length);
      return { ticket, expiresAtMs: claims.expiresAtMs };
    },
  };
}

export interface TicketVerifierOptions {
  /** The secret the issuing cloud uses. */
  secret: TicketSecret;
  /** Its `wallTime()` is compared with the ticket's expiry. Default: real clock. */
  clock?: Clock;
  /**
   * This relay's id: a ticket naming another relay is TICKET_INVALID. Default `LOCAL_RELAY_ID`,
   * which also accepts version 1 tickets (they name no relay).
   */
  relayId?: string;
}

export type TicketError = 'TICKET_INVALID' | 'TICKET_EXPIRED' | 'UNSUPPORTED_VERSION';

export interface TicketVerifier {
  /** The relay id tickets must name (`LOCAL_RELAY_ID` when they may name none). */
  readonly relayId: string;
  /** Whether a ticket naming `relayId` (undefined: a version 1 ticket) is for this relay. Cheap, no crypto. */
  isForThisRelay(relayId: string | undefined): boolean;
  /** Checks the relay id, the MAC, then the expiry. Never throws on hostile bytes. */
  verify(ticket: Uint8Array): Result<TicketClaims, TicketError>;
  /**
   * True when `proof` is `bindProof(MAC of body, cookie)`: the sender holds the whole ticket.
   * Two HMACs; the caller has already parsed `body` and checked its expiry (cheap checks first).
   */
  provesTicket(body: Uint8Array, cookie: Uint8Array, proof: Uint8Array): boolean;
}

/** The relay side: verifies tickets with no round trip to the cloud. */
export function createTicketVerifier(options: TicketVerifierOptions): TicketVerifier {
  const key = secretKey(options.secret);
  const clock = options.clock ?? createRealClock();
  const ownId = options.relayId ?? LOCAL_RELAY_ID;
  if (!RELAY_ID_PATTERN.test(ownId)) throw new PunchthroughError('INVALID_REQUEST', 'a relay id must be 1..64 of [A-Za-z0-9._-]');
  const isForThisRelay = (relayId: string | undefined): boolean => (relayId ?? LOCAL_RELAY_ID) === ownId;
  return {
    relayId: ownId,
    isForThisRelay,
    verify(ticket) {
      const parsed = parseTicket(ticket);
      if (!parsed.ok) return err(parsed.error === 'version' ? 'UNSUPPORTED_VERSION' : 'TICKET_INVALID');
      const { signed, mac: received, sessionId, actor, expiresAtMs, relayId } = parsed.value;
      if (!isForThisRelay(relayId)) return err('TICKET_INVALID');
      if (!timingSafeEqual(mac(key, signed), received)) return err('TICKET_INVALID');
      // Expiry is checked after the MAC, so an unsigned ticket learns nothing from the answer.
      if (clock.wallTime() > expiresAtMs) return err('TICKET_EXPIRED');
      return ok(relayId === undefined ? { sessionId, actor, expiresAtMs } : { sessionId, actor, expiresAtMs, relayId });
    },
    provesTicket(body, cookie, proof) {
      if (proof.length !== BIND_PROOF_BYTES) return false;
      return timingSafeEqual(bindProof(mac(key, body), cookie), proof);
    },
  };
}
