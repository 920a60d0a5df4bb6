// What happened to a session, as the pure model reports it: the facts hooks, webhooks and other
// nodes act on, emitted whether or not any member is left to receive a delivery.
import type { PeerLeftReason, PeerMode, Properties, SessionCloseReason } from '../protocol/index.js';

interface SessionFact {
  readonly sessionId: string;
  /** The app partition (app id and version) the session belongs to. */
  readonly appKey: string;
}

/** A session came into being (its creator's entry follows as a {@link MemberJoined}). */
export interface SessionCreated extends SessionFact {
  readonly type: 'sessionCreated';
  readonly name: string;
}

/** A member entered the session, or came back (`rejoined`) within its player TTL. */
export interface MemberJoined extends SessionFact {
  readonly type: 'memberJoined';
  readonly actor: number;
  readonly peerId: string;
  readonly mode: PeerMode;
  readonly rejoined: boolean;
  /** Who the authenticate hook said the member is, when it said. */
  readonly userId?: string;
}

/** A member's connection dropped without a leave; it may rejoin within `expiresInMs`. */
export interface MemberInactive extends SessionFact {
  readonly type: 'memberInactive';
  readonly actor: number;
  readonly peerId: string;
  readonly expiresInMs: number;
}

/** A member is no longer in the session: it left, or its player TTL ran out. */
export interface MemberLeft extends SessionFact {
  readonly type: 'memberLeft';
  readonly actor: number;
  readonly peerId: string;
  readonly mode: PeerMode;
  readonly reason: PeerLeftReason;
  readonly userId?: string;
}

/** The server changed properties (only the changed keys; null = deleted), open or visible. */
export interface PropertiesChanged extends SessionFact {
  readonly type: 'propertiesChanged';
  readonly actor: number;
  readonly properties: Readonly<Properties>;
  readonly lobbyKeys: readonly string[];
  readonly open: boolean;
  readonly visible: boolean;
  /** The server asked for the change to reach the game's backend (SET_PROPERTIES `forward`, Photon's HttpForward). */
  readonly forward?: boolean;
}

/** The session is gone, and why. */
export interface SessionClosed extends SessionFact {
  readonly type: 'sessionClosed';
  readonly reason: SessionCloseReason;
}

export type SessionEvent = SessionCreated | MemberJoined | MemberInactive | MemberLeft | PropertiesChanged | SessionClosed;
