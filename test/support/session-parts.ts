// The session service's parts, taken apart for their unit tests: a sessions service on a manual
// clock with recording peers, a store that makes concurrent writers meet, and fake sockets for
// the gateway.
import { ManualClock, flushAsync } from '../../core/index.js';
import {
  PROTOCOL_VERSION,
  RequestType,
  type Event,
  type EventType,
  type JoinResult,
  type ServerMessage,
} from '../../src/protocol/index.js';
import { createHookRunner } from '../../src/session/hook-runner.js';
import { envOf } from '../../src/session/hub.js';
import { createSessionMetrics } from '../../src/session/metrics.js';
import { resolveOptions, type SessionServiceOptions } from '../../src/session/options.js';
import type { Peer } from '../../src/session/peer.js';
import { createLocalDeadlines, createLocalEventBus } from '../../src/session/presence.js';
import { createSessions } from '../../src/session/sessions.js';
import type { PeerSocket } from '../../src/session/gateway.js';
import type { SessionStore } from '../../src/session/store.js';

/** A Peer that records what the service sends it. */
export interface RecordingPeer extends Peer {
  readonly sent: ServerMessage[];
  closed: boolean;
  events(type: EventType): Event[];
}

export function recordingPeer(address = '198.51.100.1'): RecordingPeer {
  const sent: ServerMessage[] = [];
  return {
    address,
    sessionsCreated: 0,
    closed: false,
    sent,
    send: (message) => void sent.push(message),
    deliver: (event) => void sent.push(event),
    events: (type) => sent.filter((m): m is Event => m.type === type),
  };
}

/** A sessions service on a manual clock; `peer()` gives a recording peer that said hello. */
export function sessionsRig(overrides: SessionServiceOptions = {}) {
  const clock = new ManualClock();
  const settings = resolveOptions({ clock, ...overrides });
  const env = envOf(settings);
  const metrics = createSessionMetrics();
  const bus = createLocalEventBus(env);
  const hooks = createHookRunner(env, { hooks: settings.hooks, metrics });
  const sessions = createSessions(env, { settings, metrics, bus, hooks, deadlines: (onDue) => createLocalDeadlines(env, { onDue }) });
  const peer = async (address?: string): Promise<RecordingPeer> => {
    const created = recordingPeer(address);
    await sessions.hello(created, { type: RequestType.HELLO, id: 1, appId: 'g', appVersion: '1', protocolVersion: PROTOCOL_VERSION });
    return created;
  };
  /** Runs an entering request; resolves with its result, or the error code it was refused with. */
  const enter = async (run: (reply: (result: JoinResult) => void) => Promise<void>): Promise<JoinResult | string> => {
    let result: JoinResult | undefined;
    try {
      await run((r) => (result = r));
    } catch (error) {
      return (error as { code: string }).code;
    }
    return result ?? 'NO_REPLY';
  };
  return { clock, settings, metrics, sessions, store: settings.store, peer, enter };
}

/**
 * A store whose reads of one session wait until `readers` of them are waiting, so concurrent
 * changes read the same version and all but one lose their compare-and-set (as two nodes would).
 */
export function meetingStore(inner: SessionStore, readers = 2) {
  const waiting: Array<() => void> = [];
  let armed = false;
  const stats = { conflicts: 0 };
  const store: SessionStore = {
    ...inner,
    async get(sessionId) {
      if (armed) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length >= readers) {
            armed = false;
            for (const release of waiting.splice(0)) release();
          }
        });
      }
      return inner.get(sessionId);
    },
    async compareAndSet(sessionId, version, next) {
      const outcome = await inner.compareAndSet(sessionId, version, next);
      if (outcome === 'conflict') stats.conflicts += 1;
      return outcome;
    },
  };
  return { store, stats, arm: () => void (armed = true) };
}

/** A transport socket that records what the gateway does to it. */
export class FakeSocket implements PeerSocket {
  readonly frames: Uint8Array[] = [];
  closedWith: number | undefined;
  pings = 0;
  terminated = false;
  bufferedAmount = 0;
  send(frame: Uint8Array): void {
    this.frames.push(frame);
  }
  close(code: number): void {
    this.closedWith ??= code;
  }
  terminate(): void {
    this.terminated = true;
  }
  ping(): void {
    this.pings += 1;
  }
}

export { flushAsync };
