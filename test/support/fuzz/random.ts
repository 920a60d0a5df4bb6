// Seeded PRNG (mulberry32) and draw helpers for the fuzz generators: one seed reproduces a run.

export interface Rng {
  /** The seed this generator started from. */
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Integer in [min, max], both included. */
  range(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  bytes(length: number): Uint8Array;
  /** An independent generator derived from this one (for a worker of its own). */
  fork(): Rng;
}

export function createRng(seed: number): Rng {
  let state = seed | 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    seed,
    next,
    int,
    range: (min, max) => min + int(max - min + 1),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => items[int(items.length)]!,
    bytes(length) {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = int(256);
      return out;
    },
    fork: () => createRng(int(0x7fffffff) ^ 0x5bd1e995),
  };
}

/** Hex of the first `max` bytes, for failure reports. */
export function hexPreview(bytes: Uint8Array, max = 160): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max)).toString('hex');
  return bytes.length > max ? `${hex}… (${bytes.length} bytes)` : hex;
}
