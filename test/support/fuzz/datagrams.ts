// Datagram generators for the fuzz test: mutated STUN Binding requests, relay frames and peer
// packets (magic 0xD7, every type byte), plus truncated and random bytes.
import { encodeStunMessage, type StunAttributeInit } from '../../../stun-server/index.js';
import { encodeRelayFrame, splitTicket, RELAY_PROTOCOL_VERSION } from '../../../relay/index.js';
import type { Rng } from './random.js';

export interface FuzzDatagram {
  kind: string;
  bytes: Uint8Array;
}

const PEER_MAGIC = 0xd7;

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

/** Valid relay tickets the fuzzer holds (from its own sessions' start events). */
export interface TicketPool {
  tickets: Uint8Array[];
}

const ACTORS = [0, 1, 2, 3, 4, 0xffffffff];

export function relayDatagram(rng: Rng, pool: TicketPool): FuzzDatagram {
  const actor = (): number => (rng.chance(0.8) ? rng.pick(ACTORS) : rng.int(0x100000000));
  const ticket = pool.tickets.length > 0 ? rng.pick(pool.tickets) : undefined;
  switch (rng.int(14)) {
    // A bind carries the ticket's body (never its MAC), a cookie and a proof (relay protocol v2).
    case 0:
      if (ticket) return { kind: 'relay:bind-valid', bytes: encodeRelayFrame({ type: 'bind', body: splitTicket(ticket).body, cookie: undefined, proof: new Uint8Array(0) }) };
      return { kind: 'relay:bind-random', bytes: encodeRelayFrame({ type: 'bind', body: rng.bytes(rng.range(1, 120)), cookie: undefined, proof: new Uint8Array(0) }) };
    case 1: {
      const base = ticket ? splitTicket(ticket).body : rng.bytes(29);
      const forged = rng.chance(0.5) ? flipBits(rng, base, 0, rng.range(1, 3)) : rng.chance(0.5) ? base.subarray(0, rng.int(base.length)) : new Uint8Array([...base, ...rng.bytes(rng.range(1, 40))]);
      const cookie = rng.chance(0.5) ? rng.bytes(16) : undefined;
      return { kind: 'relay:bind-forged', bytes: encodeRelayFrame({ type: 'bind', body: forged.length > 0 ? forged : Uint8Array.of(1), cookie, proof: rng.bytes(16) }) };
    }
    case 2:
    case 3:
    case 4:
      return { kind: 'relay:send', bytes: encodeRelayFrame({ type: 'send', toActor: actor(), payload: rng.bytes(rng.int(rng.chance(0.05) ? 1600 : 200)) }) };
    case 5:
      return { kind: 'relay:keepalive', bytes: encodeRelayFrame({ type: 'keepalive', nonce: rng.int(0x100000000) }) };
    case 6:
      return { kind: 'relay:unbind', bytes: encodeRelayFrame({ type: 'unbind', unbindToken: rng.bytes(8) }) };
    case 7: {
      // Frames only the relay sends (never answered), any length.
      const type = rng.pick([0x02, 0x04, 0x06, 0x07, 0x09]);
      return { kind: 'relay:server-frame', bytes: Uint8Array.from([RELAY_PROTOCOL_VERSION, type, ...rng.bytes(rng.int(16))]) };
    }
    case 8: {
      // Every type byte with a random body of any length.
      return { kind: 'relay:any-type', bytes: Uint8Array.from([RELAY_PROTOCOL_VERSION, rng.int(256), ...rng.bytes(rng.int(12))]) };
    }
    case 9: {
      // Right type, wrong length.
      const type = rng.pick([0x05, 0x08, 0x03, 0x01]);
      return { kind: 'relay:wrong-length', bytes: Uint8Array.from([RELAY_PROTOCOL_VERSION, type, ...rng.bytes(rng.pick([0, 1, 3, 5, 9]))]) };
    }
    case 10: {
      // Another version byte (0xF0–0xFF share the marker nibble), or none at all.
      const frame = encodeRelayFrame({ type: 'keepalive', nonce: 1 });
      frame[0] = rng.chance(0.7) ? 0xf0 + rng.int(16) : rng.int(256);
      return { kind: 'relay:version', bytes: frame };
    }
    case 11:
      return { kind: 'relay:tiny', bytes: rng.bytes(rng.int(2)) };
    case 12:
      return { ...truncated(rng, encodeRelayFrame({ type: 'send', toActor: actor(), payload: rng.bytes(20) })), kind: 'relay:truncated' };
    default:
      return randomBytes(rng);
  }
}

// ------------------------------------------------------------------ peer packets (game port)

/** Body length each peer packet type expects (DATA: any). */
const BODY_BYTES: Record<number, number> = { 1: 12, 2: 6, 3: 12, 4: 5, 6: 5, 7: 1 };

/** A peer packet header: magic, type, from, to. */
function peerHeader(type: number, from: number, to: number): Uint8Array {
  const out = new Uint8Array(10);
  const view = new DataView(out.buffer);
  out[0] = PEER_MAGIC;
  out[1] = type;
  view.setUint32(2, from >>> 0);
  view.setUint32(6, to >>> 0);
  return out;
}

/**
 * A datagram for a game peer's port. `actors` are the real actor numbers in the session
 * (host, healthy clients), so many packets pass the sender checks and reach the link logic.
 */
export function peerDatagram(rng: Rng, actors: readonly number[]): FuzzDatagram {
  const actor = (): number => (rng.chance(0.8) ? rng.pick([...actors, 0, 0xffffffff]) : rng.int(0x100000000));
  switch (rng.int(10)) {
    case 0:
      return randomBytes(rng);
    case 1: {
      const bytes = rng.bytes(rng.int(10));
      if (bytes.length > 0) bytes[0] = PEER_MAGIC;
      return { kind: 'peer:short', bytes };
    }
    case 2: {
      // Every type byte 0–255, with a random body.
      const type = rng.int(256);
      return { kind: `peer:type-${type}`, bytes: Uint8Array.from([...peerHeader(type, actor(), actor()), ...rng.bytes(rng.int(40))]) };
    }
    case 3: {
      // CONNECT with a random token; the length byte tells the truth or lies.
      const token = rng.bytes(rng.range(0, 80));
      const length = rng.chance(0.7) ? token.length : rng.int(256);
      const body = Uint8Array.from([...rng.bytes(4), rng.int(256), length & 0xff, ...token]);
      return { kind: 'peer:connect', bytes: Uint8Array.from([...peerHeader(2, actor(), actor()), ...body]) };
    }
    case 4:
    case 5: {
      // A known type with the right body length and random content (from an unproven address).
      const type = rng.pick([1, 3, 4, 6, 7]);
      const body = rng.bytes(BODY_BYTES[type]!);
      return { kind: `peer:shaped-${type}`, bytes: Uint8Array.from([...peerHeader(type, actor(), actor()), ...body]) };
    }
    case 6:
      return { kind: 'peer:data', bytes: Uint8Array.from([...peerHeader(5, actor(), actor()), ...rng.bytes(rng.int(rng.chance(0.05) ? 1400 : 100))]) };
    case 7: {
      // Known type, wrong length.
      const type = rng.pick([1, 2, 3, 4, 6, 7]);
      const length = (BODY_BYTES[type]! + rng.range(1, 8)) * (rng.chance(0.5) ? 1 : 0);
      return { kind: `peer:wrong-length-${type}`, bytes: Uint8Array.from([...peerHeader(type, actor(), actor()), ...rng.bytes(length)]) };
    }
    case 8: {
      // Looks like STUN (first two bits 00) or a relay frame (0xF1) arriving at a game socket.
      const first = rng.chance(0.5) ? 0x01 : RELAY_PROTOCOL_VERSION;
      return { kind: 'peer:other-protocol', bytes: Uint8Array.from([first, ...rng.bytes(rng.int(60))]) };
    }
    default: {
      const good = Uint8Array.from([...peerHeader(6, actor(), actor()), ...rng.bytes(5)]);
      return { kind: 'peer:bit-flips', bytes: flipBits(rng, good, 0, rng.range(1, 3)) };
    }
  }
}

/** A CONNECT with a wrong token from `from` to `to`: a connected server answers it with REJECT. */
export function rejectProbe(from: number, to: number, nonce: number): Uint8Array {
  const token = new Uint8Array(16).fill(0xee);
  const out = Uint8Array.from([...peerHeader(2, from, to), 0, 0, 0, 0, 0, token.length, ...token]);
  new DataView(out.buffer).setUint32(10, nonce >>> 0);
  return out;
}
