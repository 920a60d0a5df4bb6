/**
 * Reliable sequence numbers: unbounded integers inside the channel, u32 on the wire. A wire value
 * is read as the number nearest a reference the reader holds (RFC 9000 §A.3's idea), which is
 * exact while both ends stay within 2^31 of each other; the windows keep them within 64.
 */

const SPAN = 2 ** 32;
const HALF = 2 ** 31;

/** The u32 a sequence number travels as. */
export function wire(seq: number): number {
  return seq % SPAN;
}

/** The sequence number nearest `reference` whose low 32 bits are `value`. */
export function unwrap(value: number, reference: number): number {
  let delta = (value - (reference % SPAN)) % SPAN;
  if (delta < 0) delta += SPAN;
  if (delta >= HALF) delta -= SPAN;
  return reference + delta;
}
