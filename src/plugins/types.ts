// The session plugin API (docs/plugins.md): what an operator's code implements and is given.
import type { Clock, JsonValue, Logger, TimerHandle } from '../../core/index.js';
import type { ConnectPath, NatType, PeerMode, Properties, SessionCloseReason, WireEndpoint } from '../protocol/index.js';

export type Awaitable<T> = T | Promise<T>;
export type { JsonValue };

/** Photon's IPluginFactory: one per app; creates one plugin per session, by the name its creator asks for. */
export interface PluginFactory {
  /** The names this factory creates; a session asking for another gets PLUGIN_MISMATCH. */
  readonly names: readonly string[];
  create(name: string, host: PluginHost, config: Readonly<Record<string, string>>): Awaitable<SessionPlugin>;
}

/** A member as a plugin sees it (never its rejoin token, pair secret or connection token). */
export interface PeerView {
  readonly actor: number;
  readonly peerId: string;
  readonly mode: PeerMode;
  readonly active: boolean;
  readonly userId?: string;
  readonly natType?: NatType;
}

/** What a plugin sees of its session: a frozen snapshot. */
export interface SessionView {
  readonly sessionId: string;
  readonly name: string;
  readonly appId: string;
  readonly appVersion: string;
  readonly createdAt: number;
  readonly maxPlayers: number;
  readonly open: boolean;
  readonly visible: boolean;
  readonly properties: Readonly<Properties>;
  readonly lobbyKeys: readonly string[];
  readonly playerTtlMs: number;
  readonly emptySessionTtlMs: number;
  /** The plugin's state (host.state) as stored with the session. */
  readonly state?: JsonValue;
  readonly peers: readonly PeerView[];
}

/** The peer a call is about. */
export interface PeerContext {
  /** Absent before admission (beforeJoin of a new peer, onCreate's creator). */
  readonly actor?: number;
  readonly peerId?: string;
  readonly mode: PeerMode;
  /** Who authentication said the peer is ('' when the app has none). */
  readonly userId: string;
  /** The auth provider's nickname for the peer (docs/auth.md). */
  readonly nickname?: string;
  /** The auth provider's AuthCookie: server-side only, never sent to any peer (docs/auth.md). */
  readonly authCookie?: JsonValue;
  /** The peer's address, when the call comes from its own request. */
  readonly remoteAddress?: string;
}

export interface CallBase {
  /** The session when the call started (frozen). */
  readonly session: SessionView;
  /** Clock ms (host.clock) by which the call must settle. */
  readonly deadline: number;
  /** Aborts at the deadline, or when the requesting peer disconnects. */
  readonly signal: AbortSignal;
  /**
   * Photon's ICallInfo.Fail: refuses the operation with PLUGIN_REPORTED_ERROR (32752). `reason`
   * is the plugin's own code (≤ 64 characters, sent as `detail.reason`), `message` ≤ 256.
   */
  fail(reason: string, message?: string): never;
}

/** Settings of the session being created, as its creator asked (resolved against the service's defaults). */
export interface CreateSettings {
  readonly maxPlayers: number;
  readonly open: boolean;
  readonly visible: boolean;
  readonly properties: Readonly<Properties>;
  readonly lobbyKeys: readonly string[];
  readonly playerTtlMs: number;
  readonly emptySessionTtlMs: number;
}

export interface CreateCall extends CallBase {
  readonly peer: PeerContext;
  readonly options: CreateSettings;
  /** The session's name (its id when the creator gave none). */
  readonly name: string;
}

/** What onCreate may change; checked against the service's limits again (LIMIT_EXCEEDED). */
export interface CreateOverrides {
  maxPlayers?: number;
  open?: boolean;
  visible?: boolean;
  properties?: Properties;
  lobbyKeys?: string[];
  playerTtlMs?: number;
  emptySessionTtlMs?: number;
  /** The plugin's initial state (≤ 16 KiB of JSON). */
  state?: JsonValue;
}

/** The creator gets onCreate, not beforeJoin (as in Photon). */
export interface JoinCall extends CallBase {
  readonly peer: PeerContext;
  readonly kind: 'join' | 'random' | 'rejoin';
}

export interface SetPropertiesChange {
  properties?: Properties;
  lobbyKeys?: string[];
  open?: boolean;
  visible?: boolean;
}

export interface SetPropertiesCall extends CallBase {
  readonly peer: PeerContext;
  readonly request: Readonly<SetPropertiesChange>;
}

/** Replaces the fields it names of the request (the request's `expected` stays). */
export type PropertiesRewrite = SetPropertiesChange;

/**
 * Why a member left (Photon's LeaveReason): `left` LeaveRequest (101), `clientDisconnect`
 * ClientDisconnect (0), `playerTtlTimedOut` PlayerTtlTimedOut (102), `pluginRequest`
 * PluginRequest (104); `kicked` and `connectRefused` are the server's KICK (Photon has none).
 */
export type LeaveReason = 'left' | 'clientDisconnect' | 'playerTtlTimedOut' | 'kicked' | 'connectRefused' | 'pluginRequest';

export interface LeaveCall extends CallBase {
  readonly peer: PeerContext;
  readonly reason: LeaveReason;
  /** The member stays, inactive, for its player TTL (it may rejoin; another onLeave follows if it does not). */
  readonly isInactive: boolean;
}

export interface JoinedCall extends CallBase {
  readonly peer: PeerContext;
  readonly rejoined: boolean;
}

export interface PropertiesSetCall extends CallBase {
  readonly peer: PeerContext;
  /** The changed keys (null: deleted), and open/visible after the change. */
  readonly properties: Readonly<Properties>;
  readonly open: boolean;
  readonly visible: boolean;
}

export interface AddressesCall extends CallBase {
  readonly peer: PeerContext;
  readonly reflexive?: WireEndpoint;
  readonly natType?: NatType;
}

export interface ConnectedCall extends CallBase {
  readonly peer: PeerContext;
  readonly path: ConnectPath;
  readonly ms: number;
}

/** A member's WebRPC (RPC request) asked of the session's plugin before the app's HTTP backend. */
export interface RpcCall extends CallBase {
  readonly peer: PeerContext;
  readonly path: string;
  readonly params?: JsonValue;
}

/** A WebRPC answer (Photon's ResultCode, Message, Data). */
export interface RpcAnswer {
  resultCode: number;
  message?: string;
  data?: JsonValue;
}

export interface CloseCall extends CallBase {
  readonly reason: SessionCloseReason;
}
export type ClosedCall = CloseCall;

/**
 * One plugin instance: it serves one session. Every callback is optional (absent = continue);
 * one runs at a time per session, each within its deadline (docs/plugins.md, "Semantics").
 */
export interface SessionPlugin {
  /** Must equal the name asked for, else PLUGIN_MISMATCH. */
  readonly name: string;
  readonly version?: string;
  // Gates: settle to continue; `call.fail` or a throw refuses; the typed strings cancel or skip.
  /** OnCreateGame: may return overrides of the session's settings. */
  onCreate?(call: CreateCall): Awaitable<void | CreateOverrides>;
  /** BeforeJoin (join, random join, rejoin): 'skip' moves a random join to its next candidate. */
  beforeJoin?(call: JoinCall): Awaitable<void | 'skip'>;
  /** BeforeSetProperties: 'cancel' drops the change (the server gets an empty success), or a rewrite. */
  beforeSetProperties?(call: SetPropertiesCall): Awaitable<void | 'cancel' | PropertiesRewrite>;
  /** BeforeCloseGame: the last look at the session; cannot veto. */
  beforeClose?(call: CloseCall): Awaitable<void>;
  /** A member's WebRPC: an answer, or undefined to pass it on to the app's in-process handlers' fallback, its HTTP backend. */
  onRpc?(call: RpcCall): Awaitable<RpcAnswer | undefined>;
  // Notifications: after the change is stored; cannot veto.
  /** OnJoin: the joiner already has its reply and start, so host.sendEvent reaches it. */
  onJoin?(call: JoinedCall): Awaitable<void>;
  onAddresses?(call: AddressesCall): Awaitable<void>;
  onPeerConnected?(call: ConnectedCall): Awaitable<void>;
  onSetProperties?(call: PropertiesSetCall): Awaitable<void>;
  onLeave?(call: LeaveCall): Awaitable<void>;
  /** OnCloseGame: the last callback; the plugin's timers are already cleared. */
  onClose?(call: ClosedCall): Awaitable<void>;
}

/** A timer of the plugin host. */
export type PluginTimer = TimerHandle;

/** Who a plugin event goes to: every active member, all but one, or these actors. */
export type EventTarget = 'all' | readonly number[];

/** An HTTP call to the game's backend through the egress client (its address and size rules). */
export interface PluginHttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  json?: JsonValue;
  /** Default and cap: the deadlines of docs/plugins.md. */
  timeoutMs?: number;
}
export interface PluginHttpResponse {
  status: number;
  text(): string;
  /** The body parsed as JSON (bounded); undefined when it is not JSON. */
  json(): JsonValue | undefined;
}
export interface PluginHttp {
  /** Rejects with EXTERNAL_HTTP_FAILED on a refused address, transport failure or timeout. */
  request(request: PluginHttpRequest): Promise<PluginHttpResponse>;
}

/** What a plugin may do in its session (Photon's IPluginHost). Actions are bounded per session. */
export interface PluginHost {
  readonly appId: string;
  readonly appVersion: string;
  readonly sessionId: string;
  /** A child logger with the session id. */
  readonly logger: Logger;
  readonly clock: Clock;
  readonly http: PluginHttp;
  /** The session as last stored. */
  session(): SessionView;
  /** PLUGIN_EVENT `{ code, data, from: 0 }` to members (0–199; data ≤ 8 KiB encoded); `except` skips one actor. */
  sendEvent(to: EventTarget, code: number, data?: JsonValue, except?: number): void;
  /** Photon's SetProperties with `expected` (compare-and-set: PROPERTIES_MISMATCH when a value differs). */
  setProperties(change: SetPropertiesChange, options?: { expected?: Properties }): Promise<void>;
  /** Removes a member: it gets KICKED with reason `plugin` and `message`, the others PEER_LEFT. */
  removePeer(actor: number, reason: string, message?: string): Promise<void>;
  /** Closes the session: everyone gets SESSION_CLOSED with reason `plugin`. */
  closeSession(reason: string): Promise<void>;
  /** Runs `fn` on the session's executor after `ms` (at most 32 timers per session; all cleared at close). */
  setTimeout(fn: () => Awaitable<void>, ms: number): PluginTimer;
  setInterval(fn: () => Awaitable<void>, ms: number): PluginTimer;
  clearTimer(timer: PluginTimer): void;
  /** JSON (≤ 16 KiB encoded) stored with the session. */
  readonly state: { get(): JsonValue | undefined; set(value: JsonValue): Promise<void> };
}

/** An app's plugins. */
export interface PluginsConfig {
  factory: PluginFactory;
  /** The plugin of a session whose creator names none. Default: none. */
  defaultPlugin?: string;
  /** Refuse a create that names no plugin when there is no default. Default false. */
  required?: boolean;
  /** Photon's per-plugin key/values, handed to the factory. */
  config?: Record<string, string>;
  /** Per-call deadlines, ms: gates (default 3,000, at most 4,000), notifications and timers (5,000). */
  deadlines?: { gateMs?: number; notificationMs?: number; timerMs?: number };
}
