/**
 * Peer packets: what a client and a server send each other, byte for byte the same whether
 * they travel directly over UDP or inside relay frames (docs/protocols.md). Every one is sealed.
 *
 * Wire format (big-endian):
 *
 *     magic u8 | type u8 | from u32 | to u32 | counter u64 | AEAD(body) | tag[16]
 *     \__________________ header: 18 bytes, in clear, the AEAD's associated data ____/
 *
 * `from`/`to` are actor numbers. The magic byte 0xD7 has its two top bits set, so a peer packet
 * can never be taken for STUN (first two bits 00, RFC 8489 §5) on the shared socket. `counter`
 * is the sender's per-link, per-direction send counter; the AEAD nonce is `0x00000000 | counter`
 * (12 bytes), so a nonce is never used twice under one key. The AEAD is ChaCha20-Poly1305
 * (see {@link PEER_AEAD}). Bodies, before sealing:
 *
 * - PING       `seq u32 | zero[40]`                               server → client punch (step 7)
 * - CONNECT    `attempt u8 | x25519 public[32] | challenge[8] | zero[3]`   client → server (3–5)
 * - ACCEPT     `challenge[8] | x25519 public[32] | probe u32`       server → client (8, 10–11)
 * - DATA       `payload…`                                           game updates (9, 12–13)
 * - KEEPALIVE  `seq u32 | reply u8`                                 both ways: NAT mapping, RTT, path probe
 * - DISCONNECT `reason u8`                                          both ways: goodbye
 * - RELIABLE   `ack u32 | ackBits u32 | seq u32 | fragment u16 | fragments u16 | payload…`
 *                                                                   reliable channel segment
 * - RELIABLE_ACK `ack u32 | ackBits u32`                            reliable channel acknowledgement
 *
 * RELIABLE and RELIABLE_ACK carry the reliable channel (reliable/channel.ts): `ack` is the next
 * segment the sender of the packet expects (every one below it arrived), bit i of `ackBits` says
 * segment `ack + 1 + i` arrived; `seq` numbers segments (u32, wrapping), and a message is
 * `fragments` segments in a row, numbered by `fragment` from 0. A retransmission is a new
 * sealed packet with a fresh counter, so the replay window never sees the same counter twice.
 *
 * Type 4 (the old unauthenticated REJECT) is retired: a CONNECT that does not open is dropped
 * and counted, and nothing answers it.
 *
 * Key schedule (HKDF-SHA256, node:crypto `hkdfSync`; actors as u32 big-endian):
 * - handshake keys = HKDF(ikm = pair secret, salt = "punchthrough v1",
 *   info = "handshake" | client actor | server actor, 64 bytes): bytes 0–31 seal client → server,
 *   32–63 server → client. PING, CONNECT and ACCEPT use them. The pair secret is 32 random bytes
 *   the cloud hands both ends over signaling (`PeerAddressesEvent.pairSecret`), never sent on UDP.
 * - session keys = HKDF(ikm = X25519(own ephemeral, peer's ephemeral), salt = pair secret,
 *   info = "session" | client public | server public | client actor | server actor, 64 bytes),
 *   split the same way. KEEPALIVE, DATA and DISCONNECT use them. Each link makes one ephemeral
 *   key pair; CONNECT carries the client's, ACCEPT the server's, so neither the relay nor the
 *   cloud (which knows the pair secret) can read game data without an active attack.
 * - Handshake counters start at a random offset (`counterBase × 2^20`), so two link objects that
 *   share a pair secret do not reuse nonces; session counters start at 0 under fresh keys.
 *
 * Replay: each receiving key keeps a 128-counter sliding window (RFC 6479 style); a duplicate or
 * too-old counter is dropped before decryption, and a counter is marked only after its packet
 * authenticates, so forged packets cannot move the window.
 *
 * Anti-amplification: PING, CONNECT and ACCEPT are padded to one size (78 bytes on the wire),
 * so an answer to a replayed punch packet is never bigger than the packet.
 *
 * Paths (who sends where):
 * - The CONNECT's random `challenge` is echoed in the ACCEPT, so an ACCEPT proves the server
 *   received that very CONNECT: the client moves its send path only to where an accepted connect
 *   went (a host cannot aim a client's stream at a victim by echoing guessed counters).
 * - The server moves its send path to endpoint V only after a session-sealed KEEPALIVE reply
 *   arrives from V echoing a random probe the server sent to V (the ACCEPT's probe, or a probe
 *   keepalive sent when authentic packets arrive from a path not yet validated). A replayed
 *   CONNECT gets an ACCEPT back but never moves the server's path.
 * - Once connected, both ends prove paths the same way (path-manager.ts): a KEEPALIVE request
 *   sent on a path, answered by a reply echoing its `seq`, proves the path it was sent on
 *   (RFC 9000 §8.2.2), wherever the reply comes from. Requests are answered on the path they came
 *   by, with a reply of the same size; a replayed request is dropped by the replay window.
 */

export const PEER_PACKET_MAGIC = 0xd7;

/** Wire codes of peer packets. */
export const PeerPacketType = {
  PING: 1,
  CONNECT: 2,
  ACCEPT: 3,
  DATA: 5,
  KEEPALIVE: 6,
  DISCONNECT: 7,
  RELIABLE: 8,
  RELIABLE_ACK: 9,
} as const;
export type PeerPacketType = (typeof PeerPacketType)[keyof typeof PeerPacketType];

/** Goodbye reasons on the wire (`DISCONNECT`). */
export const WireDisconnectReason = {
  SHUTDOWN: 1,
  LEFT: 2,
  /** The server removed this client from the session (a kick): the client reports `kicked`. */
  KICKED: 3,
} as const;
export type WireDisconnectReason = (typeof WireDisconnectReason)[keyof typeof WireDisconnectReason];

/**
 * The AEAD: ChaCha20-Poly1305 (RFC 8439), WireGuard's choice. It is constant-time in software,
 * where AES-GCM is only on CPUs with AES instructions; both cost about the same per packet in
 * node:crypto, where creating the cipher object dominates (`npm run bench:seal`).
 */
export const PEER_AEAD = 'chacha20-poly1305';

export const HEADER_BYTES = 18;
export const AEAD_TAG_BYTES = 16;
/** Bytes a sealed packet adds to its body. */
export const SEAL_OVERHEAD_BYTES = HEADER_BYTES + AEAD_TAG_BYTES;
export const PUBLIC_KEY_BYTES = 32;
export const CHALLENGE_BYTES = 8;
/** PING, CONNECT and ACCEPT bodies are all this long (ACCEPT's natural size). */
export const HANDSHAKE_BODY_BYTES = CHALLENGE_BYTES + PUBLIC_KEY_BYTES + 4;
/** A KEEPALIVE body: `seq u32 | reply u8`. */
export const KEEPALIVE_BODY_BYTES = 5;
/** A RELIABLE body before its payload: `ack u32 | ackBits u32 | seq u32 | fragment u16 | fragments u16`. */
export const RELIABLE_HEADER_BYTES = 16;
/** A RELIABLE_ACK body: `ack u32 | ackBits u32`. */
export const RELIABLE_ACK_BYTES = 8;
/** What the cloud hands both ends of a pair. */
export const PAIR_SECRET_BYTES = 32;

interface PacketBase {
  /** Sender's actor number. */
  from: number;
  /** Receiver's actor number. */
  to: number;
}

export type PeerPacket =
  | (PacketBase & { type: typeof PeerPacketType.PING; seq: number })
  | (PacketBase & { type: typeof PeerPacketType.CONNECT; attempt: number; publicKey: Uint8Array; challenge: Uint8Array })
  | (PacketBase & { type: typeof PeerPacketType.ACCEPT; challenge: Uint8Array; publicKey: Uint8Array; probe: number })
  | (PacketBase & { type: typeof PeerPacketType.DATA; payload: Uint8Array })
  | (PacketBase & { type: typeof PeerPacketType.KEEPALIVE; seq: number; reply: boolean })
  | (PacketBase & { type: typeof PeerPacketType.DISCONNECT; reason: number })
  | (PacketBase & ReliableSegmentFields & { type: typeof PeerPacketType.RELIABLE })
  | (PacketBase & ReliableAckFields & { type: typeof PeerPacketType.RELIABLE_ACK });

/** The acknowledgement every reliable packet carries (wire values, u32). */
export interface ReliableAckFields {
  /** The next segment expected: every one below it arrived. */
  ack: number;
  /** Bit i: segment `ack + 1 + i` arrived. */
  ackBits: number;
}

/** A reliable segment: one fragment of a message, with the acknowledgement riding along. */
export interface ReliableSegmentFields extends ReliableAckFields {
  seq: number;
  fragment: number;
  fragments: number;
  payload: Uint8Array;
}

/** The clear header of a sealed packet. */
export interface PeerHeader {
  type: number;
  from: number;
  to: number;
  counter: number;
}

/** Why a datagram was dropped; the runner counts drops by these. */
export type PeerDropReason =
  /** Too short, wrong magic, unknown type, wrong length, or a body that does not parse. */
  | 'malformed'
  /** The AEAD tag did not verify (forged, tampered, or sealed with another pair's keys). */
  | 'auth'
  /** A counter already seen, or older than the replay window. */
  | 'replay'
  /** Authentic, but for a handshake this link is no longer in (another ephemeral key, an unknown challenge). */
  | 'stale'
  /** Authentic, but from an endpoint no round trip has proven, where only a proven one counts (a ping from outside the candidates, a probe's reply from elsewhere, a full path table). */
  | 'unproven';

export type HeaderResult = { ok: true; header: PeerHeader } | { ok: false; error: PeerDropReason };

/** Handshake packets (sealed with the pair-secret keys) versus session packets. */
export function isHandshakeType(type: number): boolean {
  return type === PeerPacketType.PING || type === PeerPacketType.CONNECT || type === PeerPacketType.ACCEPT;
}

/** True when the first byte says "peer packet" (cheap demultiplexing on the shared socket). */
export function looksLikePeerPacket(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === PEER_PACKET_MAGIC;
}

/** Reads the clear header of untrusted bytes. Never throws. */
export function readHeader(bytes: Uint8Array): HeaderResult {
  if (bytes.length < HEADER_BYTES + AEAD_TAG_BYTES || bytes[0] !== PEER_PACKET_MAGIC) return { ok: false, error: 'malformed' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(10);
  // Counters stay below 2^53 (senders start below 2^52), so they are exact JavaScript numbers.
  if (high >= 2 ** 21) return { ok: false, error: 'malformed' };
  const counter = high * 2 ** 32 + view.getUint32(14);
  return { ok: true, header: { type: bytes[1]!, from: view.getUint32(2), to: view.getUint32(6), counter } };
}

/** Writes the 18-byte header into `out` (which has room for it). */
export function writeHeader(out: Uint8Array, type: number, from: number, to: number, counter: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[0] = PEER_PACKET_MAGIC;
  out[1] = type;
  view.setUint32(2, from);
  view.setUint32(6, to);
  view.setUint32(10, Math.floor(counter / 2 ** 32));
  view.setUint32(14, counter >>> 0);
}

/** Plaintext body length of a packet. */
export function bodyBytes(packet: PeerPacket): number {
  switch (packet.type) {
    case PeerPacketType.PING:
    case PeerPacketType.CONNECT:
    case PeerPacketType.ACCEPT:
      return HANDSHAKE_BODY_BYTES;
    case PeerPacketType.DATA:
      return packet.payload.length;
    case PeerPacketType.KEEPALIVE:
      return KEEPALIVE_BODY_BYTES;
    case PeerPacketType.DISCONNECT:
      return 1;
    case PeerPacketType.RELIABLE:
      return RELIABLE_HEADER_BYTES + packet.payload.length;
    case PeerPacketType.RELIABLE_ACK:
      return RELIABLE_ACK_BYTES;
  }
}

/**
 * Writes a packet's plaintext body into `out` (exactly {@link bodyBytes} long). Callers build
 * packets from their own state, so a key or challenge of the wrong size is a programming error.
 */
export function writeBody(packet: PeerPacket, out: Uint8Array): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.fill(0);
  switch (packet.type) {
    case PeerPacketType.PING:
      view.setUint32(0, packet.seq);
      return;
    case PeerPacketType.CONNECT:
      checkSize(packet.publicKey, PUBLIC_KEY_BYTES);
      checkSize(packet.challenge, CHALLENGE_BYTES);
      view.setUint8(0, packet.attempt);
      out.set(packet.publicKey, 1);
      out.set(packet.challenge, 1 + PUBLIC_KEY_BYTES);
      return;
    case PeerPacketType.ACCEPT:
      checkSize(packet.publicKey, PUBLIC_KEY_BYTES);
      checkSize(packet.challenge, CHALLENGE_BYTES);
      out.set(packet.challenge, 0);
      out.set(packet.publicKey, CHALLENGE_BYTES);
      view.setUint32(CHALLENGE_BYTES + PUBLIC_KEY_BYTES, packet.probe);
      return;
    case PeerPacketType.DATA:
      out.set(packet.payload);
      return;
    case PeerPacketType.KEEPALIVE:
      view.setUint32(0, packet.seq);
      view.setUint8(4, packet.reply ? 1 : 0);
      return;
    case PeerPacketType.DISCONNECT:
      view.setUint8(0, packet.reason);
      return;
    case PeerPacketType.RELIABLE:
      view.setUint32(0, packet.ack >>> 0);
      view.setUint32(4, packet.ackBits >>> 0);
      view.setUint32(8, packet.seq >>> 0);
      view.setUint16(12, packet.fragment);
      view.setUint16(14, packet.fragments);
      out.set(packet.payload, RELIABLE_HEADER_BYTES);
      return;
    case PeerPacketType.RELIABLE_ACK:
      view.setUint32(0, packet.ack >>> 0);
      view.setUint32(4, packet.ackBits >>> 0);
      return;
  }
}

/**
 * Parses an opened (authentic) body. Never throws: a peer with the keys can still send nonsense,
 * which is an error result. Returned byte fields are copies, except DATA's and RELIABLE's payloads,
 * which are (part of) the `body` itself.
 */
export function parseBody(header: PeerHeader, body: Uint8Array): PeerPacket | undefined {
  const { from, to } = header;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  switch (header.type) {
    case PeerPacketType.PING:
      if (body.length !== HANDSHAKE_BODY_BYTES) return undefined;
      return { type: PeerPacketType.PING, from, to, seq: view.getUint32(0) };
    case PeerPacketType.CONNECT:
      if (body.length !== HANDSHAKE_BODY_BYTES) return undefined;
      return {
        type: PeerPacketType.CONNECT,
        from,
        to,
        attempt: view.getUint8(0),
        publicKey: body.slice(1, 1 + PUBLIC_KEY_BYTES),
        challenge: body.slice(1 + PUBLIC_KEY_BYTES, 1 + PUBLIC_KEY_BYTES + CHALLENGE_BYTES),
      };
    case PeerPacketType.ACCEPT:
      if (body.length !== HANDSHAKE_BODY_BYTES) return undefined;
      return {
        type: PeerPacketType.ACCEPT,
        from,
        to,
        challenge: body.slice(0, CHALLENGE_BYTES),
        publicKey: body.slice(CHALLENGE_BYTES, CHALLENGE_BYTES + PUBLIC_KEY_BYTES),
        probe: view.getUint32(CHALLENGE_BYTES + PUBLIC_KEY_BYTES),
      };
    case PeerPacketType.DATA:
      return { type: PeerPacketType.DATA, from, to, payload: body };
    case PeerPacketType.KEEPALIVE: {
      if (body.length !== 5 || body[4]! > 1) return undefined;
      return { type: PeerPacketType.KEEPALIVE, from, to, seq: view.getUint32(0), reply: body[4] === 1 };
    }
    case PeerPacketType.DISCONNECT:
      if (body.length !== 1) return undefined;
      return { type: PeerPacketType.DISCONNECT, from, to, reason: body[0]! };
    case PeerPacketType.RELIABLE:
      // Fragment numbers and payload sizes are the channel's to judge (reliable/receiver.ts).
      if (body.length < RELIABLE_HEADER_BYTES) return undefined;
      return {
        type: PeerPacketType.RELIABLE,
        from,
        to,
        ack: view.getUint32(0),
        ackBits: view.getUint32(4),
        seq: view.getUint32(8),
        fragment: view.getUint16(12),
        fragments: view.getUint16(14),
        payload: body.subarray(RELIABLE_HEADER_BYTES),
      };
    case PeerPacketType.RELIABLE_ACK:
      if (body.length !== RELIABLE_ACK_BYTES) return undefined;
      return { type: PeerPacketType.RELIABLE_ACK, from, to, ack: view.getUint32(0), ackBits: view.getUint32(4) };
    default:
      return undefined;
  }
}

/** Constant-time comparison for secrets, keys and challenges. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function checkSize(bytes: Uint8Array, size: number): void {
  if (bytes.length !== size) throw new RangeError(`expected ${size} bytes, got ${bytes.length}`);
}
