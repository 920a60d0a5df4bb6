// One signaling connection as the session service sees it: who it is, which session it is in,
// and how to reach its socket. The gateway owns it; dispatch and the sessions service read and
// update it.
import type { AuthStatus, Event, PeerMode, ServerMessage } from '../protocol/index.js';

/** The connection's place in a session (set on entry, cleared on leave, drop or close). */
export interface Membership {
  readonly sessionId: string;
  readonly actor: number;
  readonly mode: PeerMode;
  /** The member's connection number this socket holds (a rejoin's takeover counts up). */
  readonly connection?: number;
  /** Stops the event bus delivering this member's events to this connection. */
  readonly detach: () => void;
}

export interface Peer {
  /** The client's address (the TCP peer, or what a trusted proxy says): limits count by it. */
  readonly address: string;
  /** Set by hello: the app id and version, and their partition key. */
  hello?: { readonly appId: string; readonly appVersion: string; readonly appKey: string };
  /** The protocol features its hello announced (what the service may send it beyond the first release). */
  features?: ReadonlySet<string>;
  /** Who the authenticate hook or the auth provider said this peer is, when one said. */
  userId?: string;
  /** The auth provider's nickname for this peer. */
  nickname?: string;
  /** The auth provider's AuthCookie (JSON text): for plugins and webhooks, never sent to a peer. */
  authCookie?: string;
  /** Custom authentication of this connection (hello-auth.ts): where it stands, steps taken, refusals. */
  auth?: { status: AuthStatus; steps: number };
  /** Hellos and steps refused by custom authentication on this connection. */
  authRefusals?: number;
  membership?: Membership;
  /** Sessions this connection created over its lifetime. */
  sessionsCreated: number;
  /** When this connection's last address report that changed its candidates was taken. */
  reportedAt?: number;
  /** This connection's NAT measurement was counted (the metric counts each peer's once). */
  natCounted?: boolean;
  /** This connection reported its NAT with unchanged candidates once (exempt from the report rate limit). */
  natReported?: boolean;
  /** The socket closed (the membership, if any, is the gateway's to drop). */
  readonly closed: boolean;
  /** Aborts when the socket closes: a call to a game's backend (or a plugin gate) on this peer's behalf stops then. */
  readonly signal?: AbortSignal;
  /** Sends one message to this peer (dropped once the connection is closing). */
  send(message: ServerMessage): void;
  /** Sends an event that other peers may receive too: it is encoded once for all of them. */
  deliver(event: Event): void;
  /**
   * Keeps this peer's frames from leaving until the returned function is called: a reply sent
   * before its request's commit waits for it, so a remote commit's events leave in one write with
   * it. `withdrawFirst`: the first frame sent under the hold (that reply) is dropped if it has not
   * left, when the commit failed (with any store).
   */
  hold?(): (withdrawFirst?: boolean) => void;
  /** Counts a protocol violation against this connection (too many close it). */
  violation?(): void;
  /** Closes the connection with a protocol close code, after what was already sent. */
  close?(code: number, reason: string): void;
}
