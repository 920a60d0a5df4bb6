/** Public shapes of sessions, the lobby, players and connect requests (Fusion's SessionInfo, SessionLobby, ConnectRequest). */
import type { JsonValue } from '../core/index.js';
import type { PeerLeftReason, Properties } from '../src/protocol/index.js';

/** A member of this runner's session as the runner knows it ({@link NetworkRunner.players}). */
export interface PlayerInfo {
  actor: number;
  peerId: string;
  mode: 'server' | 'client';
  /** False while it is inactive (dropped; it may rejoin within the player TTL). */
  active: boolean;
  /** This runner (Fusion's LocalPlayer). */
  local: boolean;
}

/** A player entered the session after this runner, or came back (`rejoined`) within its player TTL (Fusion's OnPlayerJoined). */
export interface PlayerJoinedEvent {
  actor: number;
  peerId: string;
  mode: 'server' | 'client';
  rejoined: boolean;
}

/** A player dropped without leaving; it may rejoin within `expiresInMs`. */
export interface PlayerInactiveEvent {
  actor: number;
  peerId: string;
  expiresInMs: number;
}

/** A player is no longer in the session (Fusion's OnPlayerLeft). */
export interface PlayerLeftEvent {
  actor: number;
  peerId: string;
  /** The cloud's reason: `left`, `timeout` (its player TTL ran out), `kicked` or `connectRefused`. */
  reason: PeerLeftReason;
}

/** What a server's `onConnectRequest` is asked about (Fusion's NetworkRunnerCallbackArgs.ConnectRequest). */
export interface ConnectRequest {
  peerId: string;
  actor: number;
  /** The client's `connectionToken`; undefined when it sent none. */
  token: Uint8Array | undefined;
}

/** true (or `{ accept: true }`) accepts; false or `{ accept: false, reason }` refuses. */
export type ConnectRequestDecision = boolean | { accept: true } | { accept: false; reason?: string };

export type ConnectRequestHandler = (request: ConnectRequest) => ConnectRequestDecision | Promise<ConnectRequestDecision>;

/**
 * A session as the SDK shows it (Fusion's SessionInfo): in `runner.session` for the session this
 * runner is in, and in the lobby's lists, where `properties` holds only the lobby-visible ones.
 */
export interface SessionInfo {
  name: string;
  /** The cloud's id of the session (empty from a cloud that lists none). */
  id: string;
  properties: Properties;
  /** Members, server included (dropped ones within their player TTL too). */
  playerCount: number;
  maxPlayers: number;
  /** Accepts new players (always true in the lobby). */
  open: boolean;
  /** Listed in the lobby and found by random joins (always true in the lobby). */
  visible: boolean;
}

/** Which sessions `listSessions` returns. */
export interface ListSessionsOptions {
  /** Every key/value must equal a lobby-visible property, typed (5 is not "5"). */
  filter?: Properties;
  /** At most this many (the cloud caps it too, in count and bytes). */
  limit?: number;
  /** Skip this many matching sessions (the next page starts at offset + the length returned). */
  offset?: number;
}

/** Which sessions the lobby subscription pushes. */
export type LobbyOptions = Omit<ListSessionsOptions, 'offset'>;

/** The lobby's current list (Fusion's OnSessionListUpdated): the whole list, never a diff. */
export interface SessionListUpdatedEvent {
  sessions: SessionInfo[];
  /** More sessions match than the list holds (the cloud's list caps). */
  more: boolean;
}

/** The server changed the session's properties, open or visible; `runner.session` already shows it. */
export interface SessionPropertiesChangedEvent {
  /** The changed keys (null: deleted). */
  changed: Properties;
  /** The actor that changed them (the server's). */
  actor: number;
  session: SessionInfo;
}

/** Compare-and-set for `setSessionProperties`. */
export interface SetSessionPropertiesOptions {
  /** Applies only if each key has this value now (null: absent); else PROPERTIES_MISMATCH. */
  expected?: Properties;
  /** Also send the change to the game's backend as a `session.propertiesChanged` webhook (Photon's HttpForward). */
  forward?: boolean;
}

/**
 * Sessions and lobby on the runner (Fusion's SessionInfo, SessionLobby, OnSessionListUpdated).
 * The lobby uses a signaling connection of its own, opened on first use and closed by
 * `leaveLobby()` or shutdown, so it works before `startGame` and beside a running game.
 */
export interface SessionsAndLobby {
  /** The session this runner is in, kept current from the cloud's events; undefined before the join. */
  readonly session: SessionInfo | undefined;
  /** One lobby page: open, visible sessions of this app id and version. Rejects with a coded error. */
  listSessions(options?: ListSessionsOptions): Promise<SessionInfo[]>;
  /**
   * Subscribes to the lobby: resolves with the first list, and `sessionListUpdated` brings the
   * whole list again (first list included) whenever something lobby-visible changes, at most a
   * few times per second. Joining again replaces the filter and limit.
   */
  joinLobby(options?: LobbyOptions): Promise<SessionInfo[]>;
  /** Ends the subscription and closes the lobby's connection. */
  leaveLobby(): Promise<void>;
  /**
   * Server: changes session properties (null deletes a key; every key is lobby-visible), with
   * `expected` as a compare-and-set. Rejects with PROPERTIES_MISMATCH, NOT_ALLOWED (not the
   * server), LIMIT_EXCEEDED (too large), NOT_IN_SESSION.
   */
  setSessionProperties(properties: Properties, options?: SetSessionPropertiesOptions): Promise<void>;
  /** Server: whether new players may join. */
  setSessionOpen(open: boolean): Promise<void>;
  /** Server: whether the session is listed in the lobby and found by random joins. */
  setSessionVisible(visible: boolean): Promise<void>;
  /**
   * WebRPC (Photon's OpWebRpc): the cloud calls the game's backend at `path` (or an in-process
   * handler, or the session's plugin) for this player and returns its answer; any `resultCode`
   * is the app's business and resolves. In or out of a session (before `startGame` it uses the
   * lobby's connection). Rejects with RPC_NOT_FOUND, EXTERNAL_HTTP_FAILED, HTTP_LIMIT_REACHED.
   */
  rpc(path: string, params?: JsonValue, options?: RpcOptions): Promise<RpcAnswer>;
}

/** A WebRPC's options. */
export interface RpcOptions {
  /** Ask the cloud to forward this player's auth cookie (only if the app allows it). */
  sendAuthCookie?: boolean;
}

/** A WebRPC's answer, as the backend gave it. */
export interface RpcAnswer {
  resultCode: number;
  message?: string;
  data?: JsonValue;
}
