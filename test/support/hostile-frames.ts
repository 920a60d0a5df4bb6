// Signaling frames that crashed the cloud or the SDK before the codec's scan, by name, each built
// for the request id it pretends to carry or answer: the attack inputs of the codec's unit test,
// the spawned-cloud test and the rogue-cloud tests.
import { randomBytes } from 'node:crypto';
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, moreTypes: false });

/** msgpack str header + bytes, for keys written by hand. */
function str(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > 31) throw new Error('short strings only');
  return Buffer.concat([Buffer.from([0xa0 | bytes.length]), bytes]);
}

/** msgpack uint32 for the request id. */
function uint(value: number): Buffer {
  const out = Buffer.alloc(5);
  out[0] = 0xce;
  out.writeUInt32BE(value, 1);
  return out;
}

/** A map `{ type: <typeBytes>, id }`: a request- or reply-shaped frame whose `type` is hostile. */
function withType(typeBytes: Buffer, id: number): Uint8Array {
  return Buffer.concat([Buffer.from([0x82]), str('type'), typeBytes, str('id'), uint(id)]);
}

/** An array of `count` copies of `item` (array 16 header). */
function arrayOf(item: number[], count: number): Buffer {
  return Buffer.concat([Buffer.from([0xdc, count >> 8, count & 0xff]), ...Array.from({ length: count }, () => Buffer.from(item))]);
}

export const HOSTILE_FRAMES: Readonly<Record<string, (id: number) => Uint8Array>> = {
  /** `type` is msgpackr's extension 0x42, a BigInt: 13 bytes that killed the cloud in 15 ms. */
  bigintType: (id) => withType(Buffer.from([0xd4, 0x42, 0x05]), id),
  /** `type: { toString: 1 }`: String(type) throws. */
  toStringType: (id) => packr.pack({ type: { toString: 1 }, id }),
  /** `type: [{ valueOf: 0, toString: 0 }]`: no primitive conversion anywhere. */
  valueOfType: (id) => packr.pack({ type: [{ valueOf: 0, toString: 0 }], id }),
  /** `type` is an array nested 3,000 deep. */
  deepArray: (id) => withType(Buffer.concat([Buffer.alloc(3_000, 0x91), Buffer.from([0x01])]), id),
  /** ~16 KiB of msgpack Error extensions (0x65): 68–156 ms of CPU each on the old decoder. */
  errorExtensions: (id) => withType(arrayOf([0xd4, 0x65, 0x00], 5_400), id),
  /** ~16 KiB of BigInt and timestamp extensions in `type`. */
  extensions16k: (id) => {
    const values: Buffer[] = [];
    let size = 0;
    for (let i = 0; size < 16 * 1024 - 64; i++) {
      // fixext 8 type 0x42 (BigInt), then fixext 4 type 0xff (a timestamp).
      const value = i % 2 === 0 ? Buffer.from([0xd7, 0x42, 0, 0, 0, 0, 0, 0, 0, i & 0xff]) : Buffer.from([0xd6, 0xff, 0, 0, 0, i & 0xff]);
      values.push(value);
      size += value.length;
    }
    const header = Buffer.from([0xdc, (values.length >> 8) & 0xff, values.length & 0xff]);
    return withType(Buffer.concat([header, ...values]), id);
  },
  /** A map whose key is a map (a decoder would stringify it). */
  mapKey: (id) => Buffer.concat([Buffer.from([0x82, 0x81, 0xa1, 0x61, 0x01, 0x02]), str('id'), uint(id)]),
  /** A count far beyond the frame's length. */
  hugeCount: () => Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff]),
  /** 70 KiB: over the SDK's 64 KiB cap (SIGNALING_MAX_FRAME_BYTES) and the cloud's 16 KiB. */
  oversize: () => Buffer.alloc(70 * 1024, 0xc0),
  /** 512 random bytes. */
  randomBytes: () => randomBytes(512),
};
