import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/index.js';

describe('ManualClock', () => {
  it('fires timers in due order, ties in creation order, and only when advanced', () => {
    const clock = new ManualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@20'), 20);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('c@20'), 20);
    expect(fired).toEqual([]);
    clock.advance(15);
    expect(fired).toEqual(['a@10']);
    expect(clock.now()).toBe(1015);
    clock.advance(5);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20']);
  });

  it('runs intervals until cleared and reports pending timers', () => {
    const clock = new ManualClock();
    const at: number[] = [];
    const handle = clock.setInterval(() => at.push(clock.now()), 500);
    clock.advance(1600);
    expect(at).toEqual([500, 1000, 1500]);
    clock.clearInterval(handle);
    clock.advance(1000);
    expect(at).toHaveLength(3);
    expect(clock.pendingTimers).toBe(0);
  });

  it('does not fire a cancelled timer, and sees timers scheduled by a firing timer', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const cancelled = clock.setTimeout(() => fired.push(-1), 5);
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 3);
    }, 2);
    clock.clearTimeout(cancelled);
    clock.advance(10);
    expect(fired).toEqual([2, 5]);
  });

  it('lets promise continuations run between timers with advanceAsync', async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    const task = (async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(100);
        seen.push(clock.now());
      }
    })();
    await clock.advanceAsync(300);
    await task;
    expect(seen).toEqual([100, 200, 300]);
  });
});

describe('ManualClock wall time', () => {
  it('moves with now() from a fixed epoch', () => {
    const clock = new ManualClock(50, 1_000_000);
    clock.advance(250);
    expect(clock.wallTime()).toBe(1_000_250);
  });
});
