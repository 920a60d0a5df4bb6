// The reliable channel's parts: sequence numbers, the RTO estimator, the fragmenter, and what a hostile peer's acknowledgements and fragments can do (nothing unbounded).
import { describe, expect, it } from 'vitest';
import { MAX_RELIABLE_MESSAGE_BYTES, RELIABLE_WINDOW_SEGMENTS } from '../../../../client-sdk/constants.js';
import { DEFAULT_RTO_LIMITS } from '../../../../client-sdk/peer/reliable/channel.js';
import { reliableCounters } from '../../../../client-sdk/peer/reliable/counters.js';
import { fragment, MAX_FRAGMENTS, Reassembler, SEGMENT_PAYLOAD_BYTES } from '../../../../client-sdk/peer/reliable/fragmenter.js';
import { ReliableReceiver } from '../../../../client-sdk/peer/reliable/receiver.js';
import { RtoEstimator } from '../../../../client-sdk/peer/reliable/rto.js';
import { ReliableSender } from '../../../../client-sdk/peer/reliable/sender.js';
import { unwrap, wire } from '../../../../client-sdk/peer/reliable/sequence.js';
import { MAX_DATA_BYTES } from '../../../../client-sdk/constants.js';
import { RELIABLE_HEADER_BYTES } from '../../../../client-sdk/peer/packets.js';
import { message, numbers } from './pipe.js';

const segment = (seq: number, fragment: number, fragments: number, payload: Uint8Array = message(seq)) => ({ seq, fragment, fragments, payload });

describe('sequence numbers', () => {
  it('read a u32 as the number nearest the reference, across the 2^32 wrap', () => {
    expect(unwrap(5, 0)).toBe(5);
    expect(unwrap(wire(2 ** 32 + 3), 2 ** 32 - 10)).toBe(2 ** 32 + 3);
    expect(unwrap(wire(2 ** 32 - 2), 2 ** 32 + 5)).toBe(2 ** 32 - 2);
    expect(unwrap(0xffffffff, 0)).toBe(-1);
  });
});

describe('RTO estimator (RFC 6298)', () => {
  const limits = { minMs: 50, maxMs: 2_000, initialMs: 1_000, ackDelayMs: 10 };

  it('starts at the initial timeout without an RTT, and from the link\'s RTT when given one', () => {
    expect(new RtoEstimator(limits).rtoMs).toBe(1_000);
    // SRTT = 100, RTTVAR = 50: 100 + 4 × 50 + 10.
    expect(new RtoEstimator(limits, 100).rtoMs).toBe(310);
  });

  it('follows samples with alpha 1/8 and beta 1/4, within the floor and the ceiling', () => {
    const rto = new RtoEstimator(limits, 100);
    rto.sample(200);
    // RTTVAR = 3/4 × 50 + 1/4 × 100 = 62.5; SRTT = 7/8 × 100 + 1/8 × 200 = 112.5.
    expect(rto.srttMs).toBe(112.5);
    expect(rto.rtoMs).toBe(112.5 + 250 + 10);
    const fast = new RtoEstimator(limits, 1);
    for (let i = 0; i < 50; i++) fast.sample(1);
    expect(fast.rtoMs).toBe(50);
    expect(new RtoEstimator(limits, 5_000).rtoMs).toBe(2_000);
  });

  it('doubles on each timeout up to the ceiling, and an acknowledgement ends the backoff', () => {
    const rto = new RtoEstimator(limits, 100);
    rto.backOff();
    expect(rto.rtoMs).toBe(620);
    rto.backOff();
    rto.backOff();
    rto.backOff();
    expect(rto.rtoMs).toBe(2_000);
    rto.acknowledged();
    expect(rto.rtoMs).toBe(310);
  });
});

describe('fragmenter', () => {
  it('a RELIABLE packet is exactly as big as the largest DATA packet', () => {
    expect(SEGMENT_PAYLOAD_BYTES + RELIABLE_HEADER_BYTES).toBe(MAX_DATA_BYTES);
    expect(MAX_FRAGMENTS).toBe(56);
  });

  it('splits into full segments and one remainder, and puts them back together', () => {
    const data = message(1, SEGMENT_PAYLOAD_BYTES * 2 + 7);
    const parts = fragment(data);
    expect(parts.map((p) => [p.fragment, p.fragments, p.payload.length])).toEqual([
      [0, 3, SEGMENT_PAYLOAD_BYTES],
      [1, 3, SEGMENT_PAYLOAD_BYTES],
      [2, 3, 7],
    ]);
    const reassembler = new Reassembler(reliableCounters());
    expect(reassembler.push(parts[0])).toBeUndefined();
    expect(reassembler.push(parts[1])).toBeUndefined();
    expect(Buffer.from(reassembler.push(parts[2])!).equals(Buffer.from(data))).toBe(true);
  });

  it('overlapping fragments (a second fragment 0 of an open message, a repeated or skipped number, another count): the broken message is dropped and counted, the next one arrives', () => {
    const counters = reliableCounters();
    const r = new Reassembler(counters);
    const p = (i: number, n: number) => ({ fragment: i, fragments: n, payload: message(i, 10) });
    expect(r.push(p(0, 3))).toBeUndefined();
    expect(r.push(p(0, 3))).toBeUndefined(); // overlaps: starts over
    expect(r.push(p(1, 3))).toBeUndefined();
    expect(r.push(p(1, 3))).toBeUndefined(); // repeated
    expect(r.push(p(2, 3))).toBeUndefined(); // orphan
    expect(r.push(p(0, 2))).toBeUndefined();
    expect(r.push(p(1, 5))).toBeUndefined(); // another count
    expect(counters.badFragments).toBe(4);
    expect(r.heldBytes).toBe(0);
    expect(r.push(p(0, 1))).toBeDefined();
  });

  it('a message over the maximum is dropped when it passes the bound, holding no more than the maximum', () => {
    const counters = reliableCounters();
    const r = new Reassembler(counters);
    const full = new Uint8Array(SEGMENT_PAYLOAD_BYTES);
    let held = 0;
    for (let i = 0; i < MAX_FRAGMENTS; i++) {
      r.push({ fragment: i, fragments: MAX_FRAGMENTS, payload: full });
      held = Math.max(held, r.heldBytes);
    }
    expect(counters.badFragments).toBe(1);
    expect(held).toBeLessThanOrEqual(MAX_RELIABLE_MESSAGE_BYTES);
  });
});

describe('receiver against a hostile peer', () => {
  it('fragment counts out of range, a fragment number past the count, an oversized payload: dropped and counted, the stream carries on', () => {
    const counters = reliableCounters();
    const rx = new ReliableReceiver(counters);
    expect(rx.receive(segment(0, 0, 0), 0)).toEqual([]);
    expect(rx.receive(segment(1, 0, MAX_FRAGMENTS + 1), 0)).toEqual([]);
    expect(rx.receive(segment(2, 5, 5), 0)).toEqual([]);
    expect(rx.receive(segment(3, 0, 1, new Uint8Array(SEGMENT_PAYLOAD_BYTES + 1)), 0)).toEqual([]);
    expect(counters.badFragments).toBe(4);
    expect(numbers(rx.receive(segment(4, 0, 1), 0))).toEqual([4]);
    expect(rx.takeAck().ack).toBe(5);
  });

  it('beyond the window: dropped and counted; what it holds stays within the window and one message', () => {
    const counters = reliableCounters();
    const rx = new ReliableReceiver(counters);
    expect(rx.receive(segment(RELIABLE_WINDOW_SEGMENTS, 0, 1), 0)).toEqual([]);
    expect(rx.receive(segment(0x7fff_0000, 0, 1), 0)).toEqual([]);
    expect(counters.outOfWindow).toBe(2);
    // Fill every slot but the next one with full fragments of a message that never completes.
    const full = new Uint8Array(SEGMENT_PAYLOAD_BYTES);
    for (let seq = 1; seq < RELIABLE_WINDOW_SEGMENTS; seq++) rx.receive(segment(seq, seq, MAX_FRAGMENTS, full), 0);
    expect(rx.heldSegments).toBe(RELIABLE_WINDOW_SEGMENTS - 1);
    expect(rx.heldBytes).toBeLessThanOrEqual(RELIABLE_WINDOW_SEGMENTS * SEGMENT_PAYLOAD_BYTES + MAX_RELIABLE_MESSAGE_BYTES);
    // The hole fills: the run is handed over in order, the numbering breaks, nothing is delivered, nothing is left.
    expect(rx.receive(segment(0, 0, MAX_FRAGMENTS, full), 0)).toEqual([]);
    expect(rx.heldSegments).toBe(0);
    expect(rx.heldBytes).toBeLessThanOrEqual(MAX_RELIABLE_MESSAGE_BYTES);
  });

  it('acknowledges a duplicate at once, and reports held segments in the bitfield', () => {
    const counters = reliableCounters();
    const rx = new ReliableReceiver(counters);
    rx.receive(segment(0, 0, 1), 0);
    expect(rx.ackDue(0)).toBe(false);
    expect(rx.ackDue(10)).toBe(true);
    rx.takeAck();
    rx.receive(segment(0, 0, 1), 20);
    expect(counters.duplicates).toBe(1);
    expect(rx.ackDue(20)).toBe(true);
    rx.receive(segment(2, 0, 1), 20);
    rx.receive(segment(5, 0, 1), 20);
    expect(rx.takeAck()).toEqual({ ack: 1, ackBits: 0b1001 });
  });
});

describe('sender against a hostile peer', () => {
  const sender = () => {
    const counters = reliableCounters();
    const tx = new ReliableSender(new RtoEstimator(DEFAULT_RTO_LIMITS, 50), counters);
    for (let n = 0; n < 5; n++) tx.offer(message(n));
    tx.due(0);
    return { counters, tx };
  };

  it('an acknowledgement of segments never sent is ignored whole and counted', () => {
    const { counters, tx } = sender();
    tx.acknowledge(1_000, 0, 10);
    tx.acknowledge(0xffff_fff0, 0, 10);
    tx.acknowledge(2, 1 << 10, 10);
    expect(counters.badAcks).toBe(3);
    expect(tx.inFlight).toBe(5);
    expect(tx.bufferedBytes).toBe(40);
  });

  it('stale and repeated acknowledgements change nothing; a valid one frees what it covers', () => {
    const { counters, tx } = sender();
    tx.acknowledge(2, 0b10, 10);
    expect(tx.inFlight).toBe(3);
    expect(tx.bufferedBytes).toBe(16);
    tx.acknowledge(2, 0b10, 11);
    tx.acknowledge(0, 0, 12);
    expect(tx.bufferedBytes).toBe(16);
    expect(counters.badAcks).toBe(0);
    tx.acknowledge(5, 0, 13);
    expect(tx.idle).toBe(true);
  });

  it("keeps its own copy of a message: a game reusing its buffer does not change a retransmission", () => {
    const tx = new ReliableSender(new RtoEstimator(DEFAULT_RTO_LIMITS, 50), reliableCounters());
    const buffer = new Uint8Array([1, 2, 3]);
    tx.offer(buffer);
    buffer.fill(9);
    expect([...tx.due(0)[0]!.payload]).toEqual([1, 2, 3]);
    expect([...tx.due(10_000)[0]!.payload]).toEqual([1, 2, 3]);
  });

  it('Karn: an acknowledgement of a retransmitted segment is not an RTT sample', () => {
    const rto = new RtoEstimator(DEFAULT_RTO_LIMITS, 50);
    const tx = new ReliableSender(rto, reliableCounters());
    tx.offer(message(0));
    tx.due(0);
    tx.due(10_000);
    const srtt = rto.srttMs;
    tx.acknowledge(1, 0, 10_005);
    expect(rto.srttMs).toBe(srtt);
    tx.offer(message(1));
    tx.due(20_000);
    tx.acknowledge(2, 0, 20_040);
    expect(rto.srttMs).not.toBe(srtt);
  });
});
