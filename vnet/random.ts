/** A source of uniform numbers in [0, 1). The same seed yields the same sequence. */
export type RandomSource = () => number;

/**
 * A small seeded generator (the Mulberry32 recipe: a Weyl sequence fed through an integer
 * mixer). Not cryptographic; it only has to be fast, well spread and reproducible.
 */
export function createSeededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A seed for one named stream of a network seeded with `seed`. Each link and NAT draws from its
 * own stream, so traffic on one link never shifts the loss pattern of another: adding a packet
 * somewhere does not reshuffle the whole run.
 */
export function deriveSeed(seed: number, stream: string): number {
  // FNV-1a over the stream name, folded with the seed.
  let hash = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < stream.length; i++) {
    hash ^= stream.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** An integer in [min, max], both inclusive. */
export function randomInt(random: RandomSource, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
