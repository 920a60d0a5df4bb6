/**
 * One link's reliable channel, both directions: the sender and receiver halves, the RTO
 * estimator they share, and what goes on the wire when. Sans-IO: it returns packet fields the
 * link seals (a fresh counter each, so a retransmission is a new sealed packet the replay window
 * accepts) and sends on whatever path is current. Acknowledgements ride on outgoing segments;
 * a bare RELIABLE_ACK goes only when one is due and no segment leaves.
 */
import {
  RELIABLE_ACK_DELAY_MS,
  RELIABLE_RTO_INITIAL_MS,
  RELIABLE_RTO_MAX_MS,
  RELIABLE_RTO_MIN_MS,
} from '../../constants.js';
import type { ReliableAckFields, ReliableSegmentFields } from '../packets.js';
import type { ReliableCounters } from './counters.js';
import { ReliableReceiver, type IncomingSegment, type ReceiverLimits } from './receiver.js';
import { RtoEstimator, type RtoLimits } from './rto.js';
import { ReliableSender, type SenderLimits } from './sender.js';
import { wire } from './sequence.js';

/** A packet to seal and send: a segment (with the acknowledgement) or a bare acknowledgement. */
export type ReliableWire = { kind: 'segment'; fields: ReliableSegmentFields } | { kind: 'ack'; fields: ReliableAckFields };

export const DEFAULT_RTO_LIMITS: RtoLimits = {
  minMs: RELIABLE_RTO_MIN_MS,
  maxMs: RELIABLE_RTO_MAX_MS,
  initialMs: RELIABLE_RTO_INITIAL_MS,
  ackDelayMs: RELIABLE_ACK_DELAY_MS,
};

export interface ChannelLimits {
  rto?: RtoLimits;
  sender?: SenderLimits;
  receiver?: ReceiverLimits;
}

export class ReliableChannel {
  readonly rto: RtoEstimator;
  readonly sender: ReliableSender;
  readonly receiver: ReliableReceiver;

  /** @param rttMs the link's RTT estimate, which seeds the timeout before the channel's own samples. */
  constructor(counters: ReliableCounters, rttMs?: number, limits: ChannelLimits = {}) {
    this.rto = new RtoEstimator(limits.rto ?? DEFAULT_RTO_LIMITS, rttMs);
    this.sender = new ReliableSender(this.rto, counters, limits.sender);
    this.receiver = new ReliableReceiver(counters, limits.receiver);
  }

  /** Queues a message whole (false: the send buffer is full, nothing queued); then what goes out at `now`. */
  send(data: Uint8Array, now: number): { accepted: boolean; out: ReliableWire[] } {
    const accepted = this.sender.offer(data);
    return { accepted, out: accepted ? this.poll(now) : [] };
  }

  /** A RELIABLE packet: its acknowledgement, its segment; returns the messages completed and what goes out. */
  receiveSegment(fields: ReliableSegmentFields, now: number): { messages: Uint8Array[]; out: ReliableWire[] } {
    this.sender.acknowledge(fields.ack, fields.ackBits, now);
    const segment: IncomingSegment = { seq: fields.seq, fragment: fields.fragment, fragments: fields.fragments, payload: fields.payload };
    const messages = this.receiver.receive(segment, now);
    return { messages, out: this.poll(now) };
  }

  /** A RELIABLE_ACK packet; returns what goes out (the window may have opened). */
  receiveAck(fields: ReliableAckFields, now: number): ReliableWire[] {
    this.sender.acknowledge(fields.ack, fields.ackBits, now);
    return this.poll(now);
  }

  /** When {@link poll} next has something to do (a past time: at once), or undefined. */
  nextDeadline(): number | undefined {
    const a = this.sender.nextDeadline();
    const b = this.receiver.ackDeadline();
    if (a === undefined) return b;
    return b === undefined ? a : Math.min(a, b);
  }

  /** Retransmissions, new segments the window admits, and an acknowledgement if one is due. */
  poll(now: number): ReliableWire[] {
    const out: ReliableWire[] = [];
    for (const segment of this.sender.due(now)) {
      const { ack, ackBits } = this.receiver.takeAck();
      out.push({ kind: 'segment', fields: { ack, ackBits, seq: wire(segment.seq), fragment: segment.fragment, fragments: segment.fragments, payload: segment.payload } });
    }
    if (out.length === 0 && this.receiver.ackDue(now)) out.push({ kind: 'ack', fields: this.receiver.takeAck() });
    return out;
  }

  /**
   * The link moved to another path (RFC 9000 §9.4: a new path's RTT is not the old one's). The
   * estimator starts over from the new path's RTT, and what is in flight goes again at once.
   */
  pathChanged(now: number, rttMs: number | undefined): void {
    this.rto.reset(rttMs);
    this.sender.pathChanged(now);
  }
}
