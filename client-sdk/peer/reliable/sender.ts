/**
 * The sending half of a reliable channel: messages cut into numbered segments, a bounded send
 * buffer, a window of segments in flight, acknowledgements (cumulative and a 32-bit selective
 * bitfield) and retransmission on a timeout (rto.ts) or when later segments are acknowledged
 * (RFC 9002 §6.1.1's packet threshold). Pure: decisions are functions of state and `now`.
 */
import {
  RELIABLE_FAST_RETRANSMIT_SEGMENTS,
  RELIABLE_SEND_BUFFER_BYTES,
  RELIABLE_WINDOW_SEGMENTS,
} from '../../constants.js';
import type { ReliableCounters } from './counters.js';
import { fragment, type Fragment } from './fragmenter.js';
import type { RtoEstimator } from './rto.js';
import { unwrap } from './sequence.js';

/** A segment the sender holds until it is acknowledged. */
export interface OutgoingSegment extends Fragment {
  seq: number;
  /** Last transmission, or undefined before the first. */
  sentAt: number | undefined;
  /** Which transmission of the channel its last one was (ties of `sentAt` within one clock ms are common). */
  sentOrder: number;
  /** When it goes again if not acknowledged. */
  resendAt: number;
  transmissions: number;
  /** Due before its timeout: a hole the acknowledgements showed, or a path change (no backoff). */
  early: boolean;
}

export interface SenderLimits {
  windowSegments: number;
  bufferBytes: number;
  fastRetransmitSegments: number;
}

const DEFAULT_LIMITS: SenderLimits = {
  windowSegments: RELIABLE_WINDOW_SEGMENTS,
  bufferBytes: RELIABLE_SEND_BUFFER_BYTES,
  fastRetransmitSegments: RELIABLE_FAST_RETRANSMIT_SEGMENTS,
};

export class ReliableSender {
  /** Segments not yet acknowledged, by sequence number, in order (sent ones first). */
  readonly #segments = new Map<number, OutgoingSegment>();
  /** The next sequence number to give a segment. */
  #next = 0;
  /** The first segment never sent. */
  #unsent = 0;
  /** The oldest segment not acknowledged (everything below it was). */
  #base = 0;
  #bytes = 0;
  #transmissions = 0;

  constructor(
    private readonly rto: RtoEstimator,
    private readonly counters: ReliableCounters,
    readonly limits: SenderLimits = DEFAULT_LIMITS,
  ) {}

  /** Bytes queued and in flight. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** Segments sent and not yet acknowledged. */
  get inFlight(): number {
    return this.#unsent - this.#base;
  }

  /** Everything sent has been acknowledged and nothing waits. */
  get idle(): boolean {
    return this.#segments.size === 0;
  }

  /**
   * Takes a message whole, or refuses it (false) when it would pass the send buffer: nothing
   * partial is ever queued, so a refused send can simply be tried again later.
   */
  offer(data: Uint8Array): boolean {
    if (this.#bytes + data.length > this.limits.bufferBytes) {
      this.counters.sendsRefused++;
      return false;
    }
    // One copy, owned until acknowledged: a game that reuses its buffer must not change a retransmission.
    for (const f of fragment(data.slice())) {
      const seq = this.#next++;
      this.#segments.set(seq, { fragment: f.fragment, fragments: f.fragments, payload: f.payload, seq, sentAt: undefined, resendAt: 0, transmissions: 0, early: false, sentOrder: -1 });
    }
    this.#bytes += data.length;
    this.counters.messagesSent++;
    return true;
  }

  /** When {@link due} next has something to send, or undefined. */
  nextDeadline(): number | undefined {
    if (this.#unsent < this.#next && this.#unsent < this.#base + this.limits.windowSegments) return -Infinity;
    let at: number | undefined;
    for (const segment of this.#segments.values()) {
      if (segment.seq >= this.#unsent) break;
      if (at === undefined || segment.resendAt < at) at = segment.resendAt;
    }
    return at;
  }

  /**
   * The segments to transmit at `now`, oldest first: retransmissions whose time came, then new
   * segments while the window has room. Each is marked sent at `now`.
   */
  due(now: number): OutgoingSegment[] {
    const out: OutgoingSegment[] = [];
    let timedOut = false;
    for (const segment of this.#segments.values()) {
      if (segment.seq >= this.#unsent) break;
      if (segment.resendAt > now) continue;
      if (!segment.early) timedOut = true;
      out.push(segment);
    }
    // One backoff per timeout event, however many segments it covers (RFC 6298 §5.5).
    if (timedOut) this.rto.backOff();
    for (const segment of out) {
      this.counters.retransmissions++;
      this.#transmit(segment, now);
    }
    const end = this.#base + this.limits.windowSegments;
    while (this.#unsent < this.#next && this.#unsent < end) {
      const segment = this.#segments.get(this.#unsent++)!;
      this.#transmit(segment, now);
      out.push(segment);
    }
    return out;
  }

  /**
   * An acknowledgement from the peer (wire values). One that claims a segment never sent is
   * ignored whole and counted: a broken or hostile peer cannot make us forget data.
   */
  acknowledge(ackWire: number, ackBits: number, now: number): void {
    const ack = unwrap(ackWire, this.#base);
    const highestBit = ackBits === 0 ? -1 : 31 - Math.clz32(ackBits);
    if (ack < 0 || ack > this.#unsent || (highestBit >= 0 && ack + 1 + highestBit >= this.#unsent)) {
      this.counters.badAcks++;
      return;
    }
    // An old acknowledgement (reordered behind a newer one) says nothing new below the base.
    let newest: OutgoingSegment | undefined;
    const take = (seq: number): void => {
      const segment = this.#segments.get(seq);
      if (!segment || segment.seq >= this.#unsent) return;
      this.#segments.delete(seq);
      this.#bytes -= segment.payload.length;
      if (!newest || seq > newest.seq) newest = segment;
    };
    for (let seq = this.#base; seq < ack; seq++) take(seq);
    for (let bits = ackBits >>> 0, i = 0; bits !== 0; bits >>>= 1, i++) if (bits & 1) take(ack + 1 + i);
    if (!newest) return;
    this.rto.acknowledged();
    // Karn's rule: a retransmitted segment's acknowledgement may answer any of its copies.
    if (newest.transmissions === 1 && newest.sentAt !== undefined) this.rto.sample(now - newest.sentAt);
    this.#base = this.#segments.size > 0 ? Math.min(this.#segments.keys().next().value!, this.#unsent) : this.#unsent;
    this.#fastRetransmit(newest, now);
  }

  /** The path changed: what is in flight may be lost on the old path, so all of it goes again now on the new one. */
  pathChanged(now: number): void {
    for (const segment of this.#segments.values()) {
      if (segment.seq >= this.#unsent) break;
      segment.resendAt = now;
      segment.early = true;
    }
  }

  /**
   * A segment is lost when one at least the threshold later, sent after its last copy, is
   * acknowledged: due now. Segments keep their numbers when sent again, so the send-order
   * condition is what stops a hole from being repaired twice in one round trip.
   */
  #fastRetransmit(newest: OutgoingSegment, now: number): void {
    const below = newest.seq - this.limits.fastRetransmitSegments + 1;
    for (const segment of this.#segments.values()) {
      if (segment.seq >= below) break;
      if (segment.sentOrder < 0 || segment.sentOrder > newest.sentOrder || segment.resendAt <= now) continue;
      segment.resendAt = now;
      segment.early = true;
    }
  }

  #transmit(segment: OutgoingSegment, now: number): void {
    segment.sentAt = now;
    segment.sentOrder = this.#transmissions++;
    segment.transmissions++;
    segment.resendAt = now + this.rto.rtoMs;
    segment.early = false;
  }
}
