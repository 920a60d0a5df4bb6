/**
 * Relay ticket refresh: each member that holds a relay grant gets a fresh ticket (RELAY_TICKET)
 * before its current one expires, so a relay rebind long after the start (a NAT rebinding, a
 * relay restart, idle expiry) still binds. One timer per connection; the decision of when is the
 * pure `ticketRefreshDelayMs`. A refresh asks which relay the session is on now (a fleet moves
 * sessions), so the ticket is keyed for that relay.
 */
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import { MIN_TICKET_REFRESH_MS, TICKET_REFRESH_FRACTION } from '../constants.js';
import { EventType } from '../protocol/index.js';
import type { RelayTicketIssuer } from './options.js';
import type { Peer } from './peer.js';

/**
 * How long to wait before re-issuing a ticket that expires at `expiresAtMs` (epoch ms), seen at
 * wall time `wallNow`: a fraction of what is left, never less than the floor.
 */
export function ticketRefreshDelayMs(wallNow: number, expiresAtMs: number): number {
  return Math.max(MIN_TICKET_REFRESH_MS, Math.floor((expiresAtMs - wallNow) * TICKET_REFRESH_FRACTION));
}

/** The issuer of a session's relay now (undefined: no relay, or the session is gone). */
export type IssuerLookup = (sessionId: string) => RelayTicketIssuer | undefined | Promise<RelayTicketIssuer | undefined>;

export interface TicketRefresher {
  /** A ticket of `relay` for a member entering a session; the refresh is armed for `peer` (replacing any). */
  grant(peer: Peer, sessionId: string, actor: number, relay: RelayTicketIssuer | undefined): { ticket: Uint8Array; expiresAtMs: number } | undefined;
  /** `peer` was handed a grant some other way (RELAY_CHANGED): refresh before that one expires. */
  rearm(peer: Peer, sessionId: string, actor: number, expiresAtMs: number): void;
  /** Stops `peer`'s refresh (it left, dropped, or its session closed). */
  disarm(peer: Peer): void;
  /** Stops every refresh (shutdown). */
  close(): void;
}

export function createTicketRefresher(clock: Clock, logger: Logger, issuerOf: IssuerLookup): TicketRefresher {
  const timers = new Map<Peer, TimerHandle>();

  const disarm = (peer: Peer): void => {
    clock.clearTimeout(timers.get(peer));
    timers.delete(peer);
  };

  const arm = (peer: Peer, sessionId: string, actor: number, expiresAtMs: number): void => {
    disarm(peer);
    // Gone from that session (left, closed, rejoined elsewhere): its ticket ends with it.
    const stillIn = (): boolean => !peer.closed && peer.membership?.sessionId === sessionId && peer.membership.actor === actor;
    const timer = clock.setTimeout(() => {
      timers.delete(peer);
      if (!stillIn()) return;
      const refresh = (relay: RelayTicketIssuer | undefined): void => {
        // A grant of a move that raced this refresh re-armed the timer: that one is newer.
        if (!relay || !stillIn() || timers.has(peer)) return;
        const fresh = relay.issueTicket(sessionId, actor);
        peer.send({ type: EventType.RELAY_TICKET, ticket: fresh.ticket, expiresAtMs: fresh.expiresAtMs });
        arm(peer, sessionId, actor, fresh.expiresAtMs);
      };
      const failed = (error: unknown): void => logger.error({ err: error, sessionId }, 'relay ticket refresh failed');
      try {
        const relay = issuerOf(sessionId);
        // Sync for the single relay (no store read); a fleet asks the store which relay it is now.
        if (relay instanceof Promise) relay.then(refresh).catch(failed);
        else refresh(relay);
      } catch (error) {
        failed(error);
      }
    }, ticketRefreshDelayMs(clock.wallTime(), expiresAtMs));
    timers.set(peer, timer);
  };

  return {
    grant(peer, sessionId, actor, relay) {
      if (!relay) return undefined;
      const issued = relay.issueTicket(sessionId, actor);
      arm(peer, sessionId, actor, issued.expiresAtMs);
      return issued;
    },
    rearm: arm,
    disarm,
    close() {
      for (const timer of timers.values()) clock.clearTimeout(timer);
      timers.clear();
    },
  };
}
