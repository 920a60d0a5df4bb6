// Runs async tasks one at a time per key (tasks of different keys run side by side). Join random
// or create holds it per app and filter, so two peers asking at once cannot both create.
export interface KeyedLock {
  /** Runs `task` after every earlier task of `key` has settled; resolves or rejects as it does. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Keys with a task running or waiting (each entry is released when its last task settles). */
  readonly size: number;
}

export function createKeyedLock(): KeyedLock {
  // key → the promise that settles when the last task queued under it has settled.
  const tails = new Map<string, Promise<void>>();
  return {
    async run(key, task) {
      const previous = tails.get(key) ?? Promise.resolve();
      let release: () => void = () => undefined;
      const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
      tails.set(key, tail);
      await previous;
      try {
        return await task();
      } finally {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
    get size() {
      return tails.size;
    },
  };
}
