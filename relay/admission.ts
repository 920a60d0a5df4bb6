// The relay's bind decision: cheap checks, the bind-work budget, the cookie exchange, the ticket proof, the table's bounds.
import type { UdpEndpoint } from '../core/index.js';
import type { BindingTable, BindOutcome } from './bindings.js';
import type { CookieJar } from './cookies.js';
import { sourceKey, type BindWorkBudget } from './limits.js';
import { parseTicketBody, type RelayErrorCode, type RelayFrame } from './wire/index.js';
import type { RevocationList } from './revocations.js';
import type { TicketVerifier } from './tickets.js';

/** Counter names of the bind outcomes that are drops (a subset of the server's drop counters). */
export type BindDrop =
  | 'ticketInvalid'
  | 'ticketExpired'
  | 'ticketRevoked'
  | 'version'
  | 'bindLimited'
  | 'cookieInvalid'
  | 'relayFull'
  | 'sessionFull'
  | 'addressFull';

/**
 * What the server does with a bind:
 * - `challenge`: send the cookie (a first bind, or `drop: 'cookieInvalid'` for a stale or
 *   foreign cookie, which gets this slot's cookie instead);
 * - `bound`: the binding exists at the source address; answer bound;
 * - `refuse`: count `drop` and answer with the error `code` (through the error gate);
 * - `drop`: count `drop`, answer nothing.
 */
export type BindDecision =
  | { action: 'challenge'; cookie: Uint8Array; drop?: 'cookieInvalid' }
  | { action: 'bound'; outcome: Extract<BindOutcome, { ok: true }> }
  | { action: 'refuse'; code: RelayErrorCode; drop: BindDrop }
  | { action: 'drop'; drop: BindDrop };

export interface Admission {
  readonly table: BindingTable;
  readonly cookies: CookieJar;
  readonly verifier: TicketVerifier;
  readonly revocations: RevocationList;
  readonly budget: BindWorkBudget;
}

/** Work counters the decision adds to. */
export interface AdmissionCounters {
  /** HMACs computed for binds (cookies minted and checked, ticket proofs). */
  bindHmacs: number;
}

const refusalCode = { RELAY_FULL: 'RELAY_FULL', SESSION_FULL: 'SESSION_FULL', ADDRESS_FULL: 'RELAY_FULL' } as const;
const refusalDrop = { RELAY_FULL: 'relayFull', SESSION_FULL: 'sessionFull', ADDRESS_FULL: 'addressFull' } as const;

/**
 * Decides a bind frame from `from` (docs/protocols.md, "Relay"). A function of the state and the two
 * clocks (`now` monotonic for cookies and buckets, `wallNow` for ticket expiry and revocation);
 * it mutates the table, the budget and the counters, nothing else, and never throws.
 *
 * Order matters for cost: everything that needs no key comes first (length and version were
 * checked by the decoder; then the ticket body's layout, expiry and revocation), then the
 * per-source and global bind-work budget, and only then an HMAC. A bind from an address that
 * has not shown it receives the relay's datagrams gets a cookie and nothing else; a binding,
 * new or moved, needs that cookie echoed with a proof that the sender holds the whole ticket.
 */
export function admitBind(
  state: Admission,
  counters: AdmissionCounters,
  frame: Extract<RelayFrame, { type: 'bind' }>,
  from: UdpEndpoint,
  now: number,
  wallNow: number,
): BindDecision {
  const parsed = parseTicketBody(frame.body);
  if (!parsed.ok) {
    return parsed.error === 'version'
      ? { action: 'refuse', code: 'UNSUPPORTED_VERSION', drop: 'version' }
      : { action: 'refuse', code: 'TICKET_INVALID', drop: 'ticketInvalid' };
  }
  const { sessionId, actor, expiresAtMs } = parsed.value;
  // A ticket for another relay of the fleet: refused before any work, as it would fail the MAC anyway.
  if (!state.verifier.isForThisRelay(parsed.value.relayId)) return { action: 'refuse', code: 'TICKET_INVALID', drop: 'ticketInvalid' };
  // Telling a forger that its self-made expiry has passed reveals nothing it did not write.
  if (wallNow > expiresAtMs) return { action: 'refuse', code: 'TICKET_EXPIRED', drop: 'ticketExpired' };
  if (state.revocations.isRevoked(sessionId, actor, expiresAtMs)) return { action: 'refuse', code: 'TICKET_REVOKED', drop: 'ticketRevoked' };
  const source = sourceKey(from.address);
  if (!state.budget.spend(source, now)) return { action: 'drop', drop: 'bindLimited' };

  if (frame.cookie === undefined) {
    counters.bindHmacs++;
    return { action: 'challenge', cookie: state.cookies.mint(from.address, from.port, frame.body, now) };
  }
  const check = state.cookies.check(frame.cookie, from.address, from.port, frame.body, now);
  counters.bindHmacs += check.hmacs;
  if (!check.valid) return { action: 'challenge', cookie: check.fresh, drop: 'cookieInvalid' };
  counters.bindHmacs += 2;
  if (!state.verifier.provesTicket(frame.body, frame.cookie, frame.proof)) {
    return { action: 'refuse', code: 'TICKET_INVALID', drop: 'ticketInvalid' };
  }
  // Proven: the source is routable and holds the ticket; its bind work was not wasted.
  state.budget.refund(source);
  const outcome = state.table.bind(sessionId, actor, from, now);
  if (!outcome.ok) return { action: 'refuse', code: refusalCode[outcome.error], drop: refusalDrop[outcome.error] };
  return { action: 'bound', outcome };
}
