/**
 * Relay ticket refresh: each member that holds a relay grant gets a fresh ticket (RELAY_TICKET)
 * before its current one expires, so a relay rebind long after the start (a NAT rebinding, a
 * relay restart, idle expiry) still binds. One timer per connection; the decision of when is the
 * pure `ticketRefreshDelayMs`.
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

export interface TicketRefresher {
  /** A ticket for a member entering a session; the refresh is armed for `peer` (replacing any). */
  grant(peer: Peer, sessionId: string, actor: number): { ticket: Uint8Array; expiresAtMs: number } | undefined;
  /** Stops `peer`'s refresh (it left, dropped, or its session closed). */
  disarm(peer: Peer): void;
  /** Stops every refresh (shutdown). */
  close(): void;
}

export function createTicketRefresher(clock: Clock, logger: Logger, relay: RelayTicketIssuer | undefined): TicketRefresher {
  const timers = new Map<Peer, TimerHandle>();

  const disarm = (peer: Peer): void => {
    clock.clearTimeout(timers.get(peer));
    timers.delete(peer);
  };

  const arm = (peer: Peer, sessionId: string, actor: number, expiresAtMs: number): void => {
    disarm(peer);
    const timer = clock.setTimeout(() => {
      timers.delete(peer);
      const membership = peer.membership;
      // Gone from that session (left, closed, rejoined elsewhere): its ticket ends with it.
      if (peer.closed || membership?.sessionId !== sessionId || membership.actor !== actor || !relay) return;
      let fresh: { ticket: Uint8Array; expiresAtMs: number };
      try {
        fresh = relay.issueTicket(sessionId, actor);
      } catch (error) {
        logger.error({ err: error, sessionId }, 'relay ticket refresh failed');
        return;
      }
      peer.send({ type: EventType.RELAY_TICKET, ticket: fresh.ticket, expiresAtMs: fresh.expiresAtMs });
      arm(peer, sessionId, actor, fresh.expiresAtMs);
    }, ticketRefreshDelayMs(clock.wallTime(), expiresAtMs));
    timers.set(peer, timer);
  };

  return {
    grant(peer, sessionId, actor) {
      if (!relay) return undefined;
      const issued = relay.issueTicket(sessionId, actor);
      arm(peer, sessionId, actor, issued.expiresAtMs);
      return issued;
    },
    disarm,
    close() {
      for (const timer of timers.values()) clock.clearTimeout(timer);
      timers.clear();
    },
  };
}
