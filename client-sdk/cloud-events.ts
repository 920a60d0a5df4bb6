/**
 * What the cloud says once the runner is in a session, and the client's wait for its server:
 * peer addresses (held back until the start is done), peers leaving, the session closing, the
 * signaling connection being lost, and the `connected` report (connection step 12's histogram);
 * players coming and going (players.ts), connect requests (connect-request.ts) and a kick.
 */
import { PunchthroughError, type Env, type TimerHandle } from '../core/index.js';
import {
  EventType,
  RequestType,
  type Event,
  type JoinResult,
  type KickedEvent,
  type KickRequest,
  type PeerAddressesEvent,
  type RelayChangedEvent,
  type RequestBody,
  type SessionClosedEvent,
} from '../src/protocol/index.js';
import { ConnectRequests } from './connect-request.js';
import { DisconnectReason, MAX_EARLY_ADDRESS_EVENTS } from './constants.js';
import type { ResolvedOptions } from './options.js';
import type { Emit, PeerDriver, Progress } from './peer-driver.js';
import { Players } from './players.js';
import type { Signaling } from './signaling.js';
import type { PathChangedEvent, PeerConnectedEvent } from './types.js';

/** A measured RTT as a report field: whole ms, absent when not measured. */
const rttOf = (rttMs: number | undefined): { rttMs?: number } => (rttMs === undefined || !Number.isFinite(rttMs) ? {} : { rttMs: Math.max(0, Math.round(rttMs)) });

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
  /** The cloud moved the session to another relay (RELAY_CHANGED). */
  relayChanged(event: RelayChangedEvent): void;
  /** Whether an IPv6 socket is open (IPv6 candidates are usable). */
  ipv6(): boolean;
  driver(): PeerDriver;
  /** Sends a signaling request (a kick); rejects when there is no connection. */
  request(body: RequestBody<KickRequest>): Promise<unknown>;
  /** The session ended for this runner (closed by the cloud, kicked, refused): it shuts down with this error's reason. */
  ended(error: PunchthroughError): void;
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
  /** Likewise a KICKED. */
  #kickedBeforeJoined: KickedEvent | undefined;
  /** The server removed this runner: KICKED or CONNECT_REFUSED with the server's words. */
  ended: PunchthroughError | undefined;
  readonly players: Players;
  readonly #requests: ConnectRequests;
  /** Address events that arrived before the game socket was ready. */
  readonly #early: { event: PeerAddressesEvent }[] = [];
  /** Client mode: settles startGame once connected (or failed). */
  #waiter: Waiter | undefined;

  constructor(
    private readonly env: Pick<Env, 'clock' | 'logger'>,
    private readonly options: Pick<ResolvedOptions, 'requestTimeoutMs' | 'onConnectRequest'>,
    private readonly hooks: CloudEventsHooks,
  ) {
    this.players = new Players(env, hooks);
    this.#requests = new ConnectRequests(env, options.onConnectRequest, {
      apply: (event, at) => this.#addresses(event, at),
      refuse: (actor, _peerId, message) => {
        hooks.request({ type: RequestType.KICK, actor, reason: 'connectRefused', message }).catch((error: unknown) => {
          env.logger.warn({ err: error, actor }, 'refusing a connect request failed');
        });
      },
      stopped: () => hooks.stopped() || this.sessionClosed,
    });
  }

  joined(result: JoinResult): void {
    this.self = { actor: result.actor, peerId: result.peerId, mode: result.mode, sessionId: result.session.sessionId };
    for (const peerId of this.players.joined(result)) {
      this.#requests.forget(peerId);
      this.hooks.driver().left(peerId);
    }
    if (this.#closedBeforeJoined) this.#onSessionClosed(this.#closedBeforeJoined);
    if (this.#kickedBeforeJoined) this.#onKicked(this.#kickedBeforeJoined);
  }

  onEvent(event: Event): void {
    switch (event.type) {
      case EventType.PEER_ADDRESSES: {
        const at = this.env.clock.now();
        if (this.hooks.running()) this.#requests.addresses(event, at);
        else if (this.#early.length < MAX_EARLY_ADDRESS_EVENTS) this.#early.push({ event });
        else this.env.logger.warn({ peerId: event.peerId }, 'too many address events before the start finished; dropped');
        return;
      }
      case EventType.PEER_JOINED:
        this.players.onEvent(event);
        return;
      case EventType.PEER_INACTIVE:
        this.players.onEvent(event);
        this.#requests.forget(event.peerId);
        return;
      case EventType.PEER_LEFT:
        this.players.onEvent(event);
        this.#requests.forget(event.peerId);
        // This server kicked it: the pair says goodbye now (a client has no pair with another
        // client, and no one kicks the server). Otherwise a connected pair carries on: its own
        // keepalives and goodbye decide (the signaling connection may drop while the game
        // connection is fine).
        if (event.reason === 'kicked' && this.self?.mode === 'server') this.hooks.driver().disconnect(event.peerId, DisconnectReason.KICKED);
        else this.hooks.driver().left(event.peerId);
        return;
      case EventType.KICKED:
        this.#onKicked(event);
        return;
      case EventType.SESSION_CLOSED:
        this.#onSessionClosed(event);
        return;
      case EventType.RELAY_TICKET:
        if (!this.sessionClosed) this.hooks.renewTicket(event.ticket);
        return;
      case EventType.RELAY_CHANGED:
        if (!this.sessionClosed) this.hooks.relayChanged(event);
        return;
      case EventType.PLUGIN_EVENT:
        if (!this.sessionClosed) this.hooks.emit('pluginEvent', event.data === undefined ? { code: event.code } : { code: event.code, data: event.data });
        return;
      case EventType.HOOK_ERROR:
        // Checked and bounded by the protocol schema when decoded; sliced again so no wider value reaches the game.
        if (!this.sessionClosed) this.hooks.emit('webhookError', { hook: String(event.hook).slice(0, 64), message: String(event.message).slice(0, 256) });
        return;
      default:
        return;
    }
  }

  /** Server mode: the cloud removes `peerId`, then the pair with it says goodbye (if the PEER_LEFT has not already). */
  async kick(peerId: string, message?: string): Promise<void> {
    await this.players.kick(peerId, message);
    this.hooks.driver().disconnect(peerId, DisconnectReason.KICKED);
  }

  /**
   * The start is done: the address events held back meanwhile apply now. Their pairs' schedules
   * start now too, when this end can send, not when the event arrived: a slow STUN answer must
   * not leave the first attempts all due at once.
   */
  drainEarly(): void {
    const now = this.env.clock.now();
    for (const { event } of this.#early.splice(0)) this.#requests.addresses(event, now);
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
      ?.request({ type: RequestType.CONNECTED, peerId: event.peerId, path: event.path, ms: Math.max(0, Math.round(event.ms)), ...rttOf(event.rttMs) })
      .catch((error: unknown) => this.env.logger.debug({ err: error }, 'connect report not delivered'));
    this.#waiter?.resolve(event);
    this.#waiter = undefined;
  }

  /** A client's pair moved to another path: the cloud's statistics learn it (an older cloud refuses; nothing depends on it). */
  pathChanged(event: PathChangedEvent, rttMs: number | undefined, signaling: Signaling | undefined): void {
    if (this.self?.mode !== 'client') return;
    signaling
      ?.request({ type: RequestType.PATH_REPORT, peerId: event.peerId, path: event.path, reason: event.reason, ...rttOf(rttMs) })
      .catch((error: unknown) => this.env.logger.debug({ err: error }, 'path report not delivered'));
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
    const error = new PunchthroughError('SESSION_CLOSED', `the cloud closed the session (${event.reason})`);
    this.ended ??= error;
    this.rejectStart(error);
    this.players.clear();
    this.hooks.emit('sessionClosed', { sessionId: event.sessionId, reason: event.reason });
    this.hooks.ended(error);
  }

  /**
   * The server removed this runner (kicked, or its connect request refused): the pair with the
   * server ends (`peerDisconnected`, `kicked`), a pending start rejects, and the runner shuts
   * down with reason `kicked` (KICKED) or `connectionRefused` (CONNECT_REFUSED), the server's
   * words as the message.
   */
  #onKicked(event: KickedEvent): void {
    const self = this.self;
    if (!self) {
      this.#kickedBeforeJoined ??= event;
      return;
    }
    if (event.sessionId !== self.sessionId || this.ended) return;
    const code = event.reason === 'connectRefused' ? 'CONNECT_REFUSED' : event.reason === 'plugin' ? 'REMOVED_BY_PLUGIN' : 'KICKED';
    const error = new PunchthroughError(code, event.message === '' ? `the server removed this player (${event.reason})` : event.message);
    this.ended = error;
    this.sessionClosed = true;
    this.env.logger.info({ reason: event.reason, message: event.message }, 'the server removed this runner from the session');
    this.#early.length = 0;
    const driver = this.hooks.driver();
    driver.closeAll(DisconnectReason.KICKED);
    driver.stop();
    this.hooks.closeRelay();
    this.players.clear();
    this.rejectStart(error);
    this.hooks.ended(error);
  }
}
