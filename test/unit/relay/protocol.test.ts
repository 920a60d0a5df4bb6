import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RELAY_DATA_HEADER_BYTES,
  RELAY_PROTOCOL_VERSION,
  RelayWireError,
  decodeRelayFrame,
  encodeRelayFrame,
  readFrameActor,
  rewriteSendAsDeliver,
  type RelayErrorCode,
  type RelayFrame,
} from '../../../relay/protocol/index.js';

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const bytes = (maxLength = 64) => fc.uint8Array({ maxLength });
const frames: fc.Arbitrary<RelayFrame> = fc.oneof(
  fc.record({ type: fc.constant('bind' as const), ticket: fc.uint8Array({ minLength: 1, maxLength: 100 }) }),
  fc.record({ type: fc.constant('bound' as const), actor: u32, idleTimeoutMs: u32 }),
  fc.record({ type: fc.constant('send' as const), toActor: u32, payload: bytes() }),
  fc.record({ type: fc.constant('deliver' as const), fromActor: u32, payload: bytes() }),
  fc.record({ type: fc.constant('keepalive' as const), nonce: u32 }),
  fc.record({ type: fc.constant('keepaliveAck' as const), nonce: u32 }),
  fc.record({
    type: fc.constant('error' as const),
    code: fc.constantFrom(...(Object.keys(RelayWireError) as RelayErrorCode[])),
    actor: u32,
  }),
  fc.record({ type: fc.constant('unbind' as const) }),
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
    expect(decodeRelayFrame(Uint8Array.of(0xf2, 3, 0, 0, 0, 1))).toEqual({ ok: false, error: 'version' });
    expect(decodeRelayFrame(Uint8Array.of(0x00, 0x01, 0, 8))).toEqual({ ok: false, error: 'version' });
    expect(decodeRelayFrame(Uint8Array.of(RELAY_PROTOCOL_VERSION, 0x7f))).toEqual({ ok: false, error: 'type' });
    expect(decodeRelayFrame(Uint8Array.of(RELAY_PROTOCOL_VERSION, 0x03, 0, 0))).toEqual({ ok: false, error: 'truncated' });
    expect(decodeRelayFrame(Uint8Array.of(RELAY_PROTOCOL_VERSION, 0x05, 0, 0, 0, 1, 9))).toEqual({ ok: false, error: 'malformed' });
    expect(decodeRelayFrame(Uint8Array.of(RELAY_PROTOCOL_VERSION, 0x07, 99, 0, 0, 0, 0))).toEqual({ ok: false, error: 'malformed' });
    expect(decodeRelayFrame(Uint8Array.of(RELAY_PROTOCOL_VERSION, 0x01))).toEqual({ ok: false, error: 'truncated' });
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
