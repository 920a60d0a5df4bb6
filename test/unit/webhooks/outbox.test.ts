// The webhook outbox on a manual clock: per-session order, retries on the schedule, dead letters, replay, overflow.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retryAfterMs, verdict } from '../../../src/webhooks/delivery.js';
import { createOutbox, type OutboxEntry } from '../../../src/webhooks/outbox.js';

const options = { capacity: 100, maxInFlight: 8, maxDeadLetters: 10, ordering: 'session' as const };
const ok = { kind: 'answered' as const, status: 200 };
const down = { kind: 'failed' as const, failure: 'connect' };
const event = (sessionId: string, seq: number, createdAt = 0) => ({
  id: `evt_${sessionId}_${seq}`,
  sessionId,
  seq,
  type: 'peer.joined',
  url: 'https://backend.test/peer/joined',
  body: () => new Uint8Array(),
  createdAt,
});

describe('webhook delivery verdicts', () => {
  it('2xx delivers; 5xx, 408, 429 and transport failures retry on the schedule; 3xx and other 4xx are dead at once', () => {
    expect(verdict(ok, 1, 0, 0, 0.5)).toEqual({ kind: 'delivered' });
    expect(verdict({ kind: 'answered', status: 503 }, 1, 0, 0, 0.5)).toEqual({ kind: 'retry', atMs: 1_000 });
    expect(verdict({ kind: 'answered', status: 429, retryAfterMs: 7_000 }, 1, 0, 0, 0.5)).toEqual({ kind: 'retry', atMs: 7_000 });
    expect(verdict(down, 2, 0, 0, 0.5)).toEqual({ kind: 'retry', atMs: 5_000 });
    expect(verdict({ kind: 'answered', status: 400 }, 1, 0, 0, 0.5)).toMatchObject({ kind: 'dead', reason: 'HTTP 400' });
    expect(verdict({ kind: 'answered', status: 302 }, 1, 0, 0, 0.5)).toMatchObject({ kind: 'dead' });
    expect(verdict({ kind: 'failed', failure: 'blocked' }, 1, 0, 0, 0.5)).toMatchObject({ kind: 'dead', reason: 'blocked' });
  });

  it('gives up after the schedule, or past the maximum age', () => {
    expect(verdict(down, 7, 0, 0, 0.5)).toMatchObject({ kind: 'dead' });
    expect(verdict(down, 6, 0, 3_000_000, 0.5)).toMatchObject({ kind: 'dead' });
  });

  it('spreads each delay within ±20 %', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.double({ min: 0, max: 0.999_999, noNaN: true }), (attempt, random) => {
        const base = [1_000, 5_000, 30_000, 120_000, 600_000, 1_800_000][attempt - 1]!;
        const decided = verdict(down, attempt, 0, 0, random, undefined, Number.POSITIVE_INFINITY);
        expect(decided.kind).toBe('retry');
        if (decided.kind === 'retry') expect(Math.abs(decided.atMs - base)).toBeLessThanOrEqual(base * 0.2 + 1);
      }),
    );
  });

  it('reads Retry-After in seconds or as a date, capped at a minute', () => {
    expect(retryAfterMs('3', 0)).toBe(3_000);
    expect(retryAfterMs('3600', 0)).toBe(60_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 0)).toBe(10_000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
  });
});

describe('webhook outbox', () => {
  it('sends one event per session at a time, in order; other sessions flow meanwhile', () => {
    const outbox = createOutbox(options);
    for (let seq = 1; seq <= 3; seq++) outbox.add(event('a', seq));
    outbox.add(event('b', 1));
    const first = outbox.due(0);
    expect(first.map((e) => e.id)).toEqual(['evt_a_1', 'evt_b_1']);
    expect(outbox.due(0)).toEqual([]);
    // a's first event fails: its followers wait behind it; b is done.
    expect(outbox.settle(first[0]!, down, 0, 0.5).kind).toBe('retry');
    expect(outbox.settle(first[1]!, ok, 0, 0.5).kind).toBe('delivered');
    expect(outbox.due(500)).toEqual([]);
    expect(outbox.nextDueAt()).toBe(1_000);
    const retried = outbox.due(1_000);
    expect(retried.map((e) => [e.id, e.attempts])).toEqual([['evt_a_1', 2]]);
    outbox.settle(retried[0]!, ok, 1_000, 0.5);
    const delivered: string[] = ['evt_a_1'];
    let batch: OutboxEntry[];
    while ((batch = outbox.due(1_000)).length > 0) {
      for (const entry of batch) {
        outbox.settle(entry, ok, 1_000, 0.5);
        delivered.push(entry.id);
      }
    }
    expect(delivered).toEqual(['evt_a_1', 'evt_a_2', 'evt_a_3']);
    expect(outbox.size).toBe(0);
  });

  it('dead-letters a permanent failure and lets the next event go; a replay sends it again with its id', () => {
    const outbox = createOutbox(options);
    outbox.add(event('a', 1));
    outbox.add(event('a', 2));
    const [first] = outbox.due(0);
    expect(outbox.settle(first!, { kind: 'answered', status: 410 }, 0, 0.5)).toEqual({ kind: 'dead', reason: 'HTTP 410' });
    expect(outbox.due(0).map((e) => e.id)).toEqual(['evt_a_2']);
    expect(outbox.deadLetters.map((letter) => letter.entry.id)).toEqual(['evt_a_1']);
    expect(outbox.replay('evt_a_1', 5)).toBe(true);
    expect(outbox.replay('evt_a_1', 5)).toBe(false);
    expect(outbox.deadLetters).toEqual([]);
    expect(outbox.size).toBe(2);
  });

  it('at capacity dead-letters the oldest queued event, never one in flight', () => {
    const outbox = createOutbox({ ...options, capacity: 2 });
    outbox.add(event('a', 1));
    outbox.add(event('a', 2));
    outbox.due(0);
    expect(outbox.add(event('b', 1))).toMatchObject({ reason: 'overflow', entry: { id: 'evt_a_2' } });
    expect(outbox.size).toBe(2);
  });

  it('keeps at most maxInFlight in flight', () => {
    const outbox = createOutbox({ ...options, maxInFlight: 2 });
    for (const session of ['a', 'b', 'c']) outbox.add(event(session, 1));
    expect(outbox.due(0)).toHaveLength(2);
    expect(outbox.inFlight).toBe(2);
    // Nothing may go before a settle: no due time to wait for.
    expect(outbox.nextDueAt()).toBeUndefined();
  });

  it('in any interleaving of answers, each session is delivered in seq order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.boolean()), { minLength: 1, maxLength: 60 }), (script) => {
        const outbox = createOutbox({ ...options, maxDeadLetters: 1_000 });
        const seqs = new Map<string, number>();
        for (const [session] of script) {
          const seq = (seqs.get(session) ?? 0) + 1;
          seqs.set(session, seq);
          outbox.add(event(session, seq));
        }
        const delivered = new Map<string, number[]>();
        let now = 0;
        let step = 0;
        while (outbox.size > 0 && now < 10_000_000) {
          for (const entry of outbox.due(now)) {
            const succeed = script[step++ % script.length]![1];
            if (outbox.settle(entry, succeed ? ok : down, now, 0.5).kind === 'delivered') {
              delivered.set(entry.sessionId, [...(delivered.get(entry.sessionId) ?? []), entry.seq]);
            }
          }
          now = outbox.nextDueAt() ?? now;
        }
        for (const seqList of delivered.values()) expect(seqList).toEqual([...seqList].sort((x, y) => x - y));
      }),
    );
  });
});
