// The signaling frames that once crashed the cloud (and the SDK, which shares the codec): each is
// refused as a value, never thrown, and the scan bounds their cost.
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { createSignalingCodec, isDecodeError } from '../../../src/protocol/index.js';
import { scanMsgpack } from '../../../src/protocol/scan.js';

const codec = createSignalingCodec({ maxFrameBytes: 64 * 1024 });

/** msgpack map header + the key "type" + `value`, then "id": 1. */
function requestWithType(value: number[]): Uint8Array {
  return Uint8Array.from([0x82, 0xa4, ...Buffer.from('type'), ...value, 0xa2, ...Buffer.from('id'), 0x01]);
}

export const hostileFrames: Record<string, Uint8Array> = {
  // {type: <ext 0x42 (msgpackr's BigInt)>, id: 1}: 13 bytes that killed the cloud in 15 ms.
  bigintExt: requestWithType([0xd4, 0x42, 0x01]),
  // {type: {toString: 1}, id: 1}: String() on it throws.
  toStringMap: requestWithType([0x81, 0xa8, ...Buffer.from('toString'), 0x01]),
  // {type: [{valueOf: 0, toString: 0}], id: 1}
  valueOfArray: requestWithType([0x91, 0x82, 0xa7, ...Buffer.from('valueOf'), 0x00, 0xa8, ...Buffer.from('toString'), 0x00]),
  // An array nested 3,000 deep.
  deepArray: new Uint8Array(3000).fill(0x91),
  // 16 KiB of msgpack Error extensions (ext type 0x65), 68–156 ms of CPU each on the old decoder.
  errorExts: Uint8Array.from([0xdc, 0x0c, 0xcc, ...Array.from({ length: 0x0ccc }, () => [0xd4, 0x65, 0x00]).flat()]),
  // A map whose key is a map (msgpackr would stringify it).
  mapKey: Uint8Array.from([0x81, 0x81, 0xa1, 0x61, 0x01, 0x02]),
  // A timestamp extension (-1), decoded to a Date by msgpack libraries.
  timestamp: Uint8Array.from([0x81, 0xa4, ...Buffer.from('type'), 0xd6, 0xff, 0, 0, 0, 1]),
  // A count far beyond the frame.
  hugeCount: Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff]),
};

describe('hostile signaling frames', () => {
  for (const [name, frame] of Object.entries(hostileFrames)) {
    it(`${name}: refused as a value on both sides, never thrown`, () => {
      const request = codec.decodeRequest(frame);
      const server = codec.decodeServerMessage(frame);
      expect(request.ok).toBe(false);
      expect(server.ok).toBe(false);
    });
  }

  it('rejects extension types and deep nesting in the scan, before the decoder runs', () => {
    for (const name of ['bigintExt', 'errorExts', 'deepArray', 'mapKey', 'timestamp', 'hugeCount']) {
      const decoded = codec.decode(hostileFrames[name]!);
      expect(decoded.ok, name).toBe(false);
      if (!decoded.ok) expect(isDecodeError(decoded.error), name).toBe(true);
    }
  });

  it('answers plain but wrongly typed values with a validation error that does not quote them', () => {
    for (const name of ['toStringMap', 'valueOfArray']) {
      const decoded = codec.decodeRequest(hostileFrames[name]!);
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
