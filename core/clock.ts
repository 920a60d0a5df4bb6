/**
 * Time is injected everywhere (decisions are pure functions of state and `now`), so protocol
 * code runs unchanged on the wall clock and on a manual clock in tests.
 */
export interface TimerHandle {
  /** Opaque; only meaningful to the clock that created it. */
  readonly id: number;
}

export interface Clock {
  /** Milliseconds on a monotonic, high-resolution timeline: for durations, RTT, timeouts. */
  now(): number;
  /**
   * Wall-clock milliseconds since the Unix epoch: only for values that cross processes
   * (ticket expiry), where both sides must agree on the time.
   */
  wallTime(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  setInterval(callback: () => void, intervalMs: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
}

/** The real clock: `performance.now()` and Node's timers. */
export function createRealClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout>();
  let nextId = 1;
  const add = (timer: NodeJS.Timeout): TimerHandle => {
    const id = nextId++;
    timers.set(id, timer);
    return { id };
  };
  return {
    now: () => performance.now(),
    wallTime: () => Date.now(),
    setTimeout(callback, delayMs) {
      const handle: TimerHandle = { id: nextId++ };
      timers.set(
        handle.id,
        setTimeout(() => {
          timers.delete(handle.id);
          callback();
        }, delayMs),
      );
      return handle;
    },
    clearTimeout(handle) {
      if (!handle) return;
      clearTimeout(timers.get(handle.id));
      timers.delete(handle.id);
    },
    setInterval(callback, intervalMs) {
      return add(setInterval(callback, intervalMs));
    },
    clearInterval(handle) {
      if (!handle) return;
      clearInterval(timers.get(handle.id));
      timers.delete(handle.id);
    },
  };
}

interface ScheduledTimer {
  id: number;
  due: number;
  seq: number;
  intervalMs: number | undefined;
  callback: () => void;
}

/**
 * A clock that only moves when told to. Timers fire in due-time order (ties in creation
 * order); `advance` is synchronous, `advanceAsync` lets promise continuations run between
 * timers so async protocol code behaves as it would on the real clock.
 */
export class ManualClock implements Clock {
  #now: number;
  readonly #startMs: number;
  #nextId = 1;
  #seq = 0;
  readonly #timers = new Map<number, ScheduledTimer>();
  readonly #heap: ScheduledTimer[] = [];

  /**
   * @param startMs the initial `now()`.
   * @param epochMs the wall time at `now() === startMs`; fixed so runs are reproducible.
   */
  constructor(
    startMs = 0,
    private readonly epochMs = Date.UTC(2026, 0, 1),
  ) {
    this.#now = startMs;
    this.#startMs = startMs;
  }

  now(): number {
    return this.#now;
  }

  wallTime(): number {
    return this.epochMs + (this.#now - this.#startMs);
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return this.#schedule(callback, delayMs, undefined);
  }

  setInterval(callback: () => void, intervalMs: number): TimerHandle {
    return this.#schedule(callback, intervalMs, Math.max(1, intervalMs));
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.#timers.delete(handle.id);
  }

  clearInterval(handle: TimerHandle | undefined): void {
    this.clearTimeout(handle);
  }

  /** Number of timers still scheduled (tests use it to prove nothing leaks). */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Time of the next due timer, or undefined when none is scheduled. */
  nextDue(): number | undefined {
    return this.#peek()?.due;
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (let timer = this.#peek(); timer && timer.due <= target; timer = this.#peek()) {
      this.#fire(timer);
    }
    this.#now = target;
  }

  /** Like `advance`, but yields to the event loop before and after each timer. */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flushAsync();
    for (let timer = this.#peek(); timer && timer.due <= target; timer = this.#peek()) {
      this.#fire(timer);
      await flushAsync();
    }
    this.#now = target;
    await flushAsync();
  }

  #schedule(callback: () => void, delayMs: number, intervalMs: number | undefined): TimerHandle {
    const id = this.#nextId++;
    const due = this.#now + Math.max(0, delayMs);
    const timer = { id, due, seq: this.#seq++, intervalMs, callback };
    this.#timers.set(id, timer);
    heapPush(this.#heap, timer);
    return { id };
  }

  /** Earliest live timer; cancelled entries are dropped lazily from the heap. */
  #peek(): ScheduledTimer | undefined {
    for (let top = this.#heap[0]; top; top = this.#heap[0]) {
      const live = this.#timers.get(top.id);
      if (live === top && live.seq === top.seq) return live;
      heapPop(this.#heap);
    }
    return undefined;
  }

  #fire(timer: ScheduledTimer): void {
    this.#now = Math.max(this.#now, timer.due);
    heapPop(this.#heap);
    if (timer.intervalMs === undefined) {
      this.#timers.delete(timer.id);
    } else {
      const next = { ...timer, due: timer.due + timer.intervalMs, seq: this.#seq++ };
      this.#timers.set(timer.id, next);
      heapPush(this.#heap, next);
    }
    timer.callback();
  }
}

/** Let pending promise continuations and I/O callbacks run (one macrotask turn). */
export function flushAsync(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function before(a: ScheduledTimer, b: ScheduledTimer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

function heapPush(heap: ScheduledTimer[], timer: ScheduledTimer): void {
  heap.push(timer);
  for (let i = heap.length - 1; i > 0; ) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i]!, heap[parent]!)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function heapPop(heap: ScheduledTimer[]): void {
  const last = heap.pop();
  if (!last || heap.length === 0) return;
  heap[0] = last;
  for (let i = 0; ; ) {
    const left = 2 * i + 1;
    const right = left + 1;
    let smallest = i;
    if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
    if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
    if (smallest === i) break;
    [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
    i = smallest;
  }
}
