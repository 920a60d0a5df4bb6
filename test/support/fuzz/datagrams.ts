// Datagram generators for the fuzz test: mutated STUN Binding requests, relay frames (binds
// through the cookie exchange, forged and real) and sealed peer packets (every type byte, right
// and wrong lengths, sealed under wrong keys), plus truncated and random bytes.
import { sealPacket } from '../../../client-sdk/peer/aead.js';
import { handshakeKeys } from '../../../client-sdk/peer/key-schedule.js';
import { AEAD_TAG_BYTES, HANDSHAKE_BODY_BYTES, HEADER_BYTES, PEER_PACKET_MAGIC, PeerPacketType, type PeerPacket } from '../../../client-sdk/peer/packets.js';
import {
  BIND_COOKIE_BYTES,
  BIND_PROOF_BYTES,
  RELAY_BIND_MAX_BYTES,
  RELAY_BIND_MIN_BYTES,
  RELAY_PROTOCOL_VERSION,
  bindProof,
  decodeRelayFrame,
  encodeRelayFrame,
  encodeTicketBody,
  splitTicket,
} from '../../../relay/index.js';
import type { UdpSocket } from '../../../core/index.js';
import { encodeStunMessage, type StunAttributeInit } from '../../../stun-server/index.js';
import type { Rng } from './random.js';

export interface FuzzDatagram {
  kind: string;
  bytes: Uint8Array;
}

function flipBits(rng: Rng, bytes: Uint8Array, from: number, count: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  if (copy.length <= from) return copy;
  for (let i = 0; i < count; i++) {
    const at = from + rng.int(copy.length - from);
    copy[at] = copy[at]! ^ (1 << rng.int(8));
  }
  return copy;
}

function randomBytes(rng: Rng): FuzzDatagram {
  return { kind: 'random', bytes: rng.bytes(rng.int(rng.chance(0.05) ? 1500 : 120)) };
}

function truncated(rng: Rng, bytes: Uint8Array): FuzzDatagram {
  return { kind: 'truncated', bytes: bytes.subarray(0, rng.int(bytes.length)) };
}

// ------------------------------------------------------------------ STUN

function stunAttributes(rng: Rng): StunAttributeInit[] {
  const out: StunAttributeInit[] = [];
  for (let n = rng.int(4); n > 0; n--) {
    switch (rng.int(6)) {
      case 0:
        out.push({ name: 'SOFTWARE', value: 'f'.repeat(rng.int(200)) });
        break;
      case 1:
        out.push({ name: 'USERNAME', value: 'u'.repeat(rng.range(1, 100)) });
        break;
      case 2:
        out.push({ name: 'PADDING', length: rng.int(600) });
        break;
      case 3:
        out.push({ name: 'CHANGE-REQUEST', changeIp: rng.chance(0.5), changePort: rng.chance(0.5) });
        break;
      case 4: // comprehension-optional unknowns, sometimes many
        for (let i = rng.chance(0.2) ? 60 : 1; i > 0; i--) out.push({ name: 'UNKNOWN', type: 0x8000 + rng.int(0x7fff), value: rng.bytes(rng.int(12)) });
        break;
      default:
        out.push({ name: 'XOR-MAPPED-ADDRESS', address: { family: 'IPv4', address: '127.0.0.1', port: rng.range(1, 65535) } });
    }
  }
  return out;
}

function validStun(rng: Rng, withFingerprint = rng.chance(0.7)): Buffer {
  const transactionId = rng.bytes(12);
  const options = withFingerprint ? { fingerprint: true } : {};
  const integrity = rng.chance(0.1) ? { integrityKey: rng.bytes(16) } : {};
  return encodeStunMessage({ class: 'request', method: 1, transactionId, attributes: stunAttributes(rng) }, { ...options, ...integrity });
}

/**
 * A datagram for the STUN port. `ownPort` is the sender's port: the only RESPONSE-PORT it ever
 * asks for (the answer must not go to some other program's port on this machine).
 */
export function stunDatagram(rng: Rng, ownPort: number): FuzzDatagram {
  const int = (n: number): number => rng.int(n);
  switch (int(12)) {
    case 0:
      return { kind: 'stun:valid', bytes: validStun(rng) };
    case 1:
      return {
        kind: 'stun:response-port',
        bytes: encodeStunMessage({ class: 'request', method: 1, transactionId: rng.bytes(12), attributes: [{ name: 'RESPONSE-PORT', port: ownPort }] }, { fingerprint: true }),
      };
    case 2:
      return randomBytes(rng);
    case 3:
      return { ...truncated(rng, validStun(rng)), kind: 'stun:truncated' };
    case 4: {
      const copy = Buffer.from(validStun(rng));
      copy.writeUInt32BE(int(0xffffffff), 4);
      return { kind: 'stun:cookie', bytes: copy };
    }
    case 5: {
      const copy = Buffer.from(validStun(rng));
      copy.writeUInt16BE(int(0x10000), 2);
      return { kind: 'stun:length', bytes: copy };
    }
    case 6: {
      const copy = Buffer.from(validStun(rng, false));
      if (copy.length >= 24) copy.writeUInt16BE(int(0x10000), 22);
      return { kind: 'stun:attr-length', bytes: copy };
    }
    case 7:
      return { kind: 'stun:bit-flips', bytes: flipBits(rng, validStun(rng), 20, rng.range(1, 4)) };
    case 8:
      return {
        kind: 'stun:not-request',
        bytes: encodeStunMessage({ class: rng.pick(['success', 'error', 'indication'] as const), method: 1, transactionId: rng.bytes(12), attributes: [] }),
      };
    case 9:
      return {
        kind: 'stun:unknown-required',
        bytes: encodeStunMessage({
          class: 'request',
          method: rng.chance(0.5) ? 1 : rng.range(2, 0xfff),
          transactionId: rng.bytes(12),
          attributes: [{ name: 'UNKNOWN', type: int(0x8000), value: rng.bytes(int(40)) }],
        }),
      };
    case 10: {
      // A header-only request with random attribute TLVs (any type, lying lengths).
      const body = rng.bytes(4 * rng.int(30));
      const header = Buffer.alloc(20);
      header.writeUInt16BE(0x0001, 0);
      header.writeUInt16BE(body.length, 2);
      header.writeUInt32BE(0x2112a442, 4);
      Buffer.from(rng.bytes(12)).copy(header, 8);
      return { kind: 'stun:random-attrs', bytes: Buffer.concat([header, body]) };
    }
    default:
      return { kind: 'stun:oversize', bytes: Buffer.concat([validStun(rng, false), Buffer.alloc(rng.range(1500, 9000))]) };
  }
}

// ------------------------------------------------------------------ relay

/** Valid relay tickets the fuzzer holds (whole tickets, MAC included, from its own sessions' start events). */
export interface TicketPool {
  tickets: Uint8Array[];
}

/**
 * The fuzzer's side of the relay's cookie exchange (relay/client.ts does the same for a real
 * peer). A fuzz socket that sent a first bind for a ticket answers the relay's challenge to it
 * with the cookie and `proof = bindProof(ticket MAC, cookie)`: a captured ticket really binds
 * the fuzz socket (then its sends are forwarded). Some answers are wrong on purpose (another
 * ticket's proof, a random one, a cookie with a flipped bit), and cookies the relay handed out
 * are replayed later from other sockets.
 */
export interface RelayExchange {
  /** Feed every datagram a relay fuzz socket receives here. */
  onReply(socket: UdpSocket, data: Uint8Array): void;
  /** Registers the ticket whose first bind `socket` just sent: the relay's challenge is answered for it. */
  expect(socket: UdpSocket, ticket: Uint8Array): void;
  /** The last cookie the relay handed each socket, with the ticket it was for. */
  readonly cookies: Map<UdpSocket, { cookie: Uint8Array; ticket: Uint8Array }>;
  readonly stats: { challenges: number; answers: number; wrongAnswers: number; bound: number; errors: Record<string, number> };
}

export function createRelayExchange(rng: Rng, relay: { address: string; port: number }, pool: TicketPool): RelayExchange {
  const pending = new Map<UdpSocket, { ticket: Uint8Array; answers: number }>();
  const cookies = new Map<UdpSocket, { cookie: Uint8Array; ticket: Uint8Array }>();
  const stats = { challenges: 0, answers: 0, wrongAnswers: 0, bound: 0, errors: {} as Record<string, number> };
  return {
    cookies,
    stats,
    expect(socket, ticket) {
      pending.set(socket, { ticket, answers: 0 });
    },
    onReply(socket, data) {
      const decoded = decodeRelayFrame(data);
      if (!decoded.ok) return;
      const frame = decoded.value;
      if (frame.type === 'bound') {
        stats.bound++;
        pending.delete(socket);
      } else if (frame.type === 'error') {
        stats.errors[frame.code] = (stats.errors[frame.code] ?? 0) + 1;
      } else if (frame.type === 'challenge') {
        stats.challenges++;
        const cookie = Uint8Array.from(frame.cookie);
        const wanted = pending.get(socket);
        // At most two answers per first bind: a wrong answer gets a fresh challenge, answered once more.
        if (!wanted || wanted.answers >= 2) return;
        wanted.answers++;
        cookies.set(socket, { cookie, ticket: wanted.ticket });
        const { body, mac } = splitTicket(wanted.ticket);
        let answer: { cookie: Uint8Array; proof: Uint8Array; body: Uint8Array } = { cookie, proof: bindProof(mac, cookie), body };
        if (rng.chance(0.15)) {
          stats.wrongAnswers++;
          const other = pool.tickets.length > 0 ? rng.pick(pool.tickets) : rng.bytes(45);
          switch (rng.int(4)) {
            case 0: // another ticket's proof over the right cookie
              answer = { ...answer, proof: bindProof(splitTicket(other).mac, cookie) };
              break;
            case 1:
              answer = { ...answer, proof: rng.bytes(BIND_PROOF_BYTES) };
              break;
            case 2: // the cookie with a flipped bit (stale or foreign: a fresh challenge comes back)
              answer = { ...answer, cookie: flipBits(rng, cookie, 0, 1) };
              break;
            default: // the right cookie and proof with another ticket's body
              answer = { ...answer, body: splitTicket(other).body };
          }
        }
        stats.answers++;
        socket.send(encodeRelayFrame({ type: 'bind', ...answer }), relay.port, relay.address);
      }
    },
  };
}

const ACTORS = [0, 1, 2, 3, 4, 0xffffffff];

/** A ticket body with a valid layout: version 1, an expiry (future or past), any actor and session id. */
function selfMadeBody(rng: Rng): Uint8Array {
  const sessionId = Buffer.from(rng.bytes(rng.range(1, 48))).toString('base64url').slice(0, 64) || 's';
  const expiresAtMs = Date.now() + (rng.chance(0.8) ? rng.range(1_000, 600_000) : -rng.range(1, 600_000));
  return encodeTicketBody({ sessionId, actor: rng.chance(0.7) ? rng.pick(ACTORS) : rng.int(0x100000000), expiresAtMs });
}

export function relayDatagram(rng: Rng, pool: TicketPool, exchange: RelayExchange, socket: UdpSocket): FuzzDatagram {
  const actor = (): number => (rng.chance(0.8) ? rng.pick(ACTORS) : rng.int(0x100000000));
  const ticket = pool.tickets.length > 0 ? rng.pick(pool.tickets) : undefined;
  const noCookie = { cookie: undefined, proof: new Uint8Array(0) };
  switch (rng.int(16)) {
    case 0: {
      // A captured ticket's first bind: the exchange answers the challenge, and the socket binds.
      if (ticket) {
        exchange.expect(socket, ticket);
        return { kind: 'relay:bind-ticket', bytes: encodeRelayFrame({ type: 'bind', ...noCookie, body: splitTicket(ticket).body }) };
      }
      const body = selfMadeBody(rng);
      exchange.expect(socket, Uint8Array.from([...body, ...rng.bytes(16)]));
      return { kind: 'relay:bind-self-made', bytes: encodeRelayFrame({ type: 'bind', ...noCookie, body }) };
    }
    case 1: {
      // A self-made ticket body with a valid layout: challenged, and a proof from a made-up MAC.
      const body = selfMadeBody(rng);
      if (rng.chance(0.5)) exchange.expect(socket, Uint8Array.from([...body, ...rng.bytes(16)]));
      return { kind: 'relay:bind-self-made', bytes: encodeRelayFrame({ type: 'bind', ...noCookie, body }) };
    }
    case 2: {
      // A real or self-made body, forged: bits flipped, cut, or extended; any cookie and proof.
      const base = ticket ? splitTicket(ticket).body : selfMadeBody(rng);
      const r = rng.next();
      const body = r < 0.5 ? flipBits(rng, base, 0, rng.range(1, 3)) : r < 0.75 ? base.subarray(0, rng.int(base.length)) : Uint8Array.from([...base, ...rng.bytes(rng.range(1, 40))]);
      const cookie = rng.chance(0.5) ? undefined : rng.bytes(BIND_COOKIE_BYTES);
      return { kind: 'relay:bind-forged', bytes: encodeRelayFrame({ type: 'bind', cookie, proof: rng.bytes(BIND_PROOF_BYTES), body }) };
    }
    case 3: {
      // A cookie the relay handed some socket (maybe this one), with a right or wrong proof and
      // a captured body, from this socket: the cookie check, then the proof check.
      const held = [...exchange.cookies.values()];
      if (held.length === 0) return { kind: 'relay:bind-random', bytes: encodeRelayFrame({ type: 'bind', cookie: rng.bytes(BIND_COOKIE_BYTES), proof: rng.bytes(BIND_PROOF_BYTES), body: rng.bytes(rng.range(13, 76)) }) };
      const mine = exchange.cookies.get(socket);
      const { cookie, ticket: owner } = mine && rng.chance(0.5) ? mine : rng.pick(held);
      const { body, mac } = splitTicket(owner);
      const proof = rng.chance(0.5) ? bindProof(mac, cookie) : flipBits(rng, bindProof(mac, cookie), 0, 1);
      if (rng.chance(0.5)) exchange.expect(socket, owner);
      return { kind: 'relay:bind-replayed-cookie', bytes: encodeRelayFrame({ type: 'bind', cookie, proof, body }) };
    }
    case 4: {
      // Bind frames at and around the length bounds, random bodies.
      const length = rng.pick([RELAY_BIND_MIN_BYTES - 1, RELAY_BIND_MIN_BYTES, RELAY_BIND_MAX_BYTES, RELAY_BIND_MAX_BYTES + 1, rng.range(2, 200)]);
      return { kind: 'relay:bind-length', bytes: Uint8Array.from([RELAY_PROTOCOL_VERSION, 0x01, ...rng.bytes(Math.max(0, length - 2))]) };
    }
    case 5:
    case 6:
    case 7:
      return { kind: 'relay:send', bytes: encodeRelayFrame({ type: 'send', toActor: actor(), payload: rng.bytes(rng.int(rng.chance(0.05) ? 1600 : 200)) }) };
    case 8:
      return { kind: 'relay:keepalive', bytes: encodeRelayFrame({ type: 'keepalive', nonce: rng.int(0x100000000) }) };
    case 9:
      return { kind: 'relay:unbind', bytes: encodeRelayFrame({ type: 'unbind', unbindToken: rng.bytes(8) }) };
    case 10: {
      // Frames only the relay sends (never answered), any length.
      const type = rng.pick([0x02, 0x04, 0x06, 0x07, 0x09]);
      return { kind: 'relay:server-frame', bytes: Uint8Array.from([RELAY_PROTOCOL_VERSION, type, ...rng.bytes(rng.pick([rng.int(20), 16]))]) };
    }
    case 11:
      // Every type byte with a random body of any length.
      return { kind: 'relay:any-type', bytes: Uint8Array.from([RELAY_PROTOCOL_VERSION, rng.int(256), ...rng.bytes(rng.int(rng.chance(0.2) ? 120 : 12))]) };
    case 12: {
      // Right type, wrong length.
      const type = rng.pick([0x05, 0x08, 0x03, 0x01, 0x09]);
      return { kind: 'relay:wrong-length', bytes: Uint8Array.from([RELAY_PROTOCOL_VERSION, type, ...rng.bytes(rng.pick([0, 1, 3, 5, 9, 16, 17]))]) };
    }
    case 13: {
      // Another version byte (0xF0–0xFF share the marker nibble: version 1's bind among them), or none at all.
      const frame = rng.chance(0.5) ? encodeRelayFrame({ type: 'keepalive', nonce: 1 }) : encodeRelayFrame({ type: 'bind', ...noCookie, body: ticket ? splitTicket(ticket).body : selfMadeBody(rng) });
      frame[0] = rng.chance(0.7) ? 0xf0 + rng.int(16) : rng.int(256);
      return { kind: 'relay:version', bytes: frame };
    }
    case 14:
      return rng.chance(0.5)
        ? { kind: 'relay:tiny', bytes: rng.bytes(rng.int(2)) }
        : { ...truncated(rng, encodeRelayFrame({ type: 'send', toActor: actor(), payload: rng.bytes(20) })), kind: 'relay:truncated' };
    default:
      return randomBytes(rng);
  }
}

// ------------------------------------------------------------------ peer packets (game port)

/**
 * Sealed body length of each known peer packet type (DATA: any). The wire adds the 18-byte
 * header before it and the 16-byte tag after it (client-sdk/peer/packets.ts).
 */
const BODY_BYTES: Record<number, number> = { 1: HANDSHAKE_BODY_BYTES, 2: HANDSHAKE_BODY_BYTES, 3: HANDSHAKE_BODY_BYTES, 6: 5, 7: 1 };
const KNOWN_TYPES = [1, 2, 3, 5, 6, 7];

/**
 * A counter for the clear header: small, random, near the 2^53 bound senders stay under, or
 * with a high word at or past 2^21 (which the receiver refuses as malformed).
 */
function counterWords(rng: Rng): [number, number] {
  switch (rng.int(6)) {
    case 0:
      return [0, rng.int(4)];
    case 1:
      return [rng.int(2 ** 20), rng.int(0x100000000)];
    case 2:
      return [2 ** 21 - 1, 0xffffffff];
    case 3:
      return [rng.pick([2 ** 21, 0xffffffff]), rng.int(0x100000000)];
    default:
      return [0, rng.int(0x100000000)];
  }
}

/** A sealed packet's clear header: magic, type, from, to, counter. */
function peerHeader(rng: Rng, type: number, from: number, to: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  const view = new DataView(out.buffer);
  const [high, low] = counterWords(rng);
  out[0] = PEER_PACKET_MAGIC;
  out[1] = type;
  view.setUint32(2, from >>> 0);
  view.setUint32(6, to >>> 0);
  view.setUint32(10, high >>> 0);
  view.setUint32(14, low >>> 0);
  return out;
}

/** Header, `bodyLength` bytes of "ciphertext" and a tag: garbage that is shaped like a sealed packet. */
function shaped(rng: Rng, type: number, from: number, to: number, bodyLength: number): Uint8Array {
  return Uint8Array.from([...peerHeader(rng, type, from, to), ...rng.bytes(Math.max(0, bodyLength) + AEAD_TAG_BYTES)]);
}

/**
 * Pair secrets the fuzzer's insider connection got with the game host (it joined the healthy
 * session over signaling): packets sealed with them are authentic to the host.
 */
export interface PairPool {
  pairs: Array<{ secret: Uint8Array; client: number; server: number }>;
}

const insiderKeys = new WeakMap<Uint8Array, Uint8Array>();
/**
 * CONNECT keys: a fixed few, so the host's link sees its first key again (answered) and other
 * keys after it (stale), plus the all-zero low-order point (no usable shared secret).
 */
const insiderPublicKeys = [new Uint8Array(32), new Uint8Array(32).fill(0x5a), Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff)];

/**
 * A packet the host can open: sealed with the insider's client → server handshake key. A CONNECT
 * with a random (often not even a valid X25519) key and challenge, or a type the server never
 * receives, or a session type under the handshake key, from and to the pair's actors or swapped.
 */
function sealedInsider(rng: Rng, pairs: PairPool): FuzzDatagram | undefined {
  const pair = pairs.pairs.length > 0 ? rng.pick(pairs.pairs) : undefined;
  if (!pair) return undefined;
  let key = insiderKeys.get(pair.secret);
  if (!key) insiderKeys.set(pair.secret, (key = handshakeKeys(pair.secret, pair.client, pair.server).clientToServer));
  const [from, to] = rng.chance(0.9) ? [pair.client, pair.server] : [pair.server, pair.client];
  const r = rng.int(10);
  const packet: PeerPacket =
    r < 6
      ? { type: PeerPacketType.CONNECT, from, to, attempt: rng.int(256), publicKey: rng.chance(0.3) ? rng.bytes(32) : rng.pick(insiderPublicKeys), challenge: rng.bytes(8) }
      : r === 6
        ? { type: PeerPacketType.PING, from, to, seq: rng.int(0x100000000) }
        : r === 7
          ? { type: PeerPacketType.ACCEPT, from, to, challenge: rng.bytes(8), publicKey: rng.bytes(32), probe: rng.int(0x100000000) }
          : r === 8
            ? { type: PeerPacketType.KEEPALIVE, from, to, seq: rng.int(0x100000000), reply: rng.chance(0.5) }
            : { type: PeerPacketType.DISCONNECT, from, to, reason: rng.int(256) };
  // Counters anywhere below 2^52: the host's replay window sees new, old and repeated ones.
  const counter = rng.chance(0.1) ? rng.int(4) : rng.int(2 ** 20) * 2 ** 32 + rng.int(0x100000000);
  return { kind: `peer:sealed-insider-${packet.type}`, bytes: sealPacket(key, packet, counter) };
}

/** Handshake keys of a few pair secrets nobody else has: packets sealed right, under the wrong keys. */
const wrongSecrets = Array.from({ length: 4 }, (_, i) => new Uint8Array(32).fill(0x21 + i));

/** A packet properly sealed (real AEAD, real layout) with keys derived from a wrong pair secret. */
function sealedWrong(rng: Rng, actors: readonly number[]): Uint8Array {
  const from = rng.pick(actors);
  const to = rng.pick(actors);
  const keys = handshakeKeys(rng.pick(wrongSecrets), from, to);
  const key = rng.chance(0.5) ? keys.clientToServer : keys.serverToClient;
  const r = rng.int(5);
  const packet: PeerPacket =
    r === 0
      ? { type: PeerPacketType.PING, from, to, seq: rng.int(0x100000000) }
      : r === 1
        ? { type: PeerPacketType.CONNECT, from, to, attempt: rng.int(256), publicKey: rng.bytes(32), challenge: rng.bytes(8) }
        : r === 2
          ? { type: PeerPacketType.ACCEPT, from, to, challenge: rng.bytes(8), publicKey: rng.bytes(32), probe: rng.int(0x100000000) }
          : r === 3
            ? { type: PeerPacketType.KEEPALIVE, from, to, seq: rng.int(0x100000000), reply: rng.chance(0.5) }
            : { type: PeerPacketType.DATA, from, to, payload: rng.bytes(rng.int(200)) };
  const [high, low] = counterWords(rng);
  return sealPacket(key, packet, high < 2 ** 21 ? high * 2 ** 32 + low : low);
}

/**
 * A datagram for a game peer's port. `actors` are the real actor numbers in the session (host,
 * healthy clients), so many packets pass the header checks and reach the AEAD. Only those sealed
 * with the insider's pair secrets (`pairs`) open; the host may answer those (an ACCEPT to the
 * fuzz socket), nothing else.
 */
export function peerDatagram(rng: Rng, actors: readonly number[], pairs: PairPool): FuzzDatagram {
  const actor = (): number => (rng.chance(0.8) ? rng.pick([...actors, 0, 0xffffffff]) : rng.int(0x100000000));
  switch (rng.int(13)) {
    case 12:
      return sealedInsider(rng, pairs) ?? { kind: 'peer:sealed-wrong-key', bytes: sealedWrong(rng, actors) };
    case 0:
      return randomBytes(rng);
    case 1: {
      // Shorter than header + tag (34 bytes), starting like a peer packet.
      const bytes = rng.chance(0.5) ? peerHeader(rng, rng.pick(KNOWN_TYPES), actor(), actor()).subarray(0, rng.int(HEADER_BYTES + 1)) : rng.bytes(rng.int(HEADER_BYTES + AEAD_TAG_BYTES));
      const out = Uint8Array.from([...bytes, ...rng.bytes(rng.int(Math.max(1, HEADER_BYTES + AEAD_TAG_BYTES - bytes.length)))]);
      if (out.length > 0) out[0] = PEER_PACKET_MAGIC;
      return { kind: 'peer:short', bytes: out };
    }
    case 2: {
      // Every type byte 0–255, with a random body (and tag) of any length.
      const type = rng.int(256);
      return { kind: `peer:type-${type}`, bytes: shaped(rng, type, actor(), actor(), rng.int(60)) };
    }
    case 3:
    case 4: {
      // A known type with the right sealed length and random content (the tag cannot verify).
      const type = rng.pick(KNOWN_TYPES);
      return { kind: `peer:shaped-${type}`, bytes: shaped(rng, type, actor(), actor(), BODY_BYTES[type] ?? rng.int(100)) };
    }
    case 5:
      return { kind: 'peer:data', bytes: shaped(rng, PeerPacketType.DATA, actor(), actor(), rng.int(rng.chance(0.05) ? 1400 : 100)) };
    case 6: {
      // Known type, wrong length (a byte off, or far off).
      const type = rng.pick([1, 2, 3, 6, 7]);
      const right = BODY_BYTES[type]!;
      const length = rng.chance(0.5) ? right + rng.pick([-1, 1]) : rng.pick([0, right + rng.range(2, 40)]);
      return { kind: `peer:wrong-length-${type}`, bytes: shaped(rng, type, actor(), actor(), length) };
    }
    case 7:
    case 8:
      return { kind: 'peer:sealed-wrong-key', bytes: sealedWrong(rng, actors) };
    case 9: {
      // A sealed packet cut short, or with its body or header tampered with.
      const good = sealedWrong(rng, actors);
      return rng.chance(0.4) ? { ...truncated(rng, good), kind: 'peer:truncated' } : { kind: 'peer:bit-flips', bytes: flipBits(rng, good, rng.chance(0.3) ? 0 : HEADER_BYTES, rng.range(1, 3)) };
    }
    case 10: {
      // Looks like STUN (first two bits 00) or a relay frame (0xF2) arriving at a game socket.
      const first = rng.chance(0.5) ? 0x01 : RELAY_PROTOCOL_VERSION;
      return { kind: 'peer:other-protocol', bytes: Uint8Array.from([first, ...rng.bytes(rng.int(60))]) };
    }
    default:
      // The magic, then garbage of any length.
      return { kind: 'peer:garbage', bytes: Uint8Array.from([PEER_PACKET_MAGIC, ...rng.bytes(rng.int(rng.chance(0.1) ? 1400 : 120))]) };
  }
}
