/**
 * Splitting a reliable message into segments and putting it back together. Segments arrive here
 * in order (the receiver reorders them), so reassembly is a run of fragments 0 … n − 1 of one
 * count; anything else is a broken or hostile sender, and the message is dropped, never guessed.
 */
import { MAX_DATA_BYTES, MAX_RELIABLE_MESSAGE_BYTES } from '../../constants.js';
import { RELIABLE_HEADER_BYTES } from '../packets.js';
import type { ReliableCounters } from './counters.js';

/** Payload bytes of one segment: a RELIABLE packet is exactly as big as the largest DATA packet, so it never fragments on any path. */
export const SEGMENT_PAYLOAD_BYTES = MAX_DATA_BYTES - RELIABLE_HEADER_BYTES;

/** Most fragments a message may have: the largest message in full segments. */
export const MAX_FRAGMENTS = Math.ceil(MAX_RELIABLE_MESSAGE_BYTES / SEGMENT_PAYLOAD_BYTES);

/** One piece of a message, numbered within it. */
export interface Fragment {
  fragment: number;
  fragments: number;
  payload: Uint8Array;
}

/** The fragments of `data` (at least one: an empty message is one empty fragment). Views, not copies. */
export function fragment(data: Uint8Array): Fragment[] {
  const fragments = Math.max(1, Math.ceil(data.length / SEGMENT_PAYLOAD_BYTES));
  const out: Fragment[] = [];
  for (let i = 0; i < fragments; i++) {
    out.push({ fragment: i, fragments, payload: data.subarray(i * SEGMENT_PAYLOAD_BYTES, (i + 1) * SEGMENT_PAYLOAD_BYTES) });
  }
  return out;
}

/** Whether a fragment's numbering and size could belong to a message at all. */
export function plausible(f: Fragment): boolean {
  return f.fragments >= 1 && f.fragments <= MAX_FRAGMENTS && f.fragment < f.fragments && f.payload.length <= SEGMENT_PAYLOAD_BYTES;
}

/** Puts in-order fragments back into messages; holds at most one partial message (≤ MAX_RELIABLE_MESSAGE_BYTES). */
export class Reassembler {
  #parts: Uint8Array[] = [];
  #fragments = 0;
  #bytes = 0;

  constructor(private readonly counters: ReliableCounters) {}

  /** Bytes held for a message not yet complete. */
  get heldBytes(): number {
    return this.#bytes;
  }

  /**
   * The next fragment in order (`undefined`: one that failed {@link plausible}, which breaks
   * the message it falls in). Returns a message when this fragment completes one.
   */
  push(f: Fragment | undefined): Uint8Array | undefined {
    const expected = this.#parts.length;
    if (!f || (expected === 0 ? f.fragment !== 0 : f.fragment !== expected || f.fragments !== this.#fragments)) {
      // A fragment 0 while a message is open starts a new one (the open one was broken); any
      // other break is dropped with the message it interrupts.
      const restart = f !== undefined && f.fragment === 0;
      if (expected > 0 || !restart) this.counters.badFragments++;
      this.#clear();
      if (!restart) return undefined;
    }
    if (this.#bytes + f!.payload.length > MAX_RELIABLE_MESSAGE_BYTES) {
      this.counters.badFragments++;
      this.#clear();
      return undefined;
    }
    this.#fragments = f!.fragments;
    this.#parts.push(f!.payload);
    this.#bytes += f!.payload.length;
    if (this.#parts.length < this.#fragments) return undefined;
    const message = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#bytes);
    this.#clear();
    return message;
  }

  #clear(): void {
    this.#parts = [];
    this.#fragments = 0;
    this.#bytes = 0;
  }
}
