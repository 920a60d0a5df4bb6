/**
 * SessionHooks: where a game's backend plugs into the session service. Custom authentication,
 * plugins and webhooks are implementations of it. Authorization hooks run before a change and may
 * refuse it; lifecycle hooks run after the change is stored and can never break a request.
 */
import type { SetPropertiesRequest } from '../protocol/index.js';
import type { MemberJoined, MemberLeft, PropertiesChanged, SessionClosed, SessionCreated } from './domain-events.js';
import type { Session, SessionSettings } from './model.js';

/** A hello, as the authenticate hook sees it. */
export interface HelloContext {
  readonly appId: string;
  readonly appVersion: string;
  /** The hello's `auth` field (absent from peers that send none). */
  readonly auth?: string;
  /** The client's address (what a trusted proxy says, else the TCP peer). */
  readonly remoteAddress: string;
}

/** Who a peer is, as the authenticate hook decided. */
export interface Identity {
  /** Kept with the connection, passed to the other hooks, recorded on the members it becomes. */
  readonly userId?: string;
}

/** The peer making a request. */
export interface CallerContext {
  readonly appId: string;
  readonly appVersion: string;
  readonly userId?: string;
  readonly remoteAddress: string;
}

export interface CreateContext extends CallerContext {
  readonly name: string;
  /** The session's settings, resolved against the service's defaults and limits. */
  readonly settings: SessionSettings;
}

export interface JoinContext extends CallerContext {
  /** The session as stored when the join was asked (a concurrent change may still refuse it). */
  readonly session: Session;
  readonly kind: 'join' | 'random' | 'rejoin';
}

export interface ChangeContext extends CallerContext {
  readonly session: Session;
  readonly actor: number;
  readonly change: Pick<SetPropertiesRequest, 'properties' | 'expected' | 'lobbyKeys' | 'open' | 'visible'>;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * Every member is optional; the default has none. To refuse, throw a PunchthroughError: its code
 * and message go to the peer as the request's error reply. Anything else thrown by an
 * authenticate or authorize hook refuses with NOT_ALLOWED (the detail is logged, not sent).
 * Lifecycle hooks are called after the change is stored, in the order things happened, and
 * are not awaited: what they throw or reject with is counted and logged, and the session goes on.
 */
export interface SessionHooks {
  /** A hello arrived (before it is answered). May return who the peer is. */
  authenticate?(hello: HelloContext): MaybePromise<Identity | void>;
  /** Before a session is created (create, or join with createIfNotExists). */
  authorizeCreate?(context: CreateContext): MaybePromise<void>;
  /** Before a peer enters an existing session (join, rejoin, each join-random candidate: a refused candidate is skipped). */
  authorizeJoin?(context: JoinContext): MaybePromise<void>;
  /** Before the server changes properties, open or visible. */
  authorizeChange?(context: ChangeContext): MaybePromise<void>;
  /** A session was created (its creator's `memberJoined` follows). */
  sessionCreated?(event: SessionCreated, session: Session): MaybePromise<void>;
  /** A member entered, or rejoined. */
  memberJoined?(event: MemberJoined, session: Session): MaybePromise<void>;
  /** A member left or timed out (`session` is null when that closed the session). */
  memberLeft?(event: MemberLeft, session: Session | null): MaybePromise<void>;
  propertiesChanged?(event: PropertiesChanged, session: Session): MaybePromise<void>;
  /** A session closed, with the reason, whether or not anyone was left in it. */
  sessionClosed?(event: SessionClosed): MaybePromise<void>;
}

/** The default: no hooks. */
export const noHooks: SessionHooks = Object.freeze({});
