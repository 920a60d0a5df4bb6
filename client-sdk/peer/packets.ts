/**
 * Peer packets: what a client and a server send each other, byte for byte the same whether
 * they travel directly over UDP or inside relay frames (DESIGN.md §3).
 *
 * Layout (big-endian): `magic u8 | type u8 | from u32 | to u32 | body`, where `from`/`to` are
 * actor numbers. The magic byte 0xD7 has its two top bits set, so a peer packet can never be
 * taken for STUN (whose first two bits are 00, RFC 8489 §5) on the shared socket.
 *
 * Bodies:
 * - PING       `seq u32 | tag[8]`                   server → client punch (connection step 7)
 * - CONNECT    `nonce u32 | attempt u8 | len u8 | token[len]`   client → server (steps 3–5)
 * - ACCEPT     `nonce u32 | tag[8]`                 server → client (steps 8, 10–11)
 * - REJECT     `nonce u32 | reason u8`              server → client: the token was wrong
 * - DATA       `payload…`                           game updates (steps 9, 12–13)
 * - KEEPALIVE  `seq u32 | reply u8`                 both ways once connected: NAT mapping + RTT
 * - DISCONNECT `reason u8`                          both ways: goodbye
 *
 * `tag` is the first 8 bytes of SHA-256 over the pair's connect token: only the two ends of a
 * pair know the token (the cloud gave it to them), so a ping or accept with the right tag is
 * genuine, and the tag reveals nothing that lets anyone else forge a connect.
 */
import { createHash } from 'node:crypto';

export const PEER_PACKET_MAGIC = 0xd7;

/** Wire codes of peer packets. */
export const PeerPacketType = {
  PING: 1,
  CONNECT: 2,
  ACCEPT: 3,
  REJECT: 4,
  DATA: 5,
  KEEPALIVE: 6,
  DISCONNECT: 7,
} as const;
export type PeerPacketType = (typeof PeerPacketType)[keyof typeof PeerPacketType];

/** Why a server refused a connect request. */
export const RejectReason = {
  /** The token does not match the one the cloud gave the server for this client. */
  BAD_TOKEN: 1,
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** Goodbye reasons on the wire (`DISCONNECT`). */
export const WireDisconnectReason = {
  SHUTDOWN: 1,
  LEFT: 2,
} as const;
export type WireDisconnectReason = (typeof WireDisconnectReason)[keyof typeof WireDisconnectReason];

export const HEADER_BYTES = 10;
export const TAG_BYTES = 8;
/** Connect tokens longer than this are refused: the cloud's are 16–32 bytes. */
export const MAX_TOKEN_BYTES = 64;

interface PacketBase {
  /** Sender's actor number. */
  from: number;
  /** Receiver's actor number. */
  to: number;
}

export type PeerPacket =
  | (PacketBase & { type: typeof PeerPacketType.PING; seq: number; tag: Uint8Array })
  | (PacketBase & { type: typeof PeerPacketType.CONNECT; nonce: number; attempt: number; token: Uint8Array })
  | (PacketBase & { type: typeof PeerPacketType.ACCEPT; nonce: number; tag: Uint8Array })
  | (PacketBase & { type: typeof PeerPacketType.REJECT; nonce: number; reason: number })
  | (PacketBase & { type: typeof PeerPacketType.DATA; payload: Uint8Array })
  | (PacketBase & { type: typeof PeerPacketType.KEEPALIVE; seq: number; reply: boolean })
  | (PacketBase & { type: typeof PeerPacketType.DISCONNECT; reason: number });

/** Why a datagram was not a peer packet; the runner counts drops by these. */
export type PeerPacketError = 'short' | 'magic' | 'type' | 'length' | 'token';

export type DecodeResult = { ok: true; packet: PeerPacket } | { ok: false; error: PeerPacketError };

/** The pair tag: first 8 bytes of SHA-256(token). */
export function pairTag(token: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(token).digest().subarray(0, TAG_BYTES));
}

/** Constant-time comparison for tokens and tags. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function bodyBytes(packet: PeerPacket): number {
  switch (packet.type) {
    case PeerPacketType.PING:
    case PeerPacketType.ACCEPT:
      return 4 + TAG_BYTES;
    case PeerPacketType.CONNECT:
      return 6 + packet.token.length;
    case PeerPacketType.REJECT:
    case PeerPacketType.KEEPALIVE:
      return 5;
    case PeerPacketType.DATA:
      return packet.payload.length;
    case PeerPacketType.DISCONNECT:
      return 1;
  }
}

/**
 * Encodes a packet. Callers build packets from their own state, so out-of-range fields are a
 * programming error and throw (RangeError from DataView, or the token check).
 */
export function encodePeerPacket(packet: PeerPacket): Uint8Array {
  if (packet.type === PeerPacketType.CONNECT && packet.token.length > MAX_TOKEN_BYTES) {
    throw new RangeError(`connect token longer than ${MAX_TOKEN_BYTES} bytes`);
  }
  const bytes = new Uint8Array(HEADER_BYTES + bodyBytes(packet));
  const view = new DataView(bytes.buffer);
  view.setUint8(0, PEER_PACKET_MAGIC);
  view.setUint8(1, packet.type);
  view.setUint32(2, packet.from);
  view.setUint32(6, packet.to);
  const at = HEADER_BYTES;
  switch (packet.type) {
    case PeerPacketType.PING:
      view.setUint32(at, packet.seq);
      bytes.set(packet.tag.subarray(0, TAG_BYTES), at + 4);
      break;
    case PeerPacketType.CONNECT:
      view.setUint32(at, packet.nonce);
      view.setUint8(at + 4, packet.attempt);
      view.setUint8(at + 5, packet.token.length);
      bytes.set(packet.token, at + 6);
      break;
    case PeerPacketType.ACCEPT:
      view.setUint32(at, packet.nonce);
      bytes.set(packet.tag.subarray(0, TAG_BYTES), at + 4);
      break;
    case PeerPacketType.REJECT:
      view.setUint32(at, packet.nonce);
      view.setUint8(at + 4, packet.reason);
      break;
    case PeerPacketType.DATA:
      bytes.set(packet.payload, at);
      break;
    case PeerPacketType.KEEPALIVE:
      view.setUint32(at, packet.seq);
      view.setUint8(at + 4, packet.reply ? 1 : 0);
      break;
    case PeerPacketType.DISCONNECT:
      view.setUint8(at, packet.reason);
      break;
  }
  return bytes;
}

/** True when the first byte says "peer packet" (cheap demultiplexing on the shared socket). */
export function looksLikePeerPacket(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === PEER_PACKET_MAGIC;
}

/**
 * Decodes untrusted bytes. Never throws: anything malformed is an error result. DATA's payload
 * is a view into `bytes` (no copy).
 */
export function decodePeerPacket(bytes: Uint8Array): DecodeResult {
  if (bytes.length < HEADER_BYTES) return { ok: false, error: 'short' };
  if (bytes[0] !== PEER_PACKET_MAGIC) return { ok: false, error: 'magic' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = bytes[1]!;
  const from = view.getUint32(2);
  const to = view.getUint32(6);
  const body = bytes.length - HEADER_BYTES;
  const at = HEADER_BYTES;
  const fail = (error: PeerPacketError): DecodeResult => ({ ok: false, error });
  switch (type) {
    case PeerPacketType.PING:
    case PeerPacketType.ACCEPT: {
      if (body !== 4 + TAG_BYTES) return fail('length');
      const first = view.getUint32(at);
      const tag = bytes.slice(at + 4, at + 4 + TAG_BYTES);
      return {
        ok: true,
        packet:
          type === PeerPacketType.PING
            ? { type, from, to, seq: first, tag }
            : { type, from, to, nonce: first, tag },
      };
    }
    case PeerPacketType.CONNECT: {
      if (body < 6) return fail('length');
      const length = view.getUint8(at + 5);
      if (length === 0 || length > MAX_TOKEN_BYTES) return fail('token');
      if (body !== 6 + length) return fail('length');
      return {
        ok: true,
        packet: {
          type,
          from,
          to,
          nonce: view.getUint32(at),
          attempt: view.getUint8(at + 4),
          token: bytes.slice(at + 6, at + 6 + length),
        },
      };
    }
    case PeerPacketType.REJECT:
      if (body !== 5) return fail('length');
      return { ok: true, packet: { type, from, to, nonce: view.getUint32(at), reason: view.getUint8(at + 4) } };
    case PeerPacketType.DATA:
      return { ok: true, packet: { type, from, to, payload: bytes.subarray(at) } };
    case PeerPacketType.KEEPALIVE: {
      if (body !== 5) return fail('length');
      const reply = view.getUint8(at + 4);
      if (reply > 1) return fail('length');
      return { ok: true, packet: { type, from, to, seq: view.getUint32(at), reply: reply === 1 } };
    }
    case PeerPacketType.DISCONNECT:
      if (body !== 1) return fail('length');
      return { ok: true, packet: { type, from, to, reason: view.getUint8(at) } };
    default:
      return fail('type');
  }
}
