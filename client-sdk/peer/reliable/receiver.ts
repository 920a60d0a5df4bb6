/**
 * The receiving half of a reliable channel: segments within a window of the next one expected
 * are held until the gap before them fills, then handed to the reassembler in order, each
 * exactly once. What it holds is bounded whatever the peer sends: at most `windowSegments`
 * segments of at most SEGMENT_PAYLOAD_BYTES, plus one partial message. Acknowledgements follow
 * RFC 9000 §13.2.2: every second segment at once, else after the ack delay, and at once for a
 * segment out of order or seen before.
 */
import { RELIABLE_ACK_DELAY_MS, RELIABLE_ACK_EVERY_SEGMENTS, RELIABLE_WINDOW_SEGMENTS } from '../../constants.js';
import type { ReliableAckFields } from '../packets.js';
import type { ReliableCounters } from './counters.js';
import { plausible, Reassembler, type Fragment } from './fragmenter.js';
import { unwrap, wire } from './sequence.js';

/** A segment as it came off the wire. */
export interface IncomingSegment extends Fragment {
  /** The u32 on the wire. */
  seq: number;
}

export interface ReceiverLimits {
  windowSegments: number;
  ackDelayMs: number;
  ackEverySegments: number;
}

const DEFAULT_LIMITS: ReceiverLimits = {
  windowSegments: RELIABLE_WINDOW_SEGMENTS,
  ackDelayMs: RELIABLE_ACK_DELAY_MS,
  ackEverySegments: RELIABLE_ACK_EVERY_SEGMENTS,
};

export class ReliableReceiver {
  /** The next segment to deliver. */
  #next = 0;
  /** Segments above `#next` that arrived; `undefined` marks one whose numbering was implausible. */
  readonly #held = new Map<number, Fragment | undefined>();
  readonly #reassembler: Reassembler;
  /** Segments taken since the last acknowledgement went out. */
  #unacked = 0;
  #ackNow = false;
  #ackDueAt: number | undefined;

  constructor(
    private readonly counters: ReliableCounters,
    readonly limits: ReceiverLimits = DEFAULT_LIMITS,
  ) {
    this.#reassembler = new Reassembler(counters);
  }

  /** Segments held out of order. */
  get heldSegments(): number {
    return this.#held.size;
  }

  /** Bytes held: out-of-order segments and the partial message. */
  get heldBytes(): number {
    let bytes = this.#reassembler.heldBytes;
    for (const f of this.#held.values()) bytes += f?.payload.length ?? 0;
    return bytes;
  }

  /** A segment from the peer; returns the messages it completes, in order. */
  receive(segment: IncomingSegment, now: number): Uint8Array[] {
    const seq = unwrap(segment.seq, this.#next);
    if (seq < this.#next || this.#held.has(seq)) {
      // Our acknowledgement was lost or is late: say again what we have.
      this.counters.duplicates++;
      this.#ackNow = true;
      return [];
    }
    if (seq >= this.#next + this.limits.windowSegments) {
      this.counters.outOfWindow++;
      this.#ackNow = true;
      return [];
    }
    // An implausible fragment still takes its place in the sequence, so the stream carries on
    // past it; it breaks only the message it falls in.
    this.#held.set(seq, plausible(segment) ? { fragment: segment.fragment, fragments: segment.fragments, payload: segment.payload } : undefined);
    if (seq !== this.#next || this.#held.size > 1) this.#ackNow = true;
    else if (++this.#unacked >= this.limits.ackEverySegments) this.#ackNow = true;
    else this.#ackDueAt ??= now + this.limits.ackDelayMs;
    const messages: Uint8Array[] = [];
    while (this.#held.has(this.#next)) {
      const f = this.#held.get(this.#next);
      this.#held.delete(this.#next++);
      const message = this.#reassembler.push(f);
      if (message) messages.push(message);
    }
    this.counters.messagesDelivered += messages.length;
    return messages;
  }

  /** When an acknowledgement is due: now (−Infinity), after the ack delay, or undefined. */
  ackDeadline(): number | undefined {
    return this.#ackNow ? -Infinity : this.#ackDueAt;
  }

  /** Whether an acknowledgement should go out at `now`. */
  ackDue(now: number): boolean {
    return this.#ackNow || (this.#ackDueAt !== undefined && now >= this.#ackDueAt);
  }

  /** What we have, for a packet going out; the pending acknowledgement is then done. */
  takeAck(): ReliableAckFields {
    this.#ackNow = false;
    this.#ackDueAt = undefined;
    this.#unacked = 0;
    let ackBits = 0;
    if (this.#held.size > 0) for (let i = 0; i < 32; i++) if (this.#held.has(this.#next + 1 + i)) ackBits |= 1 << i;
    return { ack: wire(this.#next), ackBits: ackBits >>> 0 };
  }
}
