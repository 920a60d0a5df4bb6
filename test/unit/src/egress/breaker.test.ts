// The circuit breaker's state machine on the clock, and the per-origin concurrency queue.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/index.js';
import { admitCall, CLOSED, isOpen, recordCall, type BreakerState, type CallVerdict } from '../../../../src/egress/breaker.js';
import { createOriginQueue } from '../../../../src/egress/origin-queue.js';

const config = { failures: 3, openMs: 1_000 };

/** Admits and records one call at the clock's time. */
function call(state: BreakerState, verdict: CallVerdict, clock: ManualClock): { state: BreakerState; decision: string } {
  const admitted = admitCall(state, clock.now());
  if (admitted.decision === 'reject') return admitted;
  return { decision: admitted.decision, state: recordCall(admitted.state, verdict, admitted.decision === 'probe', clock.now(), config) };
}

describe('circuit breaker', () => {
  it('opens after N consecutive failures, fails fast, then lets one probe through that closes it', () => {
    const clock = new ManualClock();
    let state = CLOSED;
    for (let i = 0; i < 2; i++) state = call(state, 'failure', clock).state;
    expect(isOpen(state)).toBe(false);
    state = call(state, 'failure', clock).state;
    expect(state).toEqual({ kind: 'open', untilMs: 1_000 });
    clock.advance(999);
    expect(admitCall(state, clock.now()).decision).toBe('reject');
    clock.advance(1);
    const probe = admitCall(state, clock.now());
    expect(probe.decision).toBe('probe');
    // While the probe is out, everything else still fails fast.
    expect(admitCall(probe.state, clock.now()).decision).toBe('reject');
    expect(recordCall(probe.state, 'success', true, clock.now(), config)).toEqual(CLOSED);
  });

  it('a success resets the count: failures must be consecutive', () => {
    const clock = new ManualClock();
    let state = CLOSED;
    for (const verdict of ['failure', 'failure', 'success', 'failure', 'failure'] as const) state = call(state, verdict, clock).state;
    expect(state).toEqual({ kind: 'closed', failures: 2 });
  });

  it('neutral outcomes (4xx, blocked, aborted) neither count nor reset', () => {
    const clock = new ManualClock();
    let state = CLOSED;
    for (const verdict of ['failure', 'neutral', 'failure', 'neutral'] as const) state = call(state, verdict, clock).state;
    expect(state).toEqual({ kind: 'closed', failures: 2 });
  });

  it('a failed probe reopens for another full period; a neutral probe lets the next call probe', () => {
    const clock = new ManualClock(5_000);
    const open: BreakerState = { kind: 'open', untilMs: 5_000 };
    const probing = admitCall(open, clock.now()).state;
    expect(recordCall(probing, 'failure', true, clock.now(), config)).toEqual({ kind: 'open', untilMs: 6_000 });
    const neutral = recordCall(probing, 'neutral', true, clock.now(), config);
    expect(admitCall(neutral, clock.now()).decision).toBe('probe');
  });

  it('late results of calls sent before it opened do not close it', () => {
    const open: BreakerState = { kind: 'open', untilMs: 10 };
    expect(recordCall(open, 'success', false, 0, config)).toBe(open);
    expect(recordCall({ kind: 'probing' }, 'success', false, 0, config)).toEqual({ kind: 'probing' });
  });
});

describe('origin queue', () => {
  it('runs N at once, queues M in FIFO order, refuses more', async () => {
    const queue = createOriginQueue(2, 2);
    expect(queue.enter()).toBe('go');
    expect(queue.enter()).toBe('go');
    const first = queue.enter();
    const second = queue.enter();
    expect(queue.enter()).toBe('full');
    if (typeof first !== 'object' || typeof second !== 'object') throw new Error('expected places in the queue');
    const order: string[] = [];
    void first.turn.then(() => order.push('first'));
    void second.turn.then(() => order.push('second'));
    queue.release();
    await Promise.resolve();
    expect(order).toEqual(['first']);
    expect(queue.active).toBe(2);
    queue.release();
    await Promise.resolve();
    expect(order).toEqual(['first', 'second']);
    queue.release();
    queue.release();
    expect(queue.active).toBe(0);
  });

  it('a waiter that leaves gives up its place, or the slot it was just handed', () => {
    const queue = createOriginQueue(1, 5);
    expect(queue.enter()).toBe('go');
    const gone = queue.enter();
    const handed = queue.enter();
    if (typeof gone !== 'object' || typeof handed !== 'object') throw new Error('expected places in the queue');
    gone.leave();
    expect(queue.waiting).toBe(1);
    queue.release(); // handed gets the slot…
    expect(queue.active).toBe(1);
    handed.leave(); // …but its deadline crossed the hand-over: the slot comes back.
    expect(queue.active).toBe(0);
    expect(queue.enter()).toBe('go');
  });
});
