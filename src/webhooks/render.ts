// A numbered notification as the backend receives it: the native envelope, Photon's v1.2 webhook
// fields (`photon-v1.2`), or those on PlayFab-style paths (`playfab`). Pure, golden-tested
// (docs/webhooks.md, "Payloads").
import type { Member, Session } from '../session/model.js';
import { DEFAULT_WEBHOOK_PATHS, type NotificationType } from './constants.js';
import { PHOTON_LEAVE, type Notification } from './notifications.js';
import type { WebhooksConfig } from './types.js';

/** A notification with what the dispatcher gave it: its id, its place in the session, its commit time. */
export interface NumberedNotification extends Notification {
  readonly id: string;
  readonly seq: number;
  /** Wall-clock ms of the commit. */
  readonly time: number;
}

/** Where the service is, as the backend sees it. */
export interface RenderContext {
  readonly region: string;
  readonly node: string;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The session's app id and version (its partition key holds both). */
export function appOf(session: Pick<Session, 'appKey'>): { appId: string; appVersion: string } {
  const [appId = '', appVersion = ''] = session.appKey.split('\u0000');
  return { appId, appVersion };
}

const lobbyProperties = (session: Session): Record<string, Json> => {
  const out: Record<string, Json> = {};
  for (const key of session.lobbyKeys) if (Object.hasOwn(session.properties, key)) out[key] = session.properties[key] as Json;
  return out;
};

const cookieOf = (member: Member | undefined): Json | undefined => {
  if (member?.authCookie === undefined) return undefined;
  try {
    return JSON.parse(member.authCookie) as Json;
  } catch {
    return undefined;
  }
};

/** The native envelope: one shape for every type, `data` per type. */
export function renderNative(event: NumberedNotification, context: RenderContext, config: Pick<WebhooksConfig, 'sendAuthCookie'>): Record<string, Json> {
  const { session, member, data } = event;
  const created = data.kind === 'created';
  const body: Record<string, Json> = {
    type: event.type,
    id: event.id,
    time: new Date(event.time).toISOString(),
    ...appOf(session),
    region: context.region,
    node: context.node,
    session: {
      id: session.sessionId,
      name: session.name,
      seq: event.seq,
      players: session.members.length,
      maxPlayers: session.maxPlayers,
      properties: created ? ({ ...session.properties } as Record<string, Json>) : lobbyProperties(session),
    },
  };
  if (member) {
    body.peer = {
      actor: member.actor,
      peerId: member.peerId,
      mode: member.mode,
      ...(member.userId === undefined ? {} : { userId: member.userId }),
      ...(member.nickname === undefined ? {} : { nickname: member.nickname }),
    };
  }
  body.data = nativeData(event);
  const cookie = config.sendAuthCookie ? cookieOf(member) : undefined;
  if (cookie !== undefined) body.authCookie = cookie;
  return body;
}

function nativeData(event: NumberedNotification): Record<string, Json> {
  const { data, session, member } = event;
  switch (data.kind) {
    case 'created':
      return {
        maxPlayers: session.maxPlayers,
        playerTtlMs: session.playerTtlMs,
        emptySessionTtlMs: session.emptySessionTtlMs,
        open: session.open,
        visible: session.visible,
        lobbyKeys: [...session.lobbyKeys],
        publishUserId: session.publishUserId ?? false,
        checkUserOnJoin: session.checkUserOnJoin ?? false,
      };
    case 'joined':
      return { rejoined: data.rejoined };
    case 'connected': {
      const server = session.members.find((m) => m.mode === 'server');
      return {
        path: data.path,
        ms: data.ms,
        ...(member?.addresses?.natType ? { natType: member.addresses.natType } : {}),
        ...(server?.addresses?.natType ? { serverNatType: server.addresses.natType } : {}),
      };
    }
    case 'properties':
      return { properties: { ...(data.properties as Record<string, Json>) }, open: data.open, visible: data.visible };
    case 'left':
      return { reason: data.reason, isInactive: data.isInactive, photon: { type: PHOTON_LEAVE[data.reason].type, reason: PHOTON_LEAVE[data.reason].reason } };
    case 'closed':
      return { reason: data.reason, actorCount: data.actorCount };
  }
}

/**
 * Photon Realtime's webhook v1.2 body for the same event, field for field as Photon sends it
 * (NickName, not v1.1's Username; `Reason` a string; no ActorNr on Close; never `State`).
 * peer.connected has no Photon counterpart: Type "Connected" with Path and Ms (ours).
 */
export function renderPhoton(event: NumberedNotification, context: RenderContext): Record<string, Json> {
  const { session, member, data } = event;
  const { appId, appVersion } = appOf(session);
  const who = (): Record<string, Json> => ({ UserId: member?.userId ?? '', NickName: member?.nickname ?? '' });
  const head = { AppVersion: appVersion, AppId: appId };
  switch (data.kind) {
    case 'created':
      return {
        ActorNr: member?.actor ?? 1,
        ...head,
        CreateOptions: {
          MaxPlayers: session.maxPlayers,
          LobbyId: null,
          LobbyType: 0,
          CustomProperties: { ...session.properties } as Record<string, Json>,
          EmptyRoomTTL: session.emptySessionTtlMs,
          PlayerTTL: session.playerTtlMs,
          CheckUserOnJoin: session.checkUserOnJoin ?? false,
          DeleteCacheOnLeave: true,
          SuppressRoomEvents: false,
          PublishUserId: session.publishUserId ?? false,
          ExpectedUsers: null,
        },
        GameId: session.name,
        Region: context.region,
        Type: 'Create',
        ...who(),
      };
    case 'joined':
      return { ActorNr: member?.actor ?? 0, ...head, GameId: session.name, Region: context.region, Type: 'Join', ...who() };
    case 'connected':
      return { ActorNr: member?.actor ?? 0, ...head, GameId: session.name, Path: data.path, Ms: data.ms, Region: context.region, Type: 'Connected', ...who() };
    case 'properties':
      return {
        ActorNr: member?.actor ?? 0,
        ...head,
        Properties: { ...(data.properties as Record<string, Json>) },
        GameId: session.name,
        Region: context.region,
        Type: 'Game',
        ...who(),
      };
    case 'left': {
      const photon = PHOTON_LEAVE[data.reason];
      return {
        ActorNr: member?.actor ?? 0,
        ...head,
        GameId: session.name,
        IsInactive: data.isInactive,
        Reason: String(photon.reason),
        Region: context.region,
        Type: photon.type,
        ...who(),
      };
    }
    case 'closed':
      return { ActorCount: data.actorCount, ...head, GameId: session.name, Region: context.region, Type: 'Close' };
  }
}

/** The body bytes for the app's format. */
export function renderBody(event: NumberedNotification, context: RenderContext, config: Pick<WebhooksConfig, 'format' | 'sendAuthCookie'>): Uint8Array {
  const body = (config.format ?? 'native') === 'native' ? renderNative(event, context, config) : renderPhoton(event, context);
  return new TextEncoder().encode(JSON.stringify(body));
}

/** The path of `type` (configured, else default; false: not sent); `playfab` puts '_' for '/'. */
export function pathOf(type: NotificationType, config: Pick<WebhooksConfig, 'paths' | 'format'>): string | undefined {
  const configured = config.paths?.[type];
  if (configured === false) return undefined;
  const path = (configured ?? DEFAULT_WEBHOOK_PATHS[type]).replace(/^\/+/, '');
  return config.format === 'playfab' ? path.replace(/\//g, '_') : path;
}

/** The URL of `type` for an app: base URL (tags filled in, URL-encoded) + '/' + path, the base's query kept. */
export function urlOf(type: NotificationType, config: Pick<WebhooksConfig, 'baseUrl' | 'paths' | 'format'>, tags: Readonly<Record<'AppId' | 'AppVersion' | 'Region', string>>): string | undefined {
  const path = pathOf(type, config);
  if (path === undefined) return undefined;
  const expanded = config.baseUrl.replace(/\{(AppId|AppVersion|Region)\}/g, (_whole, name: 'AppId' | 'AppVersion' | 'Region') => encodeURIComponent(tags[name]));
  const base = new URL(expanded);
  const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  const target = new URL(`${prefix}${path}`, base.origin);
  target.search = base.search;
  return target.href;
}
