// The reliable channel on a scripted network (manual clock): order, loss, duplicates, reordering, a full window, the largest message, a path change.
import { describe, expect, it } from 'vitest';
import { MAX_RELIABLE_MESSAGE_BYTES, RELIABLE_SEND_BUFFER_BYTES, RELIABLE_WINDOW_SEGMENTS } from '../../../../client-sdk/constants.js';
import { MAX_FRAGMENTS, SEGMENT_PAYLOAD_BYTES } from '../../../../client-sdk/peer/reliable/fragmenter.js';
import { message, numbers, Pipe, seeded } from './pipe.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('reliable channel', () => {
  it('delivers in order, exactly once, with no retransmission on a clean network, and acknowledges every second segment', () => {
    const pipe = new Pipe();
    for (const n of range(100)) expect(pipe.send('a', message(n))).toBe(true);
    pipe.run();
    expect(numbers(pipe.delivered.b)).toEqual(range(100));
    expect(pipe.counters.a.retransmissions).toBe(0);
    expect(pipe.counters.b.duplicates).toBe(0);
    expect(pipe.channels.a.sender.idle).toBe(true);
    // Delayed acknowledgements: about one per two segments, not one per segment.
    const acks = pipe.sent.b.filter((p) => p.kind === 'ack').length;
    expect(acks).toBeLessThanOrEqual(60);
    expect(acks).toBeGreaterThan(0);
  });

  it('both directions at once: acknowledgements ride on segments', () => {
    const pipe = new Pipe();
    for (const n of range(50)) {
      pipe.send('a', message(n));
      pipe.send('b', message(1000 + n));
      pipe.run(5);
    }
    pipe.run();
    expect(numbers(pipe.delivered.b)).toEqual(range(50));
    expect(numbers(pipe.delivered.a)).toEqual(range(50).map((n) => 1000 + n));
    expect(pipe.sent.a.filter((p) => p.kind === 'segment' && p.fields.ack > 0).length).toBeGreaterThan(0);
  });

  it('a lost segment is sent again and the ones after it wait: delivered in order', () => {
    let dropped = 0;
    const pipe = new Pipe((p, from) => (from === 'a' && p.kind === 'segment' && p.fields.seq === 3 && dropped++ === 0 ? [] : [10]));
    for (const n of range(10)) pipe.send('a', message(n));
    pipe.run();
    expect(numbers(pipe.delivered.b)).toEqual(range(10));
    expect(pipe.counters.a.retransmissions).toBe(1);
  });

  it('a hole shown by three later acknowledged segments is repaired before the timeout (fast retransmit)', () => {
    let dropped = 0;
    const pipe = new Pipe((p, from) => (from === 'a' && p.kind === 'segment' && p.fields.seq === 0 && dropped++ === 0 ? [] : [10]), 20);
    for (const n of range(8)) pipe.send('a', message(n));
    const rto = pipe.channels.a.rto.rtoMs;
    pipe.run(rto - 1);
    expect(numbers(pipe.delivered.b)).toEqual(range(8));
  });

  it('a lost acknowledgement: the segment comes again, is acknowledged again, and is not delivered twice', () => {
    let dropped = 0;
    const pipe = new Pipe((p, from) => (from === 'b' && dropped++ === 0 ? [] : [10]));
    pipe.send('a', message(1));
    pipe.run();
    expect(numbers(pipe.delivered.b)).toEqual([1]);
    expect(pipe.counters.b.duplicates).toBe(1);
    expect(pipe.channels.a.sender.idle).toBe(true);
  });

  it('every packet duplicated: each message once', () => {
    const pipe = new Pipe(() => [10, 12]);
    for (const n of range(40)) pipe.send('a', message(n, 3000));
    pipe.run();
    expect(numbers(pipe.delivered.b)).toEqual(range(40));
    expect(pipe.counters.b.duplicates).toBeGreaterThan(0);
  });

  it('reordered by up to 80 ms of jitter: in order', () => {
    const random = seeded(7);
    const pipe = new Pipe(() => [5 + Math.floor(random() * 80)]);
    for (const n of range(200)) {
      pipe.sendWaiting('a', message(n, 1 + (n % 7) * 700));
      pipe.run(3);
    }
    pipe.run();
    expect(numbers(pipe.delivered.b)).toEqual(range(200));
  });

  it.each([
    { loss: 0.05, seed: 11 },
    { loss: 0.3, seed: 12 },
    { loss: 0.5, seed: 13 },
  ])('$loss loss each way with jitter and 5 % duplicates (seed $seed): every message once, in order, intact', ({ loss, seed }) => {
    const random = seeded(seed);
    const pipe = new Pipe(() => (random() < loss ? [] : random() < 0.05 ? [10 + random() * 30, 10 + random() * 30] : [10 + random() * 30]));
    const sent: Uint8Array[] = [];
    for (const n of range(300)) {
      const m = message(n, 1 + ((n * 577) % 5000));
      sent.push(m);
      pipe.sendWaiting('a', m);
      pipe.run(5);
    }
    pipe.run(600_000);
    expect(numbers(pipe.delivered.b)).toEqual(range(300));
    expect(pipe.delivered.b.map((m) => Buffer.from(m).toString('hex'))).toEqual(sent.map((m) => Buffer.from(m).toString('hex')));
    expect(pipe.counters.a.retransmissions).toBeGreaterThan(0);
  });

  it('the largest message (64 KiB, 56 segments) is split and put back together; one lost fragment is repaired', () => {
    let dropped = 0;
    const pipe = new Pipe((p, from) => (from === 'a' && p.kind === 'segment' && p.fields.fragment === 30 && dropped++ === 0 ? [] : [10]));
    const big = message(9, MAX_RELIABLE_MESSAGE_BYTES);
    expect(pipe.send('a', big)).toBe(true);
    expect(pipe.sent.a.length).toBe(MAX_FRAGMENTS);
    expect(MAX_FRAGMENTS).toBe(Math.ceil(MAX_RELIABLE_MESSAGE_BYTES / SEGMENT_PAYLOAD_BYTES));
    pipe.run();
    expect(pipe.delivered.b).toHaveLength(1);
    expect(Buffer.from(pipe.delivered.b[0]!).equals(Buffer.from(big))).toBe(true);
  });

  it('an empty message is one empty segment, delivered', () => {
    const pipe = new Pipe();
    pipe.send('a', new Uint8Array(0));
    pipe.run();
    expect(pipe.delivered.b.map((m) => m.length)).toEqual([0]);
  });

  it('a full window: at most RELIABLE_WINDOW_SEGMENTS in flight; past the send buffer, send returns false and keeps nothing; all delivered once acks flow', () => {
    let blackhole = true;
    const pipe = new Pipe((_p, from) => (from === 'b' && blackhole ? [] : [10]));
    let accepted = 0;
    let refused = 0;
    for (const n of range(400)) {
      if (pipe.send('a', message(n, 1000))) accepted++;
      else refused++;
    }
    expect(accepted).toBe(Math.floor(RELIABLE_SEND_BUFFER_BYTES / 1000));
    expect(refused).toBe(400 - accepted);
    expect(pipe.counters.a.sendsRefused).toBe(refused);
    expect(pipe.channels.a.sender.bufferedBytes).toBeLessThanOrEqual(RELIABLE_SEND_BUFFER_BYTES);
    pipe.run(3_000);
    expect(pipe.channels.a.sender.inFlight).toBe(RELIABLE_WINDOW_SEGMENTS);
    // Only the first window's segments ever left.
    const seqs = new Set(pipe.sent.a.filter((p) => p.kind === 'segment').map((p) => (p.kind === 'segment' ? p.fields.seq : -1)));
    expect(Math.max(...seqs)).toBe(RELIABLE_WINDOW_SEGMENTS - 1);
    blackhole = false;
    pipe.run();
    expect(numbers(pipe.delivered.b)).toEqual(range(accepted));
    expect(pipe.channels.a.sender.bufferedBytes).toBe(0);
    expect(pipe.send('a', message(9999, 1000))).toBe(true);
  });

  it('timeouts back off exponentially up to the ceiling while the peer is silent', () => {
    const pipe = new Pipe(() => []);
    pipe.send('a', message(1));
    pipe.run(20_000);
    const times = pipe.sent.a.length;
    // 20 s at a 2 s ceiling after doubling from ~100 ms: about 15 tries, not hundreds.
    expect(times).toBeGreaterThan(8);
    expect(times).toBeLessThan(20);
    expect(pipe.channels.a.rto.rtoMs).toBe(2_000);
  });

  it('a path change: the estimator starts over from the new path\'s RTT and what is in flight goes again at once', () => {
    const pipe = new Pipe(() => []);
    for (const n of range(3)) pipe.send('a', message(n));
    pipe.run(1_000);
    expect(pipe.channels.a.rto.rtoMs).toBeGreaterThan(400);
    const before = pipe.sent.a.length;
    pipe.channels.a.pathChanged(pipe.now, 30);
    expect(pipe.channels.a.rto.srttMs).toBe(30);
    expect(pipe.channels.a.nextDeadline()).toBeLessThanOrEqual(pipe.now);
    pipe.fate = () => [15];
    pipe.run();
    expect(pipe.sent.a.length).toBeGreaterThanOrEqual(before + 3);
    expect(numbers(pipe.delivered.b)).toEqual(range(3));
  });
});
