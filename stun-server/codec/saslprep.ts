// SASLprep (RFC 4013), for the key of STUN long-term credentials.
import { err, ok, type Result } from '../../core/index.js';

/**
 * SASLprep (RFC 4013), needed for long-term credentials: the key is
 * MD5(username ":" realm ":" SASLprep(password)) (RFC 5389 §15.4; RFC 5769 §2.4's vector
 * depends on it). Unassigned code points are allowed, as for a "query" string.
 */

type Ranges = readonly (readonly [number, number])[];

// RFC 3454 B.1: commonly mapped to nothing.
const MAPPED_TO_NOTHING: Ranges = [
  [0x00ad, 0x00ad], [0x034f, 0x034f], [0x1806, 0x1806], [0x180b, 0x180d], [0x200b, 0x200d],
  [0x2060, 0x2060], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
];
// RFC 3454 C.1.2: non-ASCII space characters, mapped to U+0020.
const NON_ASCII_SPACE: Ranges = [
  [0x00a0, 0x00a0], [0x1680, 0x1680], [0x2000, 0x200b], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000],
];
// RFC 3454 C.2.1, C.2.2, C.3, C.4 (except the plane-end pairs, checked below), C.5–C.9.
const PROHIBITED: Ranges = [
  [0x0000, 0x001f], [0x007f, 0x009f], [0x0340, 0x0341], [0x06dd, 0x06dd], [0x070f, 0x070f],
  [0x180e, 0x180e], [0x200c, 0x200f], [0x2028, 0x202e], [0x2060, 0x2063], [0x206a, 0x206f],
  [0x2ff0, 0x2ffb], [0xd800, 0xdfff], [0xe000, 0xf8ff], [0xfdd0, 0xfdef], [0xfeff, 0xfeff],
  [0xfff9, 0xffff], [0x1d173, 0x1d17a], [0xe0001, 0xe0001], [0xe0020, 0xe007f], [0xf0000, 0x10ffff],
];

const inRanges = (ranges: Ranges, cp: number): boolean => ranges.some(([lo, hi]) => cp >= lo && cp <= hi);

// RFC 3454 §6 bidi rule, approximated by script: right-to-left letters (RandALCat) and letters.
const RAND_AL_CAT = /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
const LETTER = /\p{L}/u;

export function saslprep(input: string): Result<string, string> {
  let mapped = '';
  for (const char of input) {
    const cp = char.codePointAt(0)!;
    if (inRanges(MAPPED_TO_NOTHING, cp)) continue;
    mapped += inRanges(NON_ASCII_SPACE, cp) ? ' ' : char;
  }
  const output = mapped.normalize('NFKC');
  const chars = [...output];
  for (const char of chars) {
    const cp = char.codePointAt(0)!;
    if (inRanges(PROHIBITED, cp) || (cp & 0xfffe) === 0xfffe) return err('contains a prohibited character');
  }
  const rtl = chars.map((char) => RAND_AL_CAT.test(char));
  if (rtl.some(Boolean)) {
    const hasLeftToRight = chars.some((char, i) => !rtl[i] && LETTER.test(char));
    if (hasLeftToRight || !rtl[0] || !rtl[rtl.length - 1]) return err('violates the bidirectional text rule');
  }
  return ok(output);
}
