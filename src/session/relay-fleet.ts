/**
 * The session side of a relay fleet: the seam a fleet (src/fleet) implements so this folder
 * never imports it, which relay issues a session's grants, and the pure step that moves a
 * session to another relay (RELAY_CHANGED with a fresh grant for each active member).
 */
import type { ErrorCode } from '../../core/index.js';
import { EventType, type RelayChangeReason, type RelayGrant } from '../protocol/index.js';
import type { Delivery, Outcome, Session } from './model.js';
import type { RelayTicketIssuer } from './options.js';

/** What the session service asks of a relay fleet. */
export interface SessionRelays {
  /** A relay for new session `sessionId` (counted as assigned to it), or undefined when none is eligible. */
  choose(sessionId: string): { id: string } | undefined;
  /** Session `sessionId` on relay `relayId` closed (the fleet forgets it). */
  released?(relayId: string, sessionId: string): void;
  /** Without an eligible relay: 'auto' starts the session with no relay grant, 'required' refuses it (RELAY_FULL). */
  readonly policy: 'auto' | 'required';
  /** The issuer of `relayId` (its endpoint, WebSocket URL and ticket key); undefined when unknown. */
  issuer(relayId: string): RelayTicketIssuer | undefined;
}

/**
 * The issuer of a session's grants: with a fleet, its relay's (none when it got none: every relay
 * was full); without one, the service's single relay's.
 */
export function issuerOf(session: Session | undefined, relays: SessionRelays | undefined, single: RelayTicketIssuer | undefined): RelayTicketIssuer | undefined {
  if (!relays) return single;
  const id = session?.relay?.id;
  return id === undefined ? undefined : relays.issuer(id);
}

/** A grant of `issuer` for `actor` of `sessionId` (what START and RELAY_CHANGED carry). */
export function grantOf(issuer: RelayTicketIssuer, sessionId: string, actor: number): RelayGrant {
  const { ticket, expiresAtMs } = issuer.issueTicket(sessionId, actor);
  return { endpoint: issuer.endpoint, ...(issuer.wsUrl ? { wsUrl: issuer.wsUrl } : {}), ticket, expiresAtMs };
}

/** The relay a new session starts on: chosen, none ('auto'), or a refusal ('required'). */
export function relayForNewSession(relays: SessionRelays | undefined, sessionId: string): { ok: true; relay?: { id: string } } | { ok: false; code: ErrorCode; message: string } {
  if (!relays) return { ok: true };
  const chosen = relays.choose(sessionId);
  if (chosen) return { ok: true, relay: { id: chosen.id } };
  if (relays.policy === 'required') return { ok: false, code: 'RELAY_FULL', message: 'every relay of the fleet is full, draining or silent' };
  return { ok: true };
}

/** What a move did: moved, or why not (nothing is written then). */
export type MoveResult = 'moved' | 'elsewhere' | 'too-soon';

/**
 * Moves `session` from relay `from` to relay `to`: every active member with a grant in `grants`
 * gets RELAY_CHANGED. Nothing changes when the session is no longer on `from` (someone moved it)
 * or moved less than `minIntervalMs` ago (a flapping relay cannot bounce a session).
 */
export function moveRelay(
  session: Session,
  move: { from: string; to: string; reason: RelayChangeReason; now: number; minIntervalMs: number },
  grants: ReadonlyMap<number, RelayGrant>,
): Outcome<MoveResult> {
  const unchanged = (result: MoveResult): Outcome<MoveResult> => ({ ok: true, change: { next: session, deliveries: [], events: [], result } });
  if (session.relay?.id !== move.from || move.to === move.from) return unchanged('elsewhere');
  const last = session.relay.movedAt;
  if (last !== undefined && move.now - last < move.minIntervalMs) return unchanged('too-soon');
  const deliveries: Delivery[] = [];
  for (const member of session.members) {
    const relay = member.active ? grants.get(member.actor) : undefined;
    if (relay) deliveries.push({ actor: member.actor, event: { type: EventType.RELAY_CHANGED, relay, reason: move.reason } });
  }
  return { ok: true, change: { next: { ...session, relay: { id: move.to, movedAt: move.now } }, deliveries, events: [], result: 'moved' } };
}

/** Applies a pure change through the store (sessions.ts `update`). */
type Update = <R>(sessionId: string, attempt: (s: Session) => Outcome<R>) => Promise<Outcome<R> | undefined>;

/**
 * Moves a stored session from relay `from` to `to` through the store (compare-and-set): grants
 * are issued for the members of the state being written, so a retry issues them again.
 * Undefined: no such session, or `to` is unknown.
 */
export async function moveSessionRelay(
  update: Update,
  relays: SessionRelays | undefined,
  sessionId: string,
  move: { from: string; to: string; reason: RelayChangeReason; now: number; minIntervalMs: number },
): Promise<MoveResult | undefined> {
  const issuer = relays?.issuer(move.to);
  if (!issuer) return undefined;
  const outcome = await update(sessionId, (session) => {
    const grants = new Map<number, RelayGrant>();
    if (session.relay?.id === move.from) for (const member of session.members) if (member.active) grants.set(member.actor, grantOf(issuer, sessionId, member.actor));
    return moveRelay(session, move, grants);
  });
  return outcome?.ok ? outcome.change.result : undefined;
}
