/** Rate-limits the cross-node lobby signal: at most one PUBLISH per app per interval, the last change always told. */
import type { Clock, TimerHandle } from '../../core/index.js';

/**
 * Every stored change the lobby can see (a create, a join, a leave) signals its app, so a busy
 * app sent one PUBLISH per change: 3 a cycle in bench:cluster, each fanned out by Redis to
 * every other node. The lobby feed coalesces per subscriber anyway (one list per 500 ms at most),
 * so the first change of an app is published at once and the rest within the interval become
 * one trailing publish at its end: no subscriber misses the last change, and a quiet app's
 * signal is as fast as before.
 */
export interface LobbyCoalescer {
  /** A change in `appKey`: published now, or once at the end of the current interval. */
  changed(appKey: string): void;
  /** Drops pending publishes and their timers. */
  close(): void;
}

export function createLobbyCoalescer(clock: Clock, intervalMs: number, send: (appKey: string) => void): LobbyCoalescer {
  // appKey → its window: whether a change came during it (a trailing publish is owed) and its timer.
  const windows = new Map<string, { owed: boolean; timer: TimerHandle }>();
  const open = (appKey: string): void => {
    const timer = clock.setTimeout(() => {
      const window = windows.get(appKey);
      windows.delete(appKey);
      if (!window?.owed) return;
      send(appKey);
      open(appKey);
    }, intervalMs);
    windows.set(appKey, { owed: false, timer });
  };
  return {
    changed(appKey) {
      const window = windows.get(appKey);
      if (window) {
        window.owed = true;
        return;
      }
      send(appKey);
      open(appKey);
    },
    close() {
      for (const { timer } of windows.values()) clock.clearTimeout(timer);
      windows.clear();
    },
  };
}
