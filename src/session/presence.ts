/**
 * Presence: who holds which member's socket, and when each session next has something to expire.
 * Both are interfaces so several service processes can share sessions (a bus and a scheduler on
 * Redis): nothing here may assume the member's socket, or the timer, lives in this process. The
 * local implementations below are the one-process default.
 */
import type { Env, TimerHandle } from '../../core/index.js';
import type { Event } from '../protocol/index.js';
import { createLocalLobbySignal } from './lobby-feed.js';
import type { Delivery } from './model.js';

/** Hands an event to the socket of one member. */
export type EventSink = (event: Event) => void;

export interface EventBus {
  /**
   * This process holds the socket of `actor` in `sessionId`: events published for it go to
   * `sink` until the returned detach is called (which leaves a newer attachment alone).
   * `since`: the store version the member was welcomed at (a shared store reports it); events of
   * commits up to it are older than the welcome's START snapshot and are not handed to `sink`.
   */
  attach(sessionId: string, actor: number, sink: EventSink, since?: number): () => void;
  /** Delivers each event to whichever process holds its actor's socket; nobody holding it drops it. */
  publish(sessionId: string, deliveries: readonly Delivery[]): void;
  /** The session is gone: drop every attachment to it. */
  forget(sessionId: string): void;
  /**
   * Something lobby-visible changed in app `appKey`: every process's lobby subscribers hear it
   * through `onLobbyChanged`. Optional: a bus without the pair serves this process's changes only.
   */
  lobbyChanged?(appKey: string): void;
  onLobbyChanged?(listener: (appKey: string) => void): () => void;
}

export interface DeadlineScheduler {
  /** The session's next deadline (clock ms): due once at `at`; arming again replaces it, undefined disarms. */
  arm(sessionId: string, at: number | undefined): void;
  /** Disarms every deadline; later arms are ignored. */
  close(): void;
}

/** The one-process bus: sessionId → actor → sink. */
export function createLocalEventBus(env: Env): EventBus {
  const attached = new Map<string, Map<number, EventSink>>();
  return {
    ...createLocalLobbySignal(env),
    attach(sessionId, actor, sink) {
      let members = attached.get(sessionId);
      if (!members) attached.set(sessionId, (members = new Map()));
      members.set(actor, sink);
      return () => {
        const current = attached.get(sessionId);
        if (current?.get(actor) !== sink) return;
        current.delete(actor);
        if (current.size === 0) attached.delete(sessionId);
      };
    },
    publish(sessionId, deliveries) {
      const members = attached.get(sessionId);
      if (!members) return;
      for (const { actor, event } of deliveries) {
        const sink = members.get(actor);
        if (!sink) continue;
        // One member's broken socket must not cost the others their events.
        try {
          sink(event);
        } catch (error) {
          env.logger.error({ err: error, sessionId, actor }, 'delivering an event failed');
        }
      }
    },
    forget(sessionId) {
      attached.delete(sessionId);
    },
  };
}

export interface LocalDeadlinesOptions {
  /** Called when a session's deadline comes (the caller re-reads the session and expires it). */
  onDue(sessionId: string): void;
}

/** The one-process scheduler: one clock timer per session with a deadline. */
export function createLocalDeadlines(env: Env, options: LocalDeadlinesOptions): DeadlineScheduler {
  const { clock } = env;
  const armed = new Map<string, { at: number; timer: TimerHandle }>();
  let closed = false;
  return {
    arm(sessionId, at) {
      const current = armed.get(sessionId);
      if (current?.at === at) return;
      clock.clearTimeout(current?.timer);
      armed.delete(sessionId);
      if (at === undefined || closed) return;
      const timer = clock.setTimeout(() => {
        armed.delete(sessionId);
        options.onDue(sessionId);
      }, at - clock.now());
      armed.set(sessionId, { at, timer });
    },
    close() {
      closed = true;
      for (const { timer } of armed.values()) clock.clearTimeout(timer);
      armed.clear();
    },
  };
}
