/**
 * The runner's lobby (Fusion's SessionLobby and OnSessionListUpdated): `listSessions` pages
 * through the cloud's lobby and `joinLobby` subscribes to its pushed list (LOBBY_SUBSCRIBE, then
 * LOBBY_UPDATE events as `sessionListUpdated`). It has a signaling connection of its own, opened on
 * first use, so it works before `startGame` and never depends on the game's connection; it closes
 * on `leaveLobby()` and at shutdown. A lost connection ends the subscription (the next call opens
 * a new connection).
 */
import { PunchthroughError } from '../core/index.js';
import { EventType, RequestType, type ListResult } from '../src/protocol/index.js';
import type { ResolvedOptions } from './options.js';
import type { Emit } from './peer-driver.js';
import { lobbySessionInfo } from './session-info.js';
import type { Signaling } from './signaling.js';
import type { ListSessionsOptions, LobbyOptions, SessionInfo } from './types.js';

export class Lobby {
  #connection: Promise<Signaling> | undefined;
  #closed = false;

  constructor(
    private readonly options: Pick<ResolvedOptions, 'connectSignaling' | 'signaling'>,
    private readonly emit: Emit,
  ) {}

  /** The lobby's connection (opened on first use): WebRPC outside a session goes over it. */
  connection(): Promise<Signaling> {
    return this.#open();
  }

  async list(options: ListSessionsOptions = {}): Promise<SessionInfo[]> {
    const signaling = await this.#open();
    const result = await signaling.request({ type: RequestType.LIST, ...pick(options) });
    return result.sessions.map(lobbySessionInfo);
  }

  async join(options: LobbyOptions = {}): Promise<SessionInfo[]> {
    const signaling = await this.#open();
    const { filter, limit } = pick(options);
    const result = await signaling.request({ type: RequestType.LOBBY_SUBSCRIBE, ...(filter ? { filter } : {}), ...(limit !== undefined ? { limit } : {}) });
    return this.#updated(result);
  }

  /** Ends the subscription: the lobby's connection closes (the cloud drops the subscription with it). */
  async leave(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    const signaling = await connection?.catch(() => undefined);
    await signaling?.close();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.leave();
  }

  #updated(result: ListResult): SessionInfo[] {
    const sessions = result.sessions.map(lobbySessionInfo);
    this.emit('sessionListUpdated', { sessions, more: result.more === true });
    return sessions.map((session) => ({ ...session, properties: { ...session.properties } }));
  }

  #open(): Promise<Signaling> {
    if (this.#closed) return Promise.reject(new PunchthroughError('RUNNER_CLOSED', 'the runner was shut down'));
    if (!this.#connection) {
      const opening = this.options.connectSignaling(this.options.signaling).then((signaling) => {
        if (this.#closed || this.#connection !== opening) {
          void signaling.close();
          throw new PunchthroughError('RUNNER_CLOSED', 'the lobby was closed while its connection opened');
        }
        signaling.onEvent((event) => {
          if (event.type === EventType.LOBBY_UPDATE && this.#connection === opening) this.#updated(event);
        });
        signaling.onClose(() => {
          if (this.#connection === opening) this.#connection = undefined;
        });
        return signaling;
      });
      // A connection that failed to open is forgotten: the next call tries again.
      opening.catch(() => {
        if (this.#connection === opening) this.#connection = undefined;
      });
      this.#connection = opening;
    }
    return this.#connection;
  }
}

/** Only the fields the request takes, so nothing else the game passed goes on the wire. */
function pick(options: ListSessionsOptions): ListSessionsOptions {
  return {
    ...(options.filter !== undefined ? { filter: options.filter } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.offset !== undefined ? { offset: options.offset } : {}),
  };
}
