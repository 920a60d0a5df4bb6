/**
 * Lobby subscriptions (Fusion's OnSessionListUpdated, Photon's lobby room list): a connection that
 * sent LOBBY_SUBSCRIBE gets LOBBY_UPDATE with the whole current list of its app's lobby whenever
 * something lobby-visible changed there. Driven by the committed domain events through a
 * {@link LobbySignal} (the event bus carries it, so another process's changes reach this one's
 * subscribers), coalesced per subscriber (at most one list per update interval, none when the
 * list did not change) and bounded (one subscription per connection, a total cap, the list's own
 * count and byte caps).
 */
import { createHash } from 'node:crypto';
import type { Env, TimerHandle } from '../../core/index.js';
import { EventType, type ListResult, type LobbySubscribeRequest, type Properties, type SignalingCodec } from '../protocol/index.js';
import type { SessionEvent } from './domain-events.js';
import type { HookRunner } from './hook-runner.js';
import type { LobbyList } from './lobby-list.js';
import type { Peer } from './peer.js';
import type { EventBus } from './presence.js';
import { refuse } from './request-error.js';

/** "Something lobby-visible changed in this app", published and heard across processes. */
export interface LobbySignal {
  lobbyChanged(appKey: string): void;
  /** Calls `listener` for every change, wherever it happened; returns its remover. */
  onLobbyChanged(listener: (appKey: string) => void): () => void;
}

/** A signal within this process only. */
export function createLocalLobbySignal(env: Env): LobbySignal {
  const listeners = new Set<(appKey: string) => void>();
  return {
    lobbyChanged(appKey) {
      // The live set, not a copy per change (every commit signals): a listener removed during the loop is not called.
      for (const listener of listeners) {
        try {
          listener(appKey);
        } catch (error) {
          env.logger.error({ err: error }, 'a lobby listener failed');
        }
      }
    },
    onLobbyChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The bus's signal when it carries one (a bus shared by several processes), else this process's. */
export function lobbySignalOf(bus: EventBus, env: Env): LobbySignal {
  if (bus.lobbyChanged && bus.onLobbyChanged) return { lobbyChanged: bus.lobbyChanged.bind(bus), onLobbyChanged: bus.onLobbyChanged.bind(bus) };
  return createLocalLobbySignal(env);
}

/** Whether a domain event changes what the lobby shows (a rejoin or a drop keeps the player count). */
export function changesLobby(event: SessionEvent): boolean {
  switch (event.type) {
    case 'sessionCreated':
    case 'memberLeft':
    case 'propertiesChanged':
    case 'sessionClosed':
      return true;
    case 'memberJoined':
      return !event.rejoined;
    case 'memberInactive':
      return false;
  }
}

/** The hook runner, plus the lobby signal for every stored change the lobby can see. */
export function lobbyAware(hooks: HookRunner, signal: LobbySignal): HookRunner {
  return {
    ...hooks,
    committed(events, session) {
      hooks.committed(events, session);
      // One change is one session's, so of one app: signalled once, with no lists built per commit.
      const changed = events.find(changesLobby);
      if (changed) signal.lobbyChanged(changed.appKey);
    },
  };
}

export interface LobbyFeedOptions {
  list: LobbyList;
  signal: LobbySignal;
  codec: SignalingCodec;
  /** Subscriptions in the whole service; more get LIMIT_EXCEEDED. */
  maxSubscribers: number;
  /** Shortest time between two lists pushed to one subscriber, ms. */
  updateIntervalMs: number;
}

export interface LobbyFeed {
  /** Subscribes (or, with `subscribe: false`, unsubscribes) the peer; resolves with the first list. */
  subscribe(peer: Peer, request: LobbySubscribeRequest): Promise<ListResult>;
  /** The peer's connection is gone. */
  drop(peer: Peer): void;
  /** Stops every subscription and timer; later subscribes are refused. */
  close(): void;
  readonly size: number;
}

interface Subscriber {
  readonly peer: Peer;
  readonly appKey: string;
  filter: Properties | undefined;
  limit: number | undefined;
  timer: TimerHandle | undefined;
  /** When the last list went out (the subscribe reply counts), clock ms. */
  sentAt: number;
  /** Digest of the last list sent: an unchanged list is not sent again. */
  digest: string;
  /** A list is being read from the store. */
  busy: boolean;
  /** A change came while it was being read: read again after. */
  again: boolean;
}

export function createLobbyFeed(env: Env, options: LobbyFeedOptions): LobbyFeed {
  const { clock, logger } = env;
  const subscribers = new Map<Peer, Subscriber>();
  let closed = false;

  const digestOf = (result: ListResult): string => createHash('sha256').update(options.codec.encode({ type: EventType.LOBBY_UPDATE, ...result })).digest('base64');
  const live = (subscriber: Subscriber): boolean => !closed && subscribers.get(subscriber.peer) === subscriber && !subscriber.peer.closed;
  const read = (subscriber: Subscriber): Promise<ListResult> => options.list(subscriber.appKey, subscriber.filter, subscriber.limit, 0);

  const push = async (subscriber: Subscriber): Promise<void> => {
    subscriber.busy = true;
    try {
      const result = await read(subscriber);
      const digest = digestOf(result);
      if (!live(subscriber) || digest === subscriber.digest) return;
      subscriber.digest = digest;
      subscriber.sentAt = clock.now();
      subscriber.peer.send({ type: EventType.LOBBY_UPDATE, ...result });
    } catch (error) {
      logger.error({ err: error }, 'a lobby update failed');
    } finally {
      subscriber.busy = false;
      if (subscriber.again) {
        subscriber.again = false;
        schedule(subscriber);
      }
    }
  };

  /** The next list at the end of the subscriber's interval (at once, in a later tick, when it has passed). */
  const schedule = (subscriber: Subscriber): void => {
    if (!live(subscriber)) return;
    if (subscriber.busy) {
      subscriber.again = true;
      return;
    }
    if (subscriber.timer !== undefined) return;
    const wait = Math.max(0, subscriber.sentAt + options.updateIntervalMs - clock.now());
    subscriber.timer = clock.setTimeout(() => {
      subscriber.timer = undefined;
      void push(subscriber);
    }, wait);
  };

  const remove = (peer: Peer): void => {
    const subscriber = subscribers.get(peer);
    if (!subscriber) return;
    clock.clearTimeout(subscriber.timer);
    subscribers.delete(peer);
  };

  const unlisten = options.signal.onLobbyChanged((appKey) => {
    for (const subscriber of subscribers.values()) if (subscriber.appKey === appKey) schedule(subscriber);
  });

  return {
    async subscribe(peer, request) {
      if (request.subscribe === false) {
        remove(peer);
        return { sessions: [] };
      }
      if (closed) refuse('NOT_ALLOWED', 'the service is shutting down');
      const appKey = peer.hello?.appKey ?? refuse('INVALID_REQUEST', 'the first request must be hello');
      // One subscription per connection: subscribing again replaces it.
      remove(peer);
      if (subscribers.size >= options.maxSubscribers) refuse('LIMIT_EXCEEDED', `the service holds its maximum of ${options.maxSubscribers} lobby subscriptions`);
      const subscriber: Subscriber = {
        peer,
        appKey,
        filter: request.filter,
        limit: request.limit,
        timer: undefined,
        sentAt: clock.now(),
        digest: '',
        busy: true,
        again: false,
      };
      subscribers.set(peer, subscriber);
      try {
        const first = await read(subscriber);
        subscriber.digest = digestOf(first);
        subscriber.sentAt = clock.now();
        return first;
      } catch (error) {
        remove(peer);
        throw error;
      } finally {
        subscriber.busy = false;
        // A change while the first list was read: the list that follows shows it.
        if (subscriber.again) {
          subscriber.again = false;
          schedule(subscriber);
        }
      }
    },
    drop: remove,
    close() {
      closed = true;
      unlisten();
      for (const peer of [...subscribers.keys()]) remove(peer);
    },
    get size() {
      return subscribers.size;
    },
  };
}
