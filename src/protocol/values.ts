// The values messages carry: endpoints, properties, peer modes, NAT types, reasons, session views.
import { NAT_AXES, REPORTED_NAT_TYPES, type NatAxis, type ReportedNatType } from '../../core/index.js';

/** A UDP endpoint on the wire. `address` is an IPv4 or IPv6 literal. */
export interface WireEndpoint {
  address: string;
  /** 1–65535. */
  port: number;
}

/** A property value: msgpack scalars only, so filters compare by value. */
export type PropertyValue = string | number | boolean | null;

/** Custom session properties: string keys, scalar values. */
export type Properties = Record<string, PropertyValue>;

/** Whether a peer hosts the session (`server`, one per session) or plays in it (`client`). */
export type PeerMode = 'server' | 'client';
export const PEER_MODES: readonly PeerMode[] = ['server', 'client'];

/**
 * NAT behaviour a peer discovered (RFC 3489 names; `open` = no NAT). Informational: the service
 * forwards it to the other side and counts it; the connection process works without it.
 */
export type NatType = ReportedNatType;
export const NAT_TYPES: readonly NatType[] = REPORTED_NAT_TYPES;
/** What a peer measured of one NAT axis (mapping or filtering); core/nat.ts defines the values. */
export type NatAxisValue = NatAxis;
export const NAT_AXIS_VALUES: readonly NatAxisValue[] = NAT_AXES;

/** The path a client connected by. */
export type ConnectPath = 'direct' | 'relay';
export const CONNECT_PATHS: readonly ConnectPath[] = ['direct', 'relay'];

/** Why a connected pair's path changed (the SDK's pathChanged): relay → direct, direct → relay, a new address, a better one. */
export type PathChangeReason = 'upgrade' | 'fallback' | 'roamed' | 'better';
export const PATH_CHANGE_REASONS: readonly PathChangeReason[] = ['upgrade', 'fallback', 'roamed', 'better'];

/** Why a session closed. */
export type SessionCloseReason =
  /** The server peer sent a leave request. */
  | 'serverLeft'
  /** The server peer dropped and did not rejoin within the player TTL. */
  | 'serverDropped'
  /** No active peer for the empty-session TTL. */
  | 'empty'
  /** The service is shutting down. */
  | 'shutdown'
  /** The session's plugin closed it (a peer without `plugin-events` is told `serverLeft`). */
  | 'plugin';
export const SESSION_CLOSE_REASONS: readonly SessionCloseReason[] = ['serverLeft', 'serverDropped', 'empty', 'shutdown', 'plugin'];

/** Why a peer left a session. */
export type PeerLeftReason =
  /** It sent a leave request. */
  | 'left'
  /** It dropped and its player TTL ran out (or the TTL was 0). */
  | 'timeout'
  /** The session's server removed it (a KICK request). */
  | 'kicked'
  /** The session's server refused its connect request (a KICK with reason `connectRefused`). */
  | 'connectRefused';
export const PEER_LEFT_REASONS: readonly PeerLeftReason[] = ['left', 'timeout', 'kicked', 'connectRefused'];

/** Why the server removed a member: a kick, or a refused connect request (its connection token). */
export type KickReason = 'kicked' | 'connectRefused';
export const KICK_REASONS: readonly KickReason[] = ['kicked', 'connectRefused'];

/** Why a peer was removed, as KICKED tells it: a kick, a refused connect request, or the session's plugin (`plugin`, only to peers that announced `plugin-events`). */
export type KickedReason = KickReason | 'plugin';
export const KICKED_REASONS: readonly KickedReason[] = [...KICK_REASONS, 'plugin'];

/** A member of a session as other members see it. */
export interface PeerInfo {
  /** Starts at 1 for the creator; never reused within a session. */
  actor: number;
  /** Opaque id of this member, stable across rejoin; names the peer in events. */
  peerId: string;
  mode: PeerMode;
  /** False while the peer is inactive (dropped, within its player TTL). */
  active: boolean;
  /** The NAT type the peer reported, once it has (absent: not reported). */
  natType?: NatType;
  /** The member's authenticated user id: only in sessions created with `publishUserId`. */
  userId?: string;
}

/** What a member knows about its session. */
export interface SessionInfo {
  /** Unique, URL-safe; names the session to the relay and in rejoin. */
  sessionId: string;
  /** Unique within the app id and version. */
  name: string;
  /** Maximum number of peers (server included), active and inactive. */
  maxPlayers: number;
  /** Whether new peers may join. */
  open: boolean;
  /** Whether the session appears in the lobby and in random joins. */
  visible: boolean;
  /** All custom properties. */
  properties: Properties;
  /** Keys of `properties` shown in the lobby and matched by random-join filters. */
  lobbyKeys: string[];
  /** How long a dropped peer stays inactive (may rejoin) before it is removed, in ms. */
  playerTtlMs: number;
  /** How long the session lives with no active peer, in ms. */
  emptySessionTtlMs: number;
  /** Current members, active and inactive. */
  peers: PeerInfo[];
  /** The session's plugin, by name; absent: it has none (or a service before it). A host's RESTORE names it again. */
  plugin?: string;
  /** The session's CreateOptions.publishUserId (absent from services before it): a host's RESTORE sends it again. */
  publishUserId?: boolean;
  /** The session's CreateOptions.checkUserOnJoin (absent from services before it): a host's RESTORE sends it again. */
  checkUserOnJoin?: boolean;
}

/** A session as the lobby lists it (open and visible, or it would not be listed). */
export interface LobbySession {
  name: string;
  /** The session's id (absent from services before it). */
  sessionId?: string;
  /** Members (active and inactive), server included. */
  players: number;
  maxPlayers: number;
  /** Only the lobby-visible properties. */
  properties: Properties;
}
