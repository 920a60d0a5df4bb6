// The sealed peer packet format: header and body codecs, padding, and hostile bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bodyBytes,
  HANDSHAKE_BODY_BYTES,
  HEADER_BYTES,
  looksLikePeerPacket,
  parseBody,
  PEER_PACKET_MAGIC,
  PeerPacketType,
  readHeader,
  writeBody,
  writeHeader,
  type PeerPacket,
} from '../../../client-sdk/peer/packets.js';
import { PairSealer } from '../../../client-sdk/peer/sealer.js';
import { SECRET } from '../../support/sealed-packets.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u8 = fc.integer({ min: 0, max: 255 });
const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const challenge = fc.uint8Array({ minLength: 8, maxLength: 8 });

const packet: fc.Arbitrary<PeerPacket> = fc.oneof(
  fc.record({ type: fc.constant(PeerPacketType.PING), from: u32, to: u32, seq: u32 }),
  fc.record({ type: fc.constant(PeerPacketType.CONNECT), from: u32, to: u32, attempt: u8, publicKey: key, challenge }),
  fc.record({ type: fc.constant(PeerPacketType.ACCEPT), from: u32, to: u32, challenge, publicKey: key, probe: u32 }),
  fc.record({ type: fc.constant(PeerPacketType.DATA), from: u32, to: u32, payload: fc.uint8Array({ maxLength: 1200 }) }),
  fc.record({ type: fc.constant(PeerPacketType.KEEPALIVE), from: u32, to: u32, seq: u32, reply: fc.boolean() }),
  fc.record({ type: fc.constant(PeerPacketType.DISCONNECT), from: u32, to: u32, reason: u8 }),
  fc.record({
    type: fc.constant(PeerPacketType.RELIABLE),
    from: u32,
    to: u32,
    ack: u32,
    ackBits: u32,
    seq: u32,
    fragment: fc.integer({ min: 0, max: 0xffff }),
    fragments: fc.integer({ min: 0, max: 0xffff }),
    payload: fc.uint8Array({ maxLength: 1176 }),
  }),
  fc.record({ type: fc.constant(PeerPacketType.RELIABLE_ACK), from: u32, to: u32, ack: u32, ackBits: u32 }),
);

const normalise = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v)));

describe('peer packet format', () => {
  it('round-trips every body and header', () => {
    fc.assert(
      fc.property(packet, fc.integer({ min: 0, max: 2 ** 53 - 1 }), (p, counter) => {
        const header = new Uint8Array(HEADER_BYTES + 16);
        writeHeader(header, p.type, p.from, p.to, counter);
        const read = readHeader(header);
        expect(read).toEqual({ ok: true, header: { type: p.type, from: p.from, to: p.to, counter } });
        const body = new Uint8Array(bodyBytes(p));
        writeBody(p, body);
        expect(normalise(parseBody({ type: p.type, from: p.from, to: p.to, counter }, body))).toEqual(normalise(p));
      }),
    );
  });

  it('pads ping, connect and accept to one size, so no answer to a punch packet is bigger than it', () => {
    const sizes = [PeerPacketType.PING, PeerPacketType.CONNECT, PeerPacketType.ACCEPT].map((type) =>
      bodyBytes({ type, from: 0, to: 0, seq: 0, attempt: 0, probe: 0, publicKey: new Uint8Array(32), challenge: new Uint8Array(8) } as PeerPacket),
    );
    expect(sizes).toEqual([HANDSHAKE_BODY_BYTES, HANDSHAKE_BODY_BYTES, HANDSHAKE_BODY_BYTES]);
  });

  it('rejects wrong body lengths and unknown types without throwing', () => {
    const header = { type: PeerPacketType.KEEPALIVE, from: 1, to: 2, counter: 0 };
    expect(parseBody(header, new Uint8Array(4))).toBeUndefined();
    expect(parseBody(header, Uint8Array.of(0, 0, 0, 0, 2))).toBeUndefined();
    expect(parseBody({ ...header, type: PeerPacketType.PING }, new Uint8Array(43))).toBeUndefined();
    expect(parseBody({ ...header, type: 4 }, new Uint8Array(5))).toBeUndefined();
    expect(parseBody({ ...header, type: 99 }, new Uint8Array(5))).toBeUndefined();
    expect(readHeader(new Uint8Array(33))).toEqual({ ok: false, error: 'malformed' });
    const huge = new Uint8Array(34);
    huge[0] = PEER_PACKET_MAGIC;
    huge[10] = 0x00;
    huge[11] = 0x20; // counter 2^53: past exact numbers
    expect(readHeader(huge)).toEqual({ ok: false, error: 'malformed' });
    huge[11] = 0x1f;
    expect(readHeader(huge).ok).toBe(true);
  });

  it('never throws on hostile bytes, and never takes STUN for a peer packet', () => {
    const sealer = new PairSealer({ role: 'server', self: 1, peer: 2, pairSecret: SECRET, counterBase: 0 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), (bytes) => {
        const opened = sealer.open(bytes);
        expect(opened.ok).toBe(false);
        if ((bytes[0] ?? 0) >> 6 === 0) expect(looksLikePeerPacket(bytes)).toBe(false);
      }),
      { numRuns: 3000 },
    );
    // Well-framed but forged: right magic, right actors, every type, random body.
    fc.assert(
      fc.property(u8, fc.integer({ min: 0, max: 2 ** 40 }), fc.uint8Array({ minLength: 16, maxLength: 1300 }), (type, counter, rest) => {
        const bytes = new Uint8Array(HEADER_BYTES + rest.length);
        writeHeader(bytes, type, 2, 1, counter);
        bytes.set(rest, HEADER_BYTES);
        const opened = sealer.open(bytes);
        expect(opened.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
    const stun = new Uint8Array(20);
    stun[1] = 1;
    expect(looksLikePeerPacket(stun)).toBe(false);
  });
});
