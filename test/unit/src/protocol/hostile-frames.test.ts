// The signaling frames that once crashed the cloud (and the SDK, which shares the codec): each is
// refused as a value, never thrown, and the scan bounds their cost.
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { createSignalingCodec, isDecodeError } from '../../../../src/protocol/index.js';
import { scanMsgpack } from '../../../../src/protocol/scan.js';
import { HOSTILE_FRAMES } from '../../../support/hostile-frames.js';

const codec = createSignalingCodec({ maxFrameBytes: 64 * 1024 });

describe('hostile signaling frames', () => {
  for (const [name, build] of Object.entries(HOSTILE_FRAMES)) {
    it(`${name}: refused as a value on both sides, never thrown`, () => {
      const frame = build(1);
      const request = codec.decodeRequest(frame);
      const server = codec.decodeServerMessage(frame);
      expect(request.ok).toBe(false);
      expect(server.ok).toBe(false);
    });
  }

  it('rejects extension types and deep nesting in the scan, before the decoder runs', () => {
    for (const name of ['bigintType', 'errorExtensions', 'extensions16k', 'deepArray', 'mapKey', 'hugeCount']) {
      const decoded = codec.decode(HOSTILE_FRAMES[name]!(1));
      expect(decoded.ok, name).toBe(false);
      if (!decoded.ok) expect(isDecodeError(decoded.error), name).toBe(true);
    }
  });

  it('answers plain but wrongly typed values with a validation error that does not quote them', () => {
    for (const name of ['toStringType', 'valueOfType']) {
      const decoded = codec.decodeRequest(HOSTILE_FRAMES[name]!(1));
      expect(decoded.ok).toBe(false);
      if (decoded.ok) continue;
      expect(isDecodeError(decoded.error)).toBe(false);
      expect(decoded.error.message).toMatch(/unknown request type of kind object/);
      expect(decoded.error).toMatchObject({ code: 'INVALID_REQUEST', id: 1 });
    }
  });

  it('admits every plain value the protocol uses, up to the depth bound', () => {
    const plain = { a: [1, -1, 300, -70000, 2 ** 40, 1.5, 'x'.repeat(300), null, true, false, new Uint8Array(300)], b: { c: {} } };
    expect(scanMsgpack(pack(plain), 8)).toEqual({ ok: true });
    let nested: unknown = 1;
    for (let i = 0; i < 8; i++) nested = [nested];
    expect(scanMsgpack(pack(nested), 8)).toEqual({ ok: true });
    expect(scanMsgpack(pack([nested]), 8).ok).toBe(false);
  });

  it('refuses trailing bytes and truncation', () => {
    expect(scanMsgpack(Uint8Array.of(0x01, 0x02), 8).ok).toBe(false);
    expect(scanMsgpack(Uint8Array.of(0xa5, 0x61), 8).ok).toBe(false);
    expect(scanMsgpack(Uint8Array.of(0xcd, 0x01), 8).ok).toBe(false);
  });
});
