import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RELAY_BIND_MAX_BYTES,
  RELAY_BIND_MIN_BYTES,
  RELAY_CHALLENGE_BYTES,
  RELAY_DATA_HEADER_BYTES,
  RELAY_PROTOCOL_VERSION,
  RelayWireError,
  decodeRelayFrame,
  encodeRelayFrame,
  readFrameActor,
  rewriteSendAsDeliver,
  type RelayErrorCode,
  type RelayFrame,
} from '../../../relay/wire/index.js';

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const bytes = (maxLength = 64) => fc.uint8Array({ maxLength });
const frames: fc.Arbitrary<RelayFrame> = fc.oneof(
  // A first bind (no cookie) carries zeros where the proof goes; a second one, both.
  fc.record({
    type: fc.constant('bind' as const),
    cookie: fc.constant(undefined),
    proof: fc.constant(new Uint8Array(16)),
    body: fc.uint8Array({ minLength: 13, maxLength: 76 }),
  }),
  fc.record({
    type: fc.constant('bind' as const),
    cookie: fc.uint8Array({ minLength: 16, maxLength: 16 }).filter((cookie) => cookie.some((byte) => byte !== 0)),
    proof: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    body: fc.uint8Array({ minLength: 13, maxLength: 76 }),
  }),
  fc.record({ type: fc.constant('challenge' as const), cookie: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
  fc.record({ type: fc.constant('bound' as const), actor: u32, idleTimeoutMs: u32, unbindToken: fc.uint8Array({ minLength: 8, maxLength: 8 }) }),
  fc.record({ type: fc.constant('send' as const), toActor: u32, payload: bytes() }),
  fc.record({ type: fc.constant('deliver' as const), fromActor: u32, payload: bytes() }),
  fc.record({ type: fc.constant('keepalive' as const), nonce: u32 }),
  fc.record({ type: fc.constant('keepaliveAck' as const), nonce: u32 }),
  fc.record({
    type: fc.constant('error' as const),
    code: fc.constantFrom(...(Object.keys(RelayWireError) as RelayErrorCode[])),
    actor: u32,
  }),
  fc.record({ type: fc.constant('unbind' as const), unbindToken: fc.uint8Array({ minLength: 8, maxLength: 8 }) }),
);

describe('relay frame codec', () => {
  it('round-trips every frame type', () => {
    fc.assert(
      fc.property(frames, (frame) => {
        const encoded = encodeRelayFrame(frame);
        expect(encoded[0]).toBe(RELAY_PROTOCOL_VERSION);
        expect(decodeRelayFrame(encoded)).toEqual({ ok: true, value: frame });
      }),
    );
  });

  it('never throws on hostile bytes, and returns a reason for what it refuses', () => {
    const hostile = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      // Mostly-valid prefixes reach the per-type length checks.
      fc.tuple(fc.integer({ min: 0, max: 10 }), fc.uint8Array({ maxLength: 20 })).map(([type, rest]) =>
        Uint8Array.from([RELAY_PROTOCOL_VERSION, type, ...rest]),
      ),
      frames.chain((frame) => {
        const encoded = encodeRelayFrame(frame);
        return fc.integer({ min: 0, max: encoded.length }).map((cut) => encoded.subarray(0, cut));
      }),
    );
    fc.assert(
      fc.property(hostile, (input) => {
        const result = decodeRelayFrame(input);
        if (!result.ok) expect(['truncated', 'version', 'type', 'malformed']).toContain(result.error);
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses other versions, unknown types, wrong fixed lengths and unknown error codes', () => {
    expect(decodeRelayFrame(Uint8Array.of())).toEqual({ ok: false, error: 'truncated' });
    // Version 1 (0xF1) is gone: its bind carried the whole ticket.
    expect(decodeRelayFrame(Uint8Array.of(0xf1, 3, 0, 0, 0, 1))).toEqual({ ok: false, error: 'version' });
    expect(decodeRelayFrame(Uint8Array.of(0x00, 0x01, 0, 8))).toEqual({ ok: false, error: 'version' });
    expect(decodeRelayFrame(Uint8Array.of(RELAY_PROTOCOL_VERSION, 0x7f))).toEqual({ ok: false, error: 'type' });
    expect(decodeRelayFrame(Uint8Array.of(RELAY_PROTOCOL_VERSION, 0x03, 0, 0))).toEqual({ ok: false, error: 'truncated' });
    expect(decodeRelayFrame(Uint8Array.of(RELAY_PROTOCOL_VERSION, 0x05, 0, 0, 0, 1, 9))).toEqual({ ok: false, error: 'malformed' });
    expect(decodeRelayFrame(Uint8Array.of(RELAY_PROTOCOL_VERSION, 0x07, 99, 0, 0, 0, 0))).toEqual({ ok: false, error: 'malformed' });
    expect(decodeRelayFrame(Uint8Array.of(RELAY_PROTOCOL_VERSION, 0x01))).toEqual({ ok: false, error: 'truncated' });
    // A bind shorter than cookie + proof + the smallest ticket body, or longer than the largest.
    expect(decodeRelayFrame(Uint8Array.of(RELAY_PROTOCOL_VERSION, 0x01, ...new Uint8Array(RELAY_BIND_MIN_BYTES - 3)))).toEqual({ ok: false, error: 'truncated' });
    expect(decodeRelayFrame(Uint8Array.of(RELAY_PROTOCOL_VERSION, 0x01, ...new Uint8Array(RELAY_BIND_MAX_BYTES - 1)))).toEqual({ ok: false, error: 'malformed' });
    expect(decodeRelayFrame(Uint8Array.of(RELAY_PROTOCOL_VERSION, 0x09, ...new Uint8Array(15)))).toEqual({ ok: false, error: 'malformed' });
  });

  it('a challenge is never larger than the smallest bind, and a first bind is as long as the second', () => {
    expect(RELAY_CHALLENGE_BYTES).toBeLessThan(RELAY_BIND_MIN_BYTES);
    const body = new Uint8Array(20).fill(1);
    const first = encodeRelayFrame({ type: 'bind', cookie: undefined, proof: new Uint8Array(0), body });
    const second = encodeRelayFrame({ type: 'bind', cookie: new Uint8Array(16).fill(2), proof: new Uint8Array(16).fill(3), body });
    expect(first.length).toBe(second.length);
    expect(decodeRelayFrame(first)).toMatchObject({ ok: true, value: { type: 'bind', cookie: undefined } });
  });

  it('payloads are views, not copies, and a send becomes a deliver in place', () => {
    const send = encodeRelayFrame({ type: 'send', toActor: 7, payload: Uint8Array.of(1, 2, 3) });
    const decoded = decodeRelayFrame(send);
    expect(decoded.ok && decoded.value.type === 'send' && decoded.value.payload.buffer).toBe(send.buffer);
    expect(readFrameActor(send)).toBe(7);
    rewriteSendAsDeliver(send, 0xfffffffe);
    expect(send.length).toBe(RELAY_DATA_HEADER_BYTES + 3);
    expect(decodeRelayFrame(send)).toEqual({
      ok: true,
      value: { type: 'deliver', fromActor: 0xfffffffe, payload: Uint8Array.of(1, 2, 3) },
    });
  });

  it('decodes from a view with a non-zero byte offset', () => {
    const inner = encodeRelayFrame({ type: 'keepalive', nonce: 0x01020304 });
    const outer = new Uint8Array(inner.length + 5);
    outer.set(inner, 5);
    expect(decodeRelayFrame(outer.subarray(5))).toEqual({ ok: true, value: { type: 'keepalive', nonce: 0x01020304 } });
  });
});
