import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePeerPacket,
  encodePeerPacket,
  looksLikePeerPacket,
  pairTag,
  PEER_PACKET_MAGIC,
  PeerPacketType,
  type PeerPacket,
} from '../../../client-sdk/peer/packets.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u8 = fc.integer({ min: 0, max: 255 });
const tag = fc.uint8Array({ minLength: 8, maxLength: 8 });

const packet: fc.Arbitrary<PeerPacket> = fc.oneof(
  fc.record({ type: fc.constant(PeerPacketType.PING), from: u32, to: u32, seq: u32, tag }),
  fc.record({
    type: fc.constant(PeerPacketType.CONNECT),
    from: u32,
    to: u32,
    nonce: u32,
    attempt: u8,
    token: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
  fc.record({ type: fc.constant(PeerPacketType.ACCEPT), from: u32, to: u32, nonce: u32, tag }),
  fc.record({ type: fc.constant(PeerPacketType.REJECT), from: u32, to: u32, nonce: u32, reason: u8 }),
  fc.record({ type: fc.constant(PeerPacketType.DATA), from: u32, to: u32, payload: fc.uint8Array({ maxLength: 1200 }) }),
  fc.record({ type: fc.constant(PeerPacketType.KEEPALIVE), from: u32, to: u32, seq: u32, reply: fc.boolean() }),
  fc.record({ type: fc.constant(PeerPacketType.DISCONNECT), from: u32, to: u32, reason: u8 }),
);

describe('peer packet codec', () => {
  it('round-trips every packet type', () => {
    fc.assert(
      fc.property(packet, (p) => {
        const decoded = decodePeerPacket(encodePeerPacket(p));
        expect(decoded.ok).toBe(true);
        if (!decoded.ok) return;
        const normalise = (x: PeerPacket): unknown =>
          JSON.parse(JSON.stringify(x, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v)));
        expect(normalise(decoded.packet)).toEqual(normalise(p));
      }),
    );
  });

  it('never throws on hostile bytes, and never takes STUN for a peer packet', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), (bytes) => {
        const result = decodePeerPacket(bytes);
        if ((bytes[0] ?? 0) >> 6 === 0) expect(result.ok).toBe(false);
      }),
      { numRuns: 5000 },
    );
    // Mutations of valid packets: truncation, extension, bit flips.
    fc.assert(
      fc.property(packet, fc.integer({ min: 0, max: 80 }), u8, (p, cut, flip) => {
        const bytes = encodePeerPacket(p);
        decodePeerPacket(bytes.subarray(0, Math.min(cut, bytes.length)));
        const extended = new Uint8Array(bytes.length + 1);
        extended.set(bytes);
        decodePeerPacket(extended);
        const flipped = bytes.slice();
        flipped[cut % flipped.length] = flipped[cut % flipped.length]! ^ flip;
        decodePeerPacket(flipped);
      }),
    );
  });

  it('rejects wrong lengths, bad token lengths and unknown types with a reason', () => {
    const ping = encodePeerPacket({ type: PeerPacketType.PING, from: 1, to: 2, seq: 0, tag: new Uint8Array(8) });
    expect(decodePeerPacket(ping.subarray(0, ping.length - 1))).toEqual({ ok: false, error: 'length' });
    expect(decodePeerPacket(ping.subarray(0, 5))).toEqual({ ok: false, error: 'short' });
    const unknown = ping.slice();
    unknown[1] = 99;
    expect(decodePeerPacket(unknown)).toEqual({ ok: false, error: 'type' });
    const connect = encodePeerPacket({ type: PeerPacketType.CONNECT, from: 1, to: 2, nonce: 1, attempt: 0, token: new Uint8Array(4) });
    const zeroToken = connect.slice(0, 16);
    zeroToken[15] = 0;
    expect(decodePeerPacket(zeroToken)).toEqual({ ok: false, error: 'token' });
    const lying = connect.slice();
    lying[15] = 5;
    expect(decodePeerPacket(lying)).toEqual({ ok: false, error: 'length' });
    const stun = new Uint8Array(20);
    stun[1] = 1;
    expect(looksLikePeerPacket(stun)).toBe(false);
    expect(looksLikePeerPacket(ping)).toBe(true);
    expect(ping[0]).toBe(PEER_PACKET_MAGIC);
  });

  it('derives an 8-byte pair tag from the token', () => {
    const a = pairTag(new Uint8Array([1, 2, 3]));
    expect(a).toHaveLength(8);
    expect(pairTag(new Uint8Array([1, 2, 3]))).toEqual(a);
    expect(pairTag(new Uint8Array([1, 2, 4]))).not.toEqual(a);
  });
});
