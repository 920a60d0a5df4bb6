/**
 * Sliding replay window over a receiving key's counters (RFC 6479 style: a bitmap indexed by
 * counter modulo its size, cleared as the top advances). `check` runs before decryption and
 * `mark` only after the packet authenticated, so a forged counter can never move the window.
 */
import { REPLAY_WINDOW_COUNTERS } from '../constants.js';

export class ReplayWindow {
  /** Highest counter marked so far; -1 before the first. */
  #top = -1;
  readonly #bits: Uint32Array;
  readonly #size: number;

  /** @param size counters remembered below the top; a multiple of 32. */
  constructor(size: number = REPLAY_WINDOW_COUNTERS) {
    if (size <= 0 || size % 32 !== 0) throw new RangeError('replay window size must be a positive multiple of 32');
    this.#size = size;
    this.#bits = new Uint32Array(size / 32);
  }

  get top(): number {
    return this.#top;
  }

  /** Whether `counter` may be new: above the top, or inside the window and not yet seen. */
  check(counter: number): boolean {
    if (!Number.isSafeInteger(counter) || counter < 0) return false;
    if (counter > this.#top) return true;
    if (this.#top - counter >= this.#size) return false;
    return !this.#has(counter);
  }

  /** Records an authenticated counter (which passed {@link check}). */
  mark(counter: number): void {
    if (counter > this.#top) {
      if (counter - this.#top >= this.#size) this.#bits.fill(0);
      else for (let c = this.#top + 1; c < counter; c++) this.#clear(c);
      this.#top = counter;
    }
    const slot = counter % this.#size;
    this.#bits[slot >>> 5]! |= 1 << (slot & 31);
  }

  #has(counter: number): boolean {
    const slot = counter % this.#size;
    return (this.#bits[slot >>> 5]! & (1 << (slot & 31))) !== 0;
  }

  #clear(counter: number): void {
    const slot = counter % this.#size;
    this.#bits[slot >>> 5]! &= ~(1 << (slot & 31));
  }
}
