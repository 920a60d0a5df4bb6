// Events (service → peer): pushed without an id when something happens in the session.
import type { EventType } from './codes.js';
import type { JsonValue } from '../../core/index.js';
import type { KickedReason, LobbySession, NatType, PeerInfo, PeerLeftReason, PeerMode, Properties, SessionCloseReason, SessionInfo, WireEndpoint } from './values.js';
import type { ErrorMessage, ResponseMessage } from './replies.js';

/** A relay allocation for this peer: bind to `endpoint` with `ticket` before `expiresAtMs`. */
export interface RelayGrant {
  endpoint: WireEndpoint;
  /** Opaque; the relay verifies it (HMAC over session id, actor and expiry). */
  ticket: Uint8Array;
  /** Wall-clock expiry, ms since the Unix epoch. */
  expiresAtMs: number;
  /**
   * The same relay over WebSocket (`ws://` or `wss://`, docs/protocols.md): one binary message per
   * relay frame, for networks that drop UDP. Absent when the relay serves none; older SDKs ignore it.
   */
  wsUrl?: string;
}

/** Start the runner (creation and joining step 6, docs/connection-process.md): gather addresses, ask STUN, then report addresses. */
export interface StartEvent {
  type: typeof EventType.START;
  session: SessionInfo;
  actor: number;
  peerId: string;
  mode: PeerMode;
  /** STUN servers to send the Binding request to (creation and joining step 9). */
  stunServers: WireEndpoint[];
  /** Absent when the service runs without a relay. */
  relay?: RelayGrant;
}

/** A peer entered (or re-entered, `rejoined`) the session. */
export interface PeerJoinedEvent {
  type: typeof EventType.PEER_JOINED;
  peer: PeerInfo;
  rejoined: boolean;
}

/**
 * The other side's addresses (connection steps 1–2): a client receives the server's, the
 * server receives each client's. Both sides of a pair get the same 32-byte `pairSecret`, from
 * which they derive the keys that seal their peer packets (docs/protocols.md); it never travels on
 * UDP. A later event for the same peer adds addresses (a rejoin brings a new secret).
 */
export interface PeerAddressesEvent {
  type: typeof EventType.PEER_ADDRESSES;
  peerId: string;
  actor: number;
  mode: PeerMode;
  local: WireEndpoint[];
  reflexive?: WireEndpoint;
  natType?: NatType;
  pairSecret: Uint8Array;
  /** To the server, about a client that joined with one: the client's connection token (at most PROTOCOL_MAX_CONNECTION_TOKEN_BYTES). */
  connectionToken?: Uint8Array;
}

/** A peer dropped without leaving; it may rejoin until `expiresInMs` passes. */
export interface PeerInactiveEvent {
  type: typeof EventType.PEER_INACTIVE;
  peerId: string;
  actor: number;
  expiresInMs: number;
}

/** A peer is no longer in the session. */
export interface PeerLeftEvent {
  type: typeof EventType.PEER_LEFT;
  peerId: string;
  actor: number;
  reason: PeerLeftReason;
}

/** Session properties changed (only the changed keys; `null` = deleted). */
export interface PropertiesChangedEvent {
  type: typeof EventType.PROPERTIES_CHANGED;
  /** Who changed them. */
  actor: number;
  properties: Properties;
  lobbyKeys: string[];
  open: boolean;
  visible: boolean;
}

/** The session closed; the receiving peer is no longer in it. */
export interface SessionClosedEvent {
  type: typeof EventType.SESSION_CLOSED;
  sessionId: string;
  reason: SessionCloseReason;
}

/**
 * A fresh relay ticket for the grant of the start event, sent before the current one expires
 * (session service, at half the ticket's lifetime), so a rebind hours later still binds. Same
 * relay endpoint; the ticket replaces the current one for the next (re)bind. An SDK that does
 * not know this event drops the frame (unknown message type) and keeps its current ticket.
 */
export interface RelayTicketEvent {
  type: typeof EventType.RELAY_TICKET;
  ticket: Uint8Array;
  /** Wall-clock expiry, ms since the Unix epoch. */
  expiresAtMs: number;
}

/**
 * The session's server removed this peer: it is no longer in the session and cannot rejoin
 * (an SDK without this event hears nothing; its server's goodbye ends the pair).
 */
export interface KickedEvent {
  type: typeof EventType.KICKED;
  sessionId: string;
  reason: KickedReason;
  /** The server's words, at most PROTOCOL_MAX_KICK_MESSAGE_CHARS (may be empty). */
  message: string;
}

/**
 * The lobby list of a subscribed connection ({@link LobbySubscribeRequest}), pushed after a
 * lobby-visible change: the whole current list (filter and limit of the subscription, capped in
 * count and bytes like a LIST reply), never a diff. An SDK that does not know it drops the frame.
 */
export interface LobbyUpdateEvent {
  type: typeof EventType.LOBBY_UPDATE;
  sessions: LobbySession[];
  /** True when more sessions match than the list holds. */
  more?: boolean;
}

/**
 * An event the session's plugin sent (Photon's BroadcastEvent from the room, sender actor 0): a
 * game-defined `code` and JSON `data`. Sent only to peers that announced `plugin-events`.
 */
export interface PluginEvent {
  type: typeof EventType.PLUGIN_EVENT;
  /** 0–199, the plugin's own event code. */
  code: number;
  /** At most PROTOCOL_MAX_PLUGIN_EVENT_BYTES when encoded. */
  data?: JsonValue;
  /** Always 0: the session itself, not a member. */
  from: 0;
}

/**
 * A webhook of the session failed (Photon's ErrorInfo, with the app's `webhooks.errorInfo`):
 * which hook, and why. Sent only to peers that announced `webhook-errors`.
 */
export interface HookErrorEvent {
  type: typeof EventType.HOOK_ERROR;
  /** The webhook type, e.g. `peer.beforeJoin` (at most PROTOCOL_MAX_ERROR_REASON_CHARS). */
  hook: string;
  /** At most PROTOCOL_MAX_HOOK_ERROR_MESSAGE_CHARS. */
  message: string;
}

/** Why a session moved to another relay: its relay stopped reporting, or is being drained. */
export type RelayChangeReason = 'failover' | 'drain';
export const RELAY_CHANGE_REASONS: readonly RelayChangeReason[] = ['failover', 'drain'];

/**
 * The session moved to another relay: a grant for it (endpoint, this peer's ticket, optional
 * WebSocket URL), which replaces the start's. The SDK binds there; direct paths are untouched.
 * Sent only to peers that announced `relay-changed` (an older SDK keeps its relay until it fails).
 */
export interface RelayChangedEvent {
  type: typeof EventType.RELAY_CHANGED;
  relay: RelayGrant;
  reason: RelayChangeReason;
}

export type Event =
  | StartEvent
  | PeerJoinedEvent
  | PeerAddressesEvent
  | PeerInactiveEvent
  | PeerLeftEvent
  | PropertiesChangedEvent
  | SessionClosedEvent
  | RelayTicketEvent
  | KickedEvent
  | LobbyUpdateEvent
  | PluginEvent
  | HookErrorEvent
  | RelayChangedEvent;

/** Anything the service sends. */
export type ServerMessage = ResponseMessage | ErrorMessage | Event;
