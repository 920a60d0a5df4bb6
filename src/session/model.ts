/**
 * The session model (Photon's room semantics): pure functions from a session's state and `now`
 * to its next state, the events to deliver to members, and the domain events that happened. No
 * I/O, no clock reads, no randomness (ids and tokens come in as arguments), so the store may
 * retry them and tests run them on a manual clock. Drops and deadlines are in expiry.ts.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ErrorCode, JsonValue } from '../../core/index.js';
import {
  EventType,
  type CreateOptions,
  type Event,
  type NatAxisValue,
  type NatType,
  type PeerInfo,
  type PeerLeftReason,
  type PeerMode,
  type Properties,
  type SessionCloseReason,
  type SetPropertiesRequest,
  type WireEndpoint,
} from '../protocol/index.js';
import type { SessionEvent } from './domain-events.js';

/** What a peer reported about where it can be reached (creation and joining step 11). */
export interface MemberAddresses {
  local: WireEndpoint[];
  reflexive?: WireEndpoint;
  natType?: NatType;
  /** What the peer's NAT discovery measured of each axis (fleet analytics); absent: not measured. */
  natMapping?: NatAxisValue;
  natFiltering?: NatAxisValue;
}

export interface Member {
  readonly actor: number;
  readonly peerId: string;
  readonly mode: PeerMode;
  readonly active: boolean;
  /** Secret a rejoin must present. */
  readonly rejoinToken: string;
  /** Clients only: the 32-byte secret both sides of this client–server pair receive. */
  readonly pairSecret: Uint8Array;
  /** Who the authenticate hook or the auth provider said this member is (sent to other peers only with publishUserId). */
  readonly userId?: string;
  /** The provider's nickname for this member. */
  readonly nickname?: string;
  /** The provider's AuthCookie, JSON text: for plugins and webhooks, never sent to any peer. */
  readonly authCookie?: string;
  /** While inactive: when the player TTL runs out (clock ms). */
  readonly inactiveUntil?: number;
  readonly addresses?: MemberAddresses;
  /** Clients only: the join's connection token, handed to the server with the addresses. */
  readonly connectionToken?: Uint8Array;
  /**
   * While detached: the member's socket is gone but it is still active to the others until this
   * deadline (clock ms, the reconnect grace); a rejoin before then resumes it unseen (reconnect.ts).
   */
  readonly detachedUntil?: number;
  /** Counts the connections this member entered on (0 for the first): a stale socket's drop is ignored. */
  readonly connection?: number;
  /** A restored client: SHA-256 of the restore token its rejoin must present (reconnect.ts). */
  readonly restoreProof?: string;
  /**
   * Cluster mode: the id of the service node holding this member's socket (where its events are
   * routed; placement.ts sets it on entry and rejoin). Undefined in the one-process default.
   */
  readonly node?: string;
}

export interface Session {
  readonly sessionId: string;
  /** The app partition: app id and app version (peers of different versions never meet). */
  readonly appKey: string;
  readonly name: string;
  readonly createdAt: number;
  readonly maxPlayers: number;
  readonly open: boolean;
  readonly visible: boolean;
  readonly properties: Readonly<Properties>;
  readonly lobbyKeys: readonly string[];
  readonly playerTtlMs: number;
  readonly emptySessionTtlMs: number;
  /** Ordered by actor. */
  readonly members: readonly Member[];
  /** Next actor number to hand out; actors never repeat within a session. */
  readonly nextActor: number;
  /** Since when no member has been active (clock ms); undefined while someone is. */
  readonly emptySince?: number;
  /** Members see each other's user ids (PeerInfo.userId). */
  readonly publishUserId?: boolean;
  /** A second active member with the same user id is refused (USER_ALREADY_JOINED). */
  readonly checkUserOnJoin?: boolean;
  /** The session's plugin, by name (src/plugins). */
  readonly plugin?: string;
  /** The plugin's state (host.state: JSON, bounded), stored with the session so it outlives a node. */
  readonly pluginState?: JsonValue;
  /**
   * The relay of the session's fleet every member binds at (chosen at create; moved only by
   * relay-move.ts). Undefined: the service's single relay, or none.
   */
  readonly relay?: { readonly id: string; /** When it last moved (clock ms). */ readonly movedAt?: number };
}

/** An event for one member of the session, by actor number. */
export interface Delivery {
  actor: number;
  event: Event;
}

/**
 * The outcome of a change: the next state (null = the session is gone), what to tell whom, and
 * what happened (domain events, in order; present even when nobody is left to tell).
 */
export interface Change<R = undefined> {
  next: Session | null;
  deliveries: Delivery[];
  events: SessionEvent[];
  result: R;
}

export type Outcome<R> = { ok: true; change: Change<R> } | { ok: false; code: ErrorCode; message: string };

/** Create options that stay optional in a session's settings (absent: off). */
type OptionalSettings = 'publishUserId' | 'checkUserOnJoin';

/** A session's settings: every create option, resolved against the service's defaults. */
export type SessionSettings = Required<Omit<CreateOptions, OptionalSettings | 'plugin'>> & Pick<CreateOptions, OptionalSettings>;

/** Identity of a peer entering a session (generated by the caller). */
export interface NewMember {
  mode: PeerMode;
  peerId: string;
  rejoinToken: string;
  pairSecret: Uint8Array;
  userId?: string;
  nickname?: string;
  authCookie?: string;
  connectionToken?: Uint8Array;
}

export function appKeyOf(appId: string, appVersion: string): string {
  return `${appId}\u0000${appVersion}`;
}

export function newSession(sessionId: string, appKey: string, name: string, settings: SessionSettings, now: number): Session {
  return {
    sessionId,
    appKey,
    name,
    createdAt: now,
    ...settings,
    properties: dropNulls(settings.properties),
    lobbyKeys: [...new Set(settings.lobbyKeys)],
    members: [],
    nextActor: 1,
    emptySince: now,
  };
}

export function memberOf(session: Session, actor: number): Member | undefined {
  return session.members.find((member) => member.actor === actor);
}

export function serverOf(session: Session): Member | undefined {
  return session.members.find((member) => member.mode === 'server');
}

export function fail(code: ErrorCode, message: string): Outcome<never> {
  return { ok: false, code, message };
}

export const unchanged = (session: Session): Change => ({ next: session, deliveries: [], events: [], result: undefined });

export const fact = (session: Session) => ({ sessionId: session.sessionId, appKey: session.appKey });

const userOf = (member: Member) => (member.userId === undefined ? {} : { userId: member.userId });

/** A member as the others see it: its user id only in a session created with publishUserId. */
export const peerInfo = (member: Member, session?: Pick<Session, 'publishUserId'>): PeerInfo => ({
  actor: member.actor,
  peerId: member.peerId,
  mode: member.mode,
  active: member.active,
  ...(member.addresses?.natType ? { natType: member.addresses.natType } : {}),
  ...(session?.publishUserId && member.userId !== undefined ? { userId: member.userId } : {}),
});

/** Events to every active member except `except`. */
export function toOthers(session: Session, except: number, event: Event): Delivery[] {
  return session.members
    .filter((member) => member.active && member.actor !== except)
    .map((member) => ({ actor: member.actor, event }));
}

/** Re-derives `emptySince` after a change to the members. */
export function settle(session: Session, now: number): Session {
  const anyActive = session.members.some((member) => member.active);
  if (anyActive) return session.emptySince === undefined ? session : { ...session, emptySince: undefined };
  return session.emptySince === undefined ? { ...session, emptySince: now } : session;
}

/** A new session with its creator as the server (creation steps 2–5 of docs/connection-process.md). */
export function create(
  sessionId: string,
  appKey: string,
  name: string,
  settings: SessionSettings,
  creator: NewMember,
  now: number,
): Outcome<Member> {
  const session = newSession(sessionId, appKey, name, settings, now);
  const admitted = admit(session, creator, now);
  if (!admitted.ok) return admitted;
  const created = { type: 'sessionCreated', ...fact(session), name } as const;
  return { ok: true, change: { ...admitted.change, events: [created, ...admitted.change.events] } };
}

/**
 * Admits a new member (create, join, join-random). Actor numbers start at 1 and never repeat.
 * Inactive members count toward `maxPlayers`, as in Photon: their slot is kept for rejoin.
 * The creator enters even a session it creates closed.
 */
export function admit(session: Session, entrant: NewMember, now: number): Outcome<Member> {
  const creating = session.nextActor === 1;
  if (!session.open && !creating) return fail('SESSION_CLOSED', `session "${session.name}" is closed to new players`);
  if (session.members.length >= session.maxPlayers) {
    return fail('SESSION_FULL', `session "${session.name}" is full (${session.maxPlayers} players)`);
  }
  if (entrant.mode === 'server' && serverOf(session)) return fail('SESSION_EXISTS', 'the session already has a server');
  if (session.checkUserOnJoin && entrant.userId !== undefined && session.members.some((m) => m.active && m.userId === entrant.userId)) {
    return fail('USER_ALREADY_JOINED', `user "${entrant.userId}" is already in session "${session.name}"`);
  }
  const { userId, ...identity } = entrant;
  const member: Member = { actor: session.nextActor, active: true, ...identity, ...(userId === undefined ? {} : { userId }) };
  const next = settle({ ...session, members: [...session.members, member], nextActor: session.nextActor + 1 }, now);
  return {
    ok: true,
    change: {
      next,
      deliveries: toOthers(next, member.actor, { type: EventType.PEER_JOINED, peer: peerInfo(member, session), rejoined: false }),
      events: [joinedEvent(session, member, false)],
      result: member,
    },
  };
}

export function joinedEvent(session: Session, member: Member, rejoined: boolean): SessionEvent {
  return { type: 'memberJoined', ...fact(session), actor: member.actor, peerId: member.peerId, mode: member.mode, rejoined, ...userOf(member) };
}

/**
 * An inactive member comes back within its player TTL, keeping actor number and peer id. It
 * proves who it is with its rejoin token or, a client of a restored session, its restore proof.
 */
export function rejoin(
  session: Session,
  actor: number,
  rejoinToken: string,
  pairSecret: Uint8Array,
  now: number,
  restoreProof?: string,
): Outcome<Member> {
  const member = memberOf(session, actor);
  const proven =
    member !== undefined &&
    (tokensEqual(member.rejoinToken, rejoinToken) ||
      (member.restoreProof !== undefined && restoreProof !== undefined && tokensEqual(member.restoreProof, restoreProof)));
  if (!member || member.active || !proven || (member.inactiveUntil ?? 0) <= now) {
    return fail('REJOIN_NOT_FOUND', `no inactive actor ${actor} with that token in this session`);
  }
  // The user came back as another actor meanwhile: its old place may not come alive beside it.
  if (session.checkUserOnJoin && member.userId !== undefined && session.members.some((m) => m.active && m.userId === member.userId)) {
    return fail('USER_ALREADY_JOINED', `user "${member.userId}" is already in session "${session.name}"`);
  }
  const back: Member = {
    ...member,
    active: true,
    inactiveUntil: undefined,
    addresses: undefined,
    pairSecret,
    restoreProof: undefined,
    connection: (member.connection ?? 0) + 1,
  };
  const next = settle(replaceMember(session, back), now);
  return {
    ok: true,
    change: {
      next,
      deliveries: toOthers(next, actor, { type: EventType.PEER_JOINED, peer: peerInfo(back, session), rejoined: true }),
      events: [joinedEvent(session, back, true)],
      result: back,
    },
  };
}

/** Compares secrets in time independent of where they differ (a timing side channel otherwise). */
export function tokensEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function replaceMember(session: Session, member: Member): Session {
  return { ...session, members: session.members.map((m) => (m.actor === member.actor ? member : m)) };
}

/** Closes the session: every active member is told why. */
export function close(session: Session, reason: SessionCloseReason): Change {
  const event: Event = { type: EventType.SESSION_CLOSED, sessionId: session.sessionId, reason };
  return {
    next: null,
    deliveries: toOthers(session, 0, event),
    events: [{ type: 'sessionClosed', ...fact(session), reason }],
    result: undefined,
  };
}

/** Removes a member; removing the server closes the session. */
export function remove(session: Session, actor: number, reason: PeerLeftReason, now: number): Change {
  const member = memberOf(session, actor);
  if (!member) return unchanged(session);
  const left: SessionEvent = { type: 'memberLeft', ...fact(session), actor, peerId: member.peerId, mode: member.mode, reason, ...userOf(member) };
  const rest = { ...session, members: session.members.filter((m) => m.actor !== actor) };
  if (member.mode === 'server') {
    const closed = close(rest, reason === 'left' ? 'serverLeft' : 'serverDropped');
    return { ...closed, events: [left, ...closed.events] };
  }
  const next = settle(rest, now);
  return {
    next,
    deliveries: toOthers(next, actor, { type: EventType.PEER_LEFT, peerId: member.peerId, actor, reason }),
    events: [left],
    result: undefined,
  };
}

/** Applies `properties` (nil deletes) if every `expected` value matches (nil = absent). */
export function setProperties(
  session: Session,
  actor: number,
  request: Pick<SetPropertiesRequest, 'properties' | 'expected' | 'lobbyKeys' | 'open' | 'visible' | 'forward'>,
): Outcome<undefined> {
  for (const [key, value] of Object.entries(request.expected ?? {})) {
    const current = Object.hasOwn(session.properties, key) ? session.properties[key] : null;
    if (current !== value) {
      return fail('PROPERTIES_MISMATCH', `property "${key}" is ${JSON.stringify(current)}, expected ${JSON.stringify(value)}`);
    }
  }
  const changed = request.properties ?? {};
  const next: Session = {
    ...session,
    properties: dropNulls({ ...session.properties, ...changed }),
    lobbyKeys: [...new Set([...session.lobbyKeys, ...(request.lobbyKeys ?? [])])],
    open: request.open ?? session.open,
    visible: request.visible ?? session.visible,
  };
  const event: Event = {
    type: EventType.PROPERTIES_CHANGED,
    actor,
    properties: changed,
    lobbyKeys: [...next.lobbyKeys],
    open: next.open,
    visible: next.visible,
  };
  const happened: SessionEvent = {
    type: 'propertiesChanged',
    ...fact(session),
    actor,
    properties: changed,
    lobbyKeys: [...next.lobbyKeys],
    open: next.open,
    visible: next.visible,
    ...(request.forward === true ? { forward: true } : {}),
  };
  return { ok: true, change: { next, deliveries: toOthers(next, actor, event), events: [happened], result: undefined } };
}

function dropNulls(properties: Properties): Properties {
  const out: Properties = {};
  for (const [key, value] of Object.entries(properties)) if (value !== null) out[key] = value;
  return out;
}
