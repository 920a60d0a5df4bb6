// Signaling frames over virtual links (test/support/signaling-link.ts): delay, TCP-like retransmission, order.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/index.js';
import { TCP_RTO_MIN_MS, signalingStream } from '../../support/signaling-link.js';

const link = (latencyMs: number, lossRate = 0) => ({ link: { latencyMs, jitterMs: 0, lossRate } });

/** A random source that replays `draws`, then returns 0.99 (no loss). */
function scripted(draws: number[]): () => number {
  return () => draws.shift() ?? 0.99;
}

describe('signalingStream', () => {
  it('delays a frame by the latency of every link it crosses', () => {
    const clock = new ManualClock();
    const got: number[] = [];
    signalingStream(clock, [link(50), link(30)], scripted([])).send(() => got.push(clock.now()));
    clock.advance(79);
    expect(got).toEqual([]);
    clock.advance(1);
    expect(got).toEqual([80]);
  });

  it('a lost frame arrives a retransmission timeout later (doubling per loss), and holds back the frames after it', () => {
    const clock = new ManualClock();
    const got: string[] = [];
    // Draws per frame: jitter per link, then loss checks (a draw < lossRate is a loss).
    const stream = signalingStream(clock, [link(50, 0.5)], scripted([0, 0.1, 0.1, 0.9]));
    stream.send(() => got.push(`a@${clock.now()}`));
    stream.send(() => got.push(`b@${clock.now()}`));
    clock.advance(10_000);
    const rto = TCP_RTO_MIN_MS + 100;
    expect(got).toEqual([`a@${50 + rto + 2 * rto}`, `b@${50 + rto + 2 * rto}`]);
  });

  it('gives up after the retransmission limit on a dead link', () => {
    const clock = new ManualClock();
    expect(signalingStream(clock, [link(0, 1)], Math.random).send(() => undefined)).toBe(false);
  });
});
