// The session executor (one call at a time, each within its deadline; a stuck call releases the
// queue and its late settlement is reported), on the real clock with short deadlines.
import { describe, expect, it } from 'vitest';
import { createRealClock } from '../../../../core/index.js';
import { createExecutor } from '../../../../src/plugins/executor.js';

const clock = createRealClock();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('executor', () => {
  it('runs calls one at a time in queue order', async () => {
    const executor = createExecutor(clock, 10);
    const seen: string[] = [];
    const task = (name: string) => async () => {
      seen.push(`${name}>`);
      await sleep(5);
      seen.push(`<${name}`);
      return name;
    };
    const results = await Promise.all(['a', 'b', 'c'].map((n) => executor.run(task(n), { budgetMs: 1_000 }, () => undefined)));
    expect(seen).toEqual(['a>', '<a', 'b>', '<b', 'c>', '<c']);
    expect(results).toEqual(['a', 'b', 'c'].map((value) => ({ kind: 'value', value })));
  });

  it('a call past its deadline answers timeout, aborts its signal, releases the queue; its late settlement is reported, not used', async () => {
    const executor = createExecutor(clock, 10);
    let late = 0;
    let aborted = false;
    let finish: (v: string) => void = () => undefined;
    const stuck = executor.run(
      (signal) => {
        signal.addEventListener('abort', () => (aborted = true));
        return new Promise<string>((resolve) => (finish = resolve));
      },
      { budgetMs: 30 },
      () => (late += 1),
    );
    const after = executor.run(() => 'next', { budgetMs: 1_000 }, () => undefined);
    expect(await stuck).toEqual({ kind: 'timeout' });
    expect(aborted).toBe(true);
    expect(await after).toEqual({ kind: 'value', value: 'next' });
    finish('too late');
    await sleep(1);
    expect(late).toBe(1);
  });

  it('a queued call with a fixed deadline is answered at it while it still waits, and skipped when its turn comes', async () => {
    const executor = createExecutor(clock, 10);
    let ran = false;
    void executor.run(() => sleep(80), { budgetMs: 1_000 }, () => undefined);
    const waiting = executor.run(() => void (ran = true), { deadline: clock.now() + 20, budgetMs: 20 }, () => undefined);
    const asked = clock.now();
    expect(await waiting).toEqual({ kind: 'timeout' });
    expect(clock.now() - asked).toBeLessThan(70);
    await sleep(100);
    expect(ran).toBe(false);
  });

  it('throws become thrown; a full queue answers full; a closed executor answers closed; an aborted peer answers aborted', async () => {
    const executor = createExecutor(clock, 2);
    const error = new Error('boom');
    expect(
      await executor.run(
        () => {
          throw error;
        },
        { budgetMs: 100 },
        () => undefined,
      ),
    ).toEqual({ kind: 'thrown', error });
    expect(executor.full).toBe(false);
    void executor.run(() => sleep(20), { budgetMs: 100 }, () => undefined);
    void executor.run(() => sleep(20), { budgetMs: 100 }, () => undefined);
    // Known before the call: the runtime drops a dropped onJoin's onLeave with it.
    expect(executor.full).toBe(true);
    expect(await executor.run(() => 1, { budgetMs: 100 }, () => undefined)).toEqual({ kind: 'full' });
    await sleep(60);
    expect(executor.full).toBe(false);
    const gone = new AbortController();
    const pending = executor.run(() => new Promise(() => undefined), { budgetMs: 1_000, abortWith: gone.signal }, () => undefined);
    await sleep(20);
    gone.abort();
    expect(await pending).toEqual({ kind: 'aborted' });
    executor.close();
    expect(await executor.run(() => 1, { budgetMs: 100 }, () => undefined)).toEqual({ kind: 'closed' });
  });
});
