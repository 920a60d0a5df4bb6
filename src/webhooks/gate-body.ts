// The body of a webhook gate call: the native envelope (docs/webhooks.md, "Requests") or
// Photon v1.2's field names (format 'photon-v1.2' / 'playfab'). Pure.
import type { JsonValue } from '../../core/index.js';
import type { Properties } from '../protocol/index.js';

export type GateType = 'session.beforeCreate' | 'peer.beforeJoin';

/** What a gate call says: the event, the session as it is (or will be), the peer asking. */
export interface GateEvent {
  type: GateType;
  /** Stable across the attempt and its retry (the signature's webhook-id). */
  id: string;
  /** Wall-clock ms of the request. */
  time: number;
  appId: string;
  appVersion: string;
  region: string;
  session: {
    id: string;
    name: string;
    players: number;
    maxPlayers: number;
    open: boolean;
    visible: boolean;
    playerTtlMs: number;
    emptySessionTtlMs: number;
    /** All of them for beforeCreate; the lobby-visible ones for beforeJoin (spec §5.5). */
    properties: Properties;
    lobbyKeys: readonly string[];
    publishUserId?: boolean;
    checkUserOnJoin?: boolean;
  };
  peer: { userId: string; nickname?: string; mode: 'server' | 'client'; actor?: number };
  /** How a peer joins (beforeJoin only). */
  kind?: 'join' | 'random' | 'rejoin';
  /** Only with `sendAuthCookie`. */
  authCookie?: JsonValue;
}

/** The native envelope. */
export function nativeGateBody(event: GateEvent): Record<string, JsonValue> {
  const { session, peer } = event;
  return {
    type: event.type,
    id: event.id,
    time: new Date(event.time).toISOString(),
    appId: event.appId,
    appVersion: event.appVersion,
    region: event.region,
    session: {
      id: session.id,
      name: session.name,
      players: session.players,
      maxPlayers: session.maxPlayers,
      open: session.open,
      visible: session.visible,
      playerTtlMs: session.playerTtlMs,
      emptySessionTtlMs: session.emptySessionTtlMs,
      properties: { ...session.properties },
      lobbyKeys: [...session.lobbyKeys],
    },
    peer: {
      ...(peer.actor === undefined ? {} : { actor: peer.actor }),
      mode: peer.mode,
      userId: peer.userId,
      ...(peer.nickname === undefined ? {} : { nickname: peer.nickname }),
    },
    ...(event.kind === undefined ? {} : { data: { kind: event.kind } }),
    ...(event.authCookie === undefined ? {} : { authCookie: event.authCookie }),
  };
}

/**
 * Photon v1.2's fields: BeforeJoin `{AppId, AppVersion, Region, GameId, Type: "BeforeJoin",
 * UserId, NickName}` (no ActorNr, as Photon); a create as PathCreate's `Type: "Create"`,
 * `ActorNr: 1` and CreateOptions — sent before the session exists, so a backend written for
 * Photon's IsPersistent create (whose failure fails the create) works unchanged.
 */
export function photonGateBody(event: GateEvent): Record<string, JsonValue> {
  const { session, peer } = event;
  const common: Record<string, JsonValue> = {
    AppId: event.appId,
    AppVersion: event.appVersion,
    Region: event.region,
    GameId: session.name,
    UserId: peer.userId,
    NickName: peer.nickname ?? '',
    ...(event.authCookie === undefined ? {} : { AuthCookie: event.authCookie }),
  };
  if (event.type === 'peer.beforeJoin') return { ...common, Type: 'BeforeJoin' };
  return {
    ...common,
    Type: 'Create',
    ActorNr: 1,
    CreateOptions: {
      MaxPlayers: session.maxPlayers,
      PlayerTTL: session.playerTtlMs,
      EmptyRoomTTL: session.emptySessionTtlMs,
      CustomProperties: { ...session.properties },
      LobbyProperties: [...session.lobbyKeys],
      IsOpen: session.open,
      IsVisible: session.visible,
      CheckUserOnJoin: session.checkUserOnJoin ?? false,
      PublishUserId: session.publishUserId ?? false,
    },
  };
}
