/**
 * What the cloud says once the runner is in a session, and the client's wait for its server:
 * peer addresses (held back until the start is done), peers leaving, the session closing, the
 * signaling connection being lost, and the `connected` report (connection step 12's histogram).
 */
import { PunchthroughError, type Env, type TimerHandle } from '../core/index.js';
import { EventType, RequestType, type Event, type JoinResult, type PeerAddressesEvent, type SessionClosedEvent } from '../src/protocol/index.js';
import { DisconnectReason, MAX_EARLY_ADDRESS_EVENTS } from './constants.js';
import type { ResolvedOptions } from './options.js';
import type { Emit, PeerDriver, Progress } from './peer-driver.js';
import type { Signaling } from './signaling.js';
import type { PeerConnectedEvent } from './types.js';

export interface CloudEventsHooks {
  emit: Emit;
  progress: Progress;
  /** The start is done (address events apply at once). */
  running(): boolean;
  /** The runner is shut down. */
  stopped(): boolean;
  closeRelay(): void;
  /** The cloud re-issued this runner's relay ticket. */
  renewTicket(ticket: Uint8Array): void;
  /** Whether an IPv6 socket is open (IPv6 candidates are usable). */
  ipv6(): boolean;
  driver(): PeerDriver;
  /** The cloud closed the session (after `sessionClosed` was emitted): the runner shuts down, `gameClosed`. */
  ended?(message: string): void;
}

interface Waiter {
  resolve(event: PeerConnectedEvent): void;
  reject(error: PunchthroughError): void;
}

export class CloudEvents {
  /** This runner's place in the session, from the create/join reply. */
  self: { actor: number; peerId: string; mode: 'server' | 'client'; sessionId: string } | undefined;
  /** The cloud said SESSION_CLOSED for this runner's session: no more game traffic for it. */
  sessionClosed = false;
  /** A SESSION_CLOSED that came before the create/join reply was read (same tick): applied after it. */
  #closedBeforeJoined: SessionClosedEvent | undefined;
  /** Address events that arrived before the game socket was ready. */
  readonly #early: { event: PeerAddressesEvent; at: number }[] = [];
  /** Client mode: settles startGame once connected (or failed). */
  #waiter: Waiter | undefined;

  constructor(
    private readonly env: Pick<Env, 'clock' | 'logger'>,
    private readonly options: Pick<ResolvedOptions, 'requestTimeoutMs'>,
    private readonly hooks: CloudEventsHooks,
  ) {}

  joined(result: JoinResult): void {
    this.self = { actor: result.actor, peerId: result.peerId, mode: result.mode, sessionId: result.session.sessionId };
    if (this.#closedBeforeJoined) this.#onSessionClosed(this.#closedBeforeJoined);
  }

  onEvent(event: Event): void {
    switch (event.type) {
      case EventType.PEER_ADDRESSES: {
        const at = this.env.clock.now();
        if (this.hooks.running()) this.#addresses(event, at);
        else if (this.#early.length < MAX_EARLY_ADDRESS_EVENTS) this.#early.push({ event, at });
        else this.env.logger.warn({ peerId: event.peerId }, 'too many address events before the start finished; dropped');
        return;
      }
      case EventType.PEER_LEFT:
        // A connected pair carries on: its own keepalives and goodbye decide (the signaling
        // connection may drop while the game connection is fine).
        this.hooks.driver().left(event.peerId);
        return;
      case EventType.SESSION_CLOSED:
        this.#onSessionClosed(event);
        return;
      case EventType.RELAY_TICKET:
        if (!this.sessionClosed) this.hooks.renewTicket(event.ticket);
        return;
      default:
        return;
    }
  }

  drainEarly(): void {
    for (const { event, at } of this.#early.splice(0)) this.#addresses(event, at);
  }

  onSignalingLost(error: PunchthroughError): void {
    if (this.hooks.stopped()) return;
    this.env.logger.warn({ code: error.code, reason: error.message }, 'signaling connection lost; connected peers carry on');
    // A client that has not even learned the server's addresses cannot connect any more.
    if (this.self?.mode === 'client' && this.#waiter && this.hooks.driver().size === 0) {
      this.rejectStart(error);
      return;
    }
    // Before then, startGame rejects with the error; once running, the game hears it here.
    if (this.hooks.running()) this.hooks.emit('signalingLost', { code: error.code, message: error.message });
  }

  /** A pair connected: a client reports it (the cloud keeps connect times by path) and its start resolves. */
  connected(event: PeerConnectedEvent, signaling: Signaling | undefined): void {
    if (this.self?.mode !== 'client') return;
    signaling
      ?.request({ type: RequestType.CONNECTED, peerId: event.peerId, path: event.path, ms: Math.max(0, Math.round(event.ms)) })
      .catch((error: unknown) => this.env.logger.debug({ err: error }, 'connect report not delivered'));
    this.#waiter?.resolve(event);
    this.#waiter = undefined;
  }

  /** A client's start fails with `error` (attempts exhausted, shutdown, session closed). */
  rejectStart(error: PunchthroughError): void {
    this.#waiter?.reject(error);
    this.#waiter = undefined;
  }

  /** Client mode: links exist only once running, so no connection can precede this call. */
  whenConnected(cleanups: (() => void)[]): Promise<PeerConnectedEvent> {
    const promise = new Promise<PeerConnectedEvent>((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
    // The schedule's clock starts with the server's addresses; a server that never reports
    // them (its start stalled) must not leave the client waiting forever.
    if (this.hooks.driver().size === 0) {
      const { clock } = this.env;
      const { requestTimeoutMs } = this.options;
      const timer: TimerHandle = clock.setTimeout(() => {
        if (this.hooks.driver().size > 0 || !this.#waiter) return;
        this.hooks.progress('connect', 6, undefined, { code: 'CONNECT_TIMEOUT' });
        this.rejectStart(new PunchthroughError('CONNECT_TIMEOUT', `the server's addresses did not arrive within ${requestTimeoutMs} ms`));
      }, requestTimeoutMs);
      cleanups.push(() => clock.clearTimeout(timer));
      promise.finally(() => clock.clearTimeout(timer)).catch(() => undefined);
    }
    return promise;
  }

  #addresses(event: PeerAddressesEvent, at: number): void {
    if (!this.self || this.sessionClosed) return;
    this.hooks.driver().addresses(event, at, this.hooks.ipv6());
  }

  /**
   * The cloud closed this runner's session (the server left or dropped, the session emptied, the
   * cloud shut down): every connected peer is told `sessionClosed` at once rather than after the
   * peer timeout, each link says goodbye and stops, and no more game traffic goes out for it.
   */
  #onSessionClosed(event: SessionClosedEvent): void {
    const self = this.self;
    if (!self) {
      this.#closedBeforeJoined ??= event;
      return;
    }
    if (event.sessionId !== self.sessionId || this.sessionClosed) return;
    this.sessionClosed = true;
    this.env.logger.info({ reason: event.reason }, 'the cloud closed the session');
    this.#early.length = 0;
    const driver = this.hooks.driver();
    driver.closeAll(DisconnectReason.SESSION_CLOSED);
    driver.stop();
    this.hooks.closeRelay();
    this.rejectStart(new PunchthroughError('SESSION_CLOSED', `the session closed (${event.reason})`));
    this.hooks.emit('sessionClosed', { sessionId: event.sessionId, reason: event.reason });
    this.hooks.ended?.(`the cloud closed the session (${event.reason})`);
  }
}
