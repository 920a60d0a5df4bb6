// Per-origin concurrency: at most N calls in flight, at most M waiting in FIFO order, more
// refused. The waiting ones can leave (deadline, abort) without disturbing the order.

export interface OriginQueue {
  /** Calls in flight. */
  readonly active: number;
  /** Calls waiting. */
  readonly waiting: number;
  /**
   * A slot now (`'go'`), a place in the queue (a promise that resolves when the slot is yours,
   * and `leave` to give up the place), or `'full'`.
   */
  enter(): 'go' | 'full' | { turn: Promise<void>; leave(): void };
  /** Gives back a slot; the first waiter gets it. */
  release(): void;
}

export function createOriginQueue(maxConcurrent: number, maxQueued: number): OriginQueue {
  let active = 0;
  // A Set keeps insertion order (FIFO) and removes a waiter that leaves in O(1).
  const waiters = new Set<() => void>();
  const release = (): void => {
    const next = waiters.values().next();
    if (next.done) {
      active = Math.max(0, active - 1);
      return;
    }
    // The slot passes straight to the next waiter: `active` stays the same.
    waiters.delete(next.value);
    next.value();
  };
  return {
    get active() {
      return active;
    },
    get waiting() {
      return waiters.size;
    },
    enter() {
      if (active < maxConcurrent && waiters.size === 0) {
        active++;
        return 'go';
      }
      if (waiters.size >= maxQueued) return 'full';
      let granted = false;
      let resolveTurn!: () => void;
      const turn = new Promise<void>((resolve) => {
        resolveTurn = resolve;
      });
      const wake = (): void => {
        granted = true;
        resolveTurn();
      };
      waiters.add(wake);
      // Leaving after the slot was handed over (the wake-up and a deadline crossed) gives it back.
      const leave = (): void => {
        if (!waiters.delete(wake) && granted) release();
      };
      return { turn, leave };
    },
    release,
  };
}
