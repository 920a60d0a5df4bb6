/**
 * A structural pre-check of a msgpack frame, run before the decoder touches it: one linear pass
 * over the bytes that admits only the types the protocol uses (nil, booleans, numbers, strings,
 * binary, arrays, maps with string keys), nesting at most `maxDepth` deep, and nothing after
 * the value. Extension types (msgpackr decodes some into BigInt, Error, RegExp, Set and Date,
 * and an Error-ext frame cost 68–156 ms of CPU to decode) and deep nesting (a recursive decoder's
 * stack) are refused here in O(bytes), without allocating.
 */

/** Why a frame failed the scan; the message names the offset, never the attacker's bytes. */
export type ScanResult = { ok: true } | { ok: false; message: string };

const OK: ScanResult = { ok: true };
const fail = (message: string): ScanResult => ({ ok: false, message });

/**
 * Checks `frame` holds exactly one msgpack value of the allowed types. Runs in time linear in
 * the frame's length: every header consumes at least one byte, and a declared length or count
 * beyond the remaining bytes fails at once.
 */
export function scanMsgpack(frame: Uint8Array, maxDepth: number): ScanResult {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const end = frame.length;
  // Items still to read at each open level; a map of n pairs counts 2n items.
  const pending: number[] = [1];
  // Whether the next item at each open level is a map key (which must be a string).
  const isMap: boolean[] = [false];
  let at = 0;

  const skip = (bytes: number): boolean => {
    if (bytes > end - at) return false;
    at += bytes;
    return true;
  };

  while (pending.length > 0) {
    const level = pending.length - 1;
    if (pending[level] === 0) {
      pending.pop();
      isMap.pop();
      continue;
    }
    const keyExpected = isMap[level]! && pending[level]! % 2 === 0;
    pending[level]! -= 1;
    if (at >= end) return fail(`truncated at byte ${at}`);
    const b = frame[at]!;
    at += 1;
    const str = (b >= 0xa0 && b <= 0xbf) || b === 0xd9 || b === 0xda || b === 0xdb;
    if (keyExpected && !str) return fail(`map key at byte ${at - 1} is not a string`);

    let length = -1;
    let children = -1;
    let mapOpen = false;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) continue;
    if (b >= 0x80 && b <= 0x8f) [children, mapOpen] = [(b & 0x0f) * 2, true];
    else if (b >= 0x90 && b <= 0x9f) children = b & 0x0f;
    else if (b >= 0xa0 && b <= 0xbf) length = b & 0x1f;
    else {
      switch (b) {
        case 0xcc: case 0xd0: length = 1; break;
        case 0xcd: case 0xd1: length = 2; break;
        case 0xca: case 0xce: case 0xd2: length = 4; break;
        case 0xcb: case 0xcf: case 0xd3: length = 8; break;
        case 0xc4: case 0xd9:
          if (!skip(1)) return fail(`truncated at byte ${at}`);
          length = view.getUint8(at - 1);
          break;
        case 0xc5: case 0xda:
          if (!skip(2)) return fail(`truncated at byte ${at}`);
          length = view.getUint16(at - 2);
          break;
        case 0xc6: case 0xdb:
          if (!skip(4)) return fail(`truncated at byte ${at}`);
          length = view.getUint32(at - 4);
          break;
        case 0xdc: case 0xde:
          if (!skip(2)) return fail(`truncated at byte ${at}`);
          children = view.getUint16(at - 2);
          break;
        case 0xdd: case 0xdf:
          if (!skip(4)) return fail(`truncated at byte ${at}`);
          children = view.getUint32(at - 4);
          break;
        default:
          // 0xc1 (never used) and every extension: 0xc7–0xc9, 0xd4–0xd8.
          return fail(`type 0x${b.toString(16)} at byte ${at - 1} is not allowed`);
      }
      if (b === 0xde || b === 0xdf) [children, mapOpen] = [children * 2, true];
    }
    if (length >= 0) {
      if (!skip(length)) return fail(`truncated at byte ${at}`);
      continue;
    }
    // Each child needs at least one byte: a count larger than what is left cannot be honest.
    if (children > end - at) return fail(`count at byte ${at} exceeds the frame`);
    if (children === 0) continue;
    if (pending.length > maxDepth) return fail(`nesting deeper than ${maxDepth}`);
    pending.push(children);
    isMap.push(mapOpen);
  }
  return at === end ? OK : fail(`${end - at} bytes after the value`);
}
