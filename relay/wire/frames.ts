// The relay's UDP frame format: frame types, error codes and pure encoders and decoders.
import { err, ok, type ErrorCode, type Result } from '../../core/index.js';
import { MAX_TICKET_BODY_BYTES, MIN_TICKET_BODY_BYTES } from './ticket.js';

/**
 * The relay's UDP framing (docs/protocols.md, "Relay"). Pure: no I/O, never throws on
 * received bytes — a decode returns a Result so the server can count and drop.
 *
 * Every frame starts `[version][type]`. The version byte is 0xF2: its top two bits (11) set it
 * apart from STUN (00), DTLS (20–63) and RTP (128–191) under RFC 7983's demultiplexing, so a
 * relay frame is recognisable on a socket that carries other traffic; the low nibble is the
 * protocol version. Version 2 replaced version 1's bind (which carried the whole ticket, MAC
 * included, so anyone on the path could replay it from anywhere) with the cookie exchange below;
 * a version-1 peer gets UNSUPPORTED_VERSION instead of a silent timeout.
 */
export const RELAY_PROTOCOL_VERSION = 0xf2;

export const RelayFrameType = {
  /**
   * peer → relay: `[cookie 16][proof 16][ticket body]` — bind this source address to the
   * ticket's session and actor. The ticket's MAC never travels: the peer proves it holds it with
   * `proof = HMAC(MAC, cookie)`. A first bind carries an all-zero cookie and proof; the relay
   * answers it with a challenge (return routability: only the real source sees the cookie).
   */
  bind: 0x01,
  /**
   * relay → peer: `[actor u32][idleTimeoutMs u32][unbindToken 8]` — bound; keep alive within
   * the timeout. Only the bound address sees the token, so only it can unbind.
   */
  bound: 0x02,
  /** peer → relay: `[toActor u32][payload]`. */
  send: 0x03,
  /** relay → peer: `[fromActor u32][payload]`; same length as the send it came from. */
  deliver: 0x04,
  /** peer → relay: `[nonce u32]` — refreshes the binding. */
  keepalive: 0x05,
  /** relay → peer: `[nonce u32]` echoed, so the peer can measure RTT and see the relay alive. */
  keepaliveAck: 0x06,
  /** relay → peer: `[code u8][actor u32]` — what went wrong, and with which actor (0: none). */
  error: 0x07,
  /**
   * peer → relay: `[unbindToken 8]` — drop my binding now (instead of at idle expiry). The token
   * from bound keeps a forged-source unbind (anyone who knows the peer's address) from ending it.
   */
  unbind: 0x08,
  /**
   * relay → peer: `[cookie 16]` — echo this in your bind, with the proof. Stateless at the
   * relay, and 18 bytes: never larger than the bind (≥ 47 bytes) that provoked it.
   */
  challenge: 0x09,
} as const;
export type RelayFrameTypeName = keyof typeof RelayFrameType;

/** Error codes carried in an error frame (one byte on the wire). */
export const RelayWireError = {
  INVALID_REQUEST: 1,
  UNSUPPORTED_VERSION: 2,
  TICKET_INVALID: 3,
  TICKET_EXPIRED: 4,
  NOT_BOUND: 5,
  PEER_NOT_BOUND: 6,
  RATE_LIMITED: 7,
  RELAY_FULL: 8,
  TICKET_REVOKED: 9,
  SESSION_FULL: 10,
} as const satisfies Partial<Record<ErrorCode, number>>;
export type RelayErrorCode = keyof typeof RelayWireError;

const errorByWire = new Map<number, RelayErrorCode>(
  Object.entries(RelayWireError).map(([code, wire]) => [wire, code as RelayErrorCode]),
);

/** Bytes before the payload of a send or deliver frame: version, type, actor. */
export const RELAY_DATA_HEADER_BYTES = 6;
/** The secret a bound frame hands the peer for its unbind. */
export const UNBIND_TOKEN_BYTES = 8;
/** Size of a bound, keepalive, keepalive-ack, error and unbind frame. */
export const RELAY_BOUND_BYTES = 10 + UNBIND_TOKEN_BYTES;
export const RELAY_UNBIND_BYTES = 2 + UNBIND_TOKEN_BYTES;
export const RELAY_KEEPALIVE_BYTES = 6;
export const RELAY_ERROR_BYTES = 7;
/** Cookie and proof of a bind, and the cookie of a challenge. */
export const BIND_COOKIE_BYTES = 16;
export const BIND_PROOF_BYTES = 16;
export const RELAY_CHALLENGE_BYTES = 2 + BIND_COOKIE_BYTES;
const BIND_HEADER_BYTES = 2 + BIND_COOKIE_BYTES + BIND_PROOF_BYTES;
/** Smallest and largest bind frame (ticket bodies with a 1- and a 64-byte session id). */
export const RELAY_BIND_MIN_BYTES = BIND_HEADER_BYTES + MIN_TICKET_BODY_BYTES;
export const RELAY_BIND_MAX_BYTES = BIND_HEADER_BYTES + MAX_TICKET_BODY_BYTES;

export type RelayFrame =
  /** `cookie` undefined: a first bind (all-zero cookie and proof on the wire). */
  | { type: 'bind'; cookie: Uint8Array | undefined; proof: Uint8Array; body: Uint8Array }
  | { type: 'challenge'; cookie: Uint8Array }
  | { type: 'bound'; actor: number; idleTimeoutMs: number; unbindToken: Uint8Array }
  | { type: 'send'; toActor: number; payload: Uint8Array }
  | { type: 'deliver'; fromActor: number; payload: Uint8Array }
  | { type: 'keepalive'; nonce: number }
  | { type: 'keepaliveAck'; nonce: number }
  | { type: 'error'; code: RelayErrorCode; actor: number }
  | { type: 'unbind'; unbindToken: Uint8Array };

/** Why a datagram is not a relay frame; the server counts drops under these names. */
export type RelayDecodeError = 'truncated' | 'version' | 'type' | 'malformed';

const typeNames = new Map<number, RelayFrameTypeName>(
  Object.entries(RelayFrameType).map(([name, wire]) => [wire, name as RelayFrameTypeName]),
);

/** Decodes one datagram. Payload and ticket are views into `bytes`, not copies. */
export function decodeRelayFrame(bytes: Uint8Array): Result<RelayFrame, RelayDecodeError> {
  if (bytes.length < 2) return err('truncated');
  if (bytes[0] !== RELAY_PROTOCOL_VERSION) return err('version');
  const type = typeNames.get(bytes[1]!);
  if (type === undefined) return err('type');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (offset: number): number => view.getUint32(offset);
  switch (type) {
    case 'bind': {
      if (bytes.length < RELAY_BIND_MIN_BYTES) return err('truncated');
      if (bytes.length > RELAY_BIND_MAX_BYTES) return err('malformed');
      const cookie = bytes.subarray(2, 2 + BIND_COOKIE_BYTES);
      return ok({
        type,
        cookie: isZero(cookie) ? undefined : cookie,
        proof: bytes.subarray(2 + BIND_COOKIE_BYTES, BIND_HEADER_BYTES),
        body: bytes.subarray(BIND_HEADER_BYTES),
      });
    }
    case 'challenge':
      return bytes.length === RELAY_CHALLENGE_BYTES ? ok({ type, cookie: bytes.subarray(2) }) : err('malformed');
    case 'bound':
      return bytes.length === RELAY_BOUND_BYTES ? ok({ type, actor: u32(2), idleTimeoutMs: u32(6), unbindToken: bytes.subarray(10) }) : err('malformed');
    case 'send':
    case 'deliver': {
      if (bytes.length < RELAY_DATA_HEADER_BYTES) return err('truncated');
      const payload = bytes.subarray(RELAY_DATA_HEADER_BYTES);
      return type === 'send' ? ok({ type, toActor: u32(2), payload }) : ok({ type, fromActor: u32(2), payload });
    }
    case 'keepalive':
    case 'keepaliveAck':
      return bytes.length === RELAY_KEEPALIVE_BYTES ? ok({ type, nonce: u32(2) }) : err('malformed');
    case 'error': {
      if (bytes.length !== RELAY_ERROR_BYTES) return err('malformed');
      const code = errorByWire.get(bytes[2]!);
      return code ? ok({ type, code, actor: u32(3) }) : err('malformed');
    }
    case 'unbind':
      return bytes.length === RELAY_UNBIND_BYTES ? ok({ type, unbindToken: bytes.subarray(2) }) : err('malformed');
  }
}

/** Encodes a frame into a new buffer. */
export function encodeRelayFrame(frame: RelayFrame): Uint8Array {
  switch (frame.type) {
    case 'bind': {
      // A first bind is as long as the second: the challenge it provokes is never larger.
      const out = header(frame.type, BIND_HEADER_BYTES + frame.body.length);
      if (frame.cookie) {
        out.set(frame.cookie.subarray(0, BIND_COOKIE_BYTES), 2);
        out.set(frame.proof.subarray(0, BIND_PROOF_BYTES), 2 + BIND_COOKIE_BYTES);
      }
      out.set(frame.body, BIND_HEADER_BYTES);
      return out;
    }
    case 'challenge': {
      const out = header(frame.type, RELAY_CHALLENGE_BYTES);
      out.set(frame.cookie.subarray(0, BIND_COOKIE_BYTES), 2);
      return out;
    }
    case 'bound': {
      const out = header(frame.type, RELAY_BOUND_BYTES);
      writeU32(out, 2, frame.actor);
      writeU32(out, 6, frame.idleTimeoutMs);
      out.set(frame.unbindToken.subarray(0, UNBIND_TOKEN_BYTES), 10);
      return out;
    }
    case 'send':
    case 'deliver': {
      const out = header(frame.type, RELAY_DATA_HEADER_BYTES + frame.payload.length);
      writeU32(out, 2, frame.type === 'send' ? frame.toActor : frame.fromActor);
      out.set(frame.payload, RELAY_DATA_HEADER_BYTES);
      return out;
    }
    case 'keepalive':
    case 'keepaliveAck': {
      const out = header(frame.type, RELAY_KEEPALIVE_BYTES);
      writeU32(out, 2, frame.nonce);
      return out;
    }
    case 'error': {
      const out = header(frame.type, RELAY_ERROR_BYTES);
      out[2] = RelayWireError[frame.code];
      writeU32(out, 3, frame.actor);
      return out;
    }
    case 'unbind': {
      const out = header(frame.type, RELAY_UNBIND_BYTES);
      out.set(frame.unbindToken.subarray(0, UNBIND_TOKEN_BYTES), 2);
      return out;
    }
  }
}

/**
 * The relay's hot path: turns a received send frame into the deliver frame for its target in
 * place (same length, same buffer), so forwarding allocates nothing. The caller has checked
 * that `frame` is a send frame of at least `RELAY_DATA_HEADER_BYTES`.
 */
export function rewriteSendAsDeliver(frame: Uint8Array, fromActor: number): void {
  frame[1] = RelayFrameType.deliver;
  writeU32(frame, 2, fromActor);
}

/** The target actor of a send frame (or the sender of a deliver frame), read in place. */
export function readFrameActor(frame: Uint8Array): number {
  return ((frame[2]! << 24) | (frame[3]! << 16) | (frame[4]! << 8) | frame[5]!) >>> 0;
}

function header(type: RelayFrameTypeName, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out[0] = RELAY_PROTOCOL_VERSION;
  out[1] = RelayFrameType[type];
  return out;
}

function isZero(bytes: Uint8Array): boolean {
  let any = 0;
  for (const byte of bytes) any |= byte;
  return any === 0;
}

function writeU32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = (value >>> 16) & 0xff;
  out[offset + 2] = (value >>> 8) & 0xff;
  out[offset + 3] = value & 0xff;
}
