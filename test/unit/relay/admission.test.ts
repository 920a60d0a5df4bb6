// Unit tests of the relay's bind admission and its parts (cookies, revocations, bind-work budget, table bounds) on a manual clock.
import { describe, expect, it } from 'vitest';
import { ManualClock, type UdpEndpoint } from '../../../core/index.js';
import { admitBind, type Admission, type BindDecision } from '../../../relay/admission.js';
import { BindingTable } from '../../../relay/bindings.js';
import { CookieJar } from '../../../relay/cookies.js';
import { BindWorkBudget } from '../../../relay/limits.js';
import { RevocationList } from '../../../relay/revocations.js';
import { createTicketIssuer, createTicketVerifier } from '../../../relay/tickets.js';
import { bindProof, decodeRelayFrame, encodeRelayFrame, splitTicket, type RelayFrame } from '../../../relay/wire/index.js';

const secret = 'admission unit-test secret, 32 B';
const limits = { packetsPerSecond: 100, burstPackets: 10, bytesPerSecond: 10_000, burstBytes: 2_000 };
const at = (address: string, port = 4000): UdpEndpoint => ({ address, port, family: 'IPv4' });
type Bind = Extract<RelayFrame, { type: 'bind' }>;

function setup(options: { perSource?: number; global?: number; maxPerSession?: number; maxPerAddress?: number } = {}) {
  const clock = new ManualClock();
  const issuer = createTicketIssuer({ secret, clock, ttlMs: 60_000 });
  const state: Admission = {
    table: new BindingTable(limits, 1_000, options.maxPerSession ?? 256, options.maxPerAddress ?? 64),
    cookies: new CookieJar(10_000),
    verifier: createTicketVerifier({ secret, clock }),
    revocations: new RevocationList(60_000, 100),
    budget: new BindWorkBudget({ perSecond: 10, burst: options.perSource ?? 20 }, { perSecond: 1_000, burst: options.global ?? 1_000 }, 100, clock.now()),
  };
  const counters = { bindHmacs: 0 };
  const admit = (frame: Bind, from: UdpEndpoint): BindDecision => admitBind(state, counters, frame, from, clock.now(), clock.wallTime());
  /** The bind frames a client would send, through the wire codec (as the relay sees them). */
  const wire = (ticket: Uint8Array, cookie?: Uint8Array, proofWith?: Uint8Array): Bind => {
    const { body, mac } = splitTicket(ticket);
    const encoded = encodeRelayFrame({ type: 'bind', body, cookie, proof: cookie ? bindProof(proofWith ?? mac, cookie) : new Uint8Array(0) });
    const decoded = decodeRelayFrame(encoded);
    if (!decoded.ok || decoded.value.type !== 'bind') throw new Error('bind did not decode');
    return decoded.value;
  };
  /** The whole exchange from `from`: returns the final decision. */
  const exchange = (ticket: Uint8Array, from: UdpEndpoint): BindDecision => {
    const first = admit(wire(ticket), from);
    if (first.action !== 'challenge') return first;
    return admit(wire(ticket, first.cookie), from);
  };
  return { clock, issuer, state, counters, admit, wire, exchange };
}

describe('bind admission', () => {
  it('answers a first bind with a cookie only, and binds on the echoed cookie with the ticket proof', () => {
    const { issuer, admit, wire, state, counters } = setup();
    const { ticket } = issuer.issue('s', 1);
    const first = admit(wire(ticket), at('10.0.0.1'));
    expect(first.action).toBe('challenge');
    expect(state.table.size).toBe(0);
    expect(counters.bindHmacs).toBe(1);
    const cookie = first.action === 'challenge' ? first.cookie : new Uint8Array(16);
    const second = admit(wire(ticket, cookie), at('10.0.0.1'));
    expect(second).toMatchObject({ action: 'bound', outcome: { kind: 'new', binding: { sessionId: 's', actor: 1 } } });
    // One cookie minted, one checked, two for the proof (ticket MAC, then proof).
    expect(counters.bindHmacs).toBe(4);
  });

  it('a cookie is only good from the address, port and ticket it was minted for, for one to two slots', () => {
    const { issuer, admit, wire, clock } = setup();
    const { ticket } = issuer.issue('s', 1);
    const other = issuer.issue('s', 2).ticket;
    const first = admit(wire(ticket), at('10.0.0.1'));
    const cookie = first.action === 'challenge' ? first.cookie : new Uint8Array(16);
    expect(admit(wire(ticket, cookie), at('10.0.0.2'))).toMatchObject({ action: 'challenge', drop: 'cookieInvalid' });
    expect(admit(wire(ticket, cookie), at('10.0.0.1', 4001))).toMatchObject({ action: 'challenge', drop: 'cookieInvalid' });
    expect(admit(wire(other, cookie), at('10.0.0.1'))).toMatchObject({ action: 'challenge', drop: 'cookieInvalid' });
    clock.advance(20_000); // two slots later: expired
    expect(admit(wire(ticket, cookie), at('10.0.0.1'))).toMatchObject({ action: 'challenge', drop: 'cookieInvalid' });
    const jar = new CookieJar(10_000, new Uint8Array(32));
    const minted = jar.mint('10.0.0.1', 1, Uint8Array.of(1), 9_999);
    expect(jar.check(minted, '10.0.0.1', 1, Uint8Array.of(1), 19_999).valid).toBe(true);
    expect(jar.check(minted, '10.0.0.1', 1, Uint8Array.of(1), 20_000).valid).toBe(false);
  });

  it('a proof made without the ticket MAC (a replayed or forged bind) is refused TICKET_INVALID', () => {
    const { issuer, admit, wire } = setup();
    const { ticket } = issuer.issue('s', 1);
    const first = admit(wire(ticket), at('10.0.0.9'));
    const cookie = first.action === 'challenge' ? first.cookie : new Uint8Array(16);
    expect(admit(wire(ticket, cookie, new Uint8Array(16).fill(7)), at('10.0.0.9'))).toEqual({ action: 'refuse', code: 'TICKET_INVALID', drop: 'ticketInvalid' });
    const forged = createTicketIssuer({ secret: 'some other secret of enough length' }).issue('s', 1).ticket;
    const again = admit(wire(forged), at('10.0.0.9'));
    const forgedCookie = again.action === 'challenge' ? again.cookie : new Uint8Array(16);
    expect(admit(wire(forged, forgedCookie), at('10.0.0.9'))).toMatchObject({ action: 'refuse', code: 'TICKET_INVALID' });
  });

  it('checks layout, expiry and revocation before any HMAC', () => {
    const { issuer, admit, wire, clock, state, counters } = setup();
    const { ticket } = issuer.issue('s', 1);
    const garbage = wire(ticket);
    const body = Uint8Array.from(garbage.body);
    body[12] = 0xff; // not UTF-8
    expect(admit({ ...garbage, body }, at('10.0.0.1'))).toMatchObject({ action: 'refuse', code: 'TICKET_INVALID' });
    body[0] = 9;
    expect(admit({ ...garbage, body }, at('10.0.0.1'))).toMatchObject({ action: 'refuse', code: 'UNSUPPORTED_VERSION' });
    state.revocations.revoke('s', 1, clock.wallTime());
    expect(admit(wire(ticket), at('10.0.0.1'))).toMatchObject({ action: 'refuse', code: 'TICKET_REVOKED' });
    clock.advance(60_001);
    expect(admit(wire(ticket), at('10.0.0.1'))).toMatchObject({ action: 'refuse', code: 'TICKET_EXPIRED' });
    expect(counters.bindHmacs).toBe(0);
  });

  it('limits bind work per source IP (cookies minted and failed proofs) with no HMAC once empty; a proven bind costs one token', () => {
    const { issuer, admit, wire, clock, counters, exchange } = setup({ perSource: 20 });
    const { ticket } = issuer.issue('s', 1);
    const decisions = Array.from({ length: 100 }, (_, i) => admit(wire(ticket), at('10.0.0.1', 1_000 + i)));
    expect(decisions.filter((decision) => decision.action === 'challenge')).toHaveLength(20);
    expect(decisions.filter((decision) => decision.action === 'drop' && decision.drop === 'bindLimited')).toHaveLength(80);
    expect(counters.bindHmacs).toBe(20);
    // Another address is not affected.
    expect(exchange(issuer.issue('s', 2).ticket, at('10.0.0.2'))).toMatchObject({ action: 'bound' });
    // 10 tokens a second. An exchange needs two at once (the cookie, then the proof's check)
    // and gives the second back when the proof holds.
    clock.advance(100);
    expect(exchange(ticket, at('10.0.0.1'))).toEqual({ action: 'drop', drop: 'bindLimited' });
    clock.advance(200);
    expect(exchange(ticket, at('10.0.0.1'))).toMatchObject({ action: 'bound' });
    expect(admit(wire(ticket), at('10.0.0.1'))).toMatchObject({ action: 'challenge' });
    expect(admit(wire(ticket), at('10.0.0.1'))).toEqual({ action: 'drop', drop: 'bindLimited' });
  });

  it('caps bind work in all, whatever the number of source addresses', () => {
    const { issuer, admit, wire, counters } = setup({ perSource: 20, global: 50 });
    const { ticket } = issuer.issue('s', 1);
    for (let i = 0; i < 5_000; i++) admit(wire(ticket), at(`10.${i >> 8}.${i & 0xff}.1`));
    expect(counters.bindHmacs).toBe(50);
  });

  it('bounds bindings per session and per source address; legitimate peers elsewhere still bind', () => {
    const { issuer, exchange, clock } = setup({ maxPerSession: 3, maxPerAddress: 4, perSource: 1_000 });
    const harvested = Array.from({ length: 10 }, (_, i) => issuer.issue(`harvest-${i >> 1}`, i).ticket);
    const outcomes = harvested.map((ticket, i) => {
      clock.advance(1);
      return exchange(ticket, at('198.51.100.7', 5000 + i));
    });
    expect(outcomes.filter((decision) => decision.action === 'bound')).toHaveLength(4);
    expect(outcomes.filter((decision) => decision.action === 'refuse' && decision.drop === 'addressFull' && decision.code === 'RELAY_FULL')).toHaveLength(6);
    const session = Array.from({ length: 5 }, (_, actor) => exchange(issuer.issue('big', actor).ticket, at(`10.1.0.${actor + 1}`)));
    expect(session.map((decision) => decision.action)).toEqual(['bound', 'bound', 'bound', 'refuse', 'refuse']);
    expect(session[3]).toMatchObject({ code: 'SESSION_FULL', drop: 'sessionFull' });
    expect(exchange(issuer.issue('game', 1).ticket, at('203.0.113.1'))).toMatchObject({ action: 'bound' });
  });

  it('moves a bound ticket to a new address only through the exchange, keeping one binding', () => {
    const { issuer, exchange, admit, wire, state } = setup();
    const { ticket } = issuer.issue('s', 1);
    expect(exchange(ticket, at('10.0.0.1'))).toMatchObject({ action: 'bound' });
    // The bind seen on the path, replayed as-is from elsewhere: a challenge, no move.
    const first = admit(wire(ticket), at('10.0.0.1'));
    const seen = wire(ticket, first.action === 'challenge' ? first.cookie : new Uint8Array(16));
    expect(admit(seen, at('10.6.6.6'))).toMatchObject({ action: 'challenge', drop: 'cookieInvalid' });
    expect(state.table.peer('s', 1)).toMatchObject({ address: '10.0.0.1' });
    // The peer itself, after a NAT mapping change.
    expect(exchange(ticket, at('10.0.0.2', 7000))).toMatchObject({ action: 'bound', outcome: { kind: 'moved' } });
    expect(state.table.size).toBe(1);
  });
});

describe('revocation list', () => {
  it('covers tickets issued up to the revocation, not later ones, and forgets after the ticket TTL', () => {
    const list = new RevocationList(60_000, 10);
    const issuedBefore = 1_000 + 60_000;
    list.revoke('s', 3, 1_000);
    expect(list.isRevoked('s', 3, issuedBefore)).toBe(true);
    expect(list.isRevoked('s', 3, issuedBefore + 1)).toBe(false);
    expect(list.isRevoked('s', 4, issuedBefore)).toBe(false);
    list.revoke('t', undefined, 2_000);
    expect(list.isRevoked('t', 99, 2_000 + 60_000)).toBe(true);
    expect(list.prune(61_000)).toBe(0);
    expect(list.prune(61_001)).toBe(1);
    expect(list.size).toBe(1);
    expect(list.prune(62_001)).toBe(1);
    expect(list.size).toBe(0);
  });

  it('folds a session’s actor revocations into its own when it closes', () => {
    const list = new RevocationList(60_000, 10);
    for (let actor = 1; actor <= 5; actor++) list.revoke('s', actor, actor);
    list.revoke('other', 1, 6);
    expect(list.size).toBe(6);
    list.revoke('s', undefined, 10);
    expect(list.size).toBe(2);
    for (let actor = 1; actor <= 6; actor++) expect(list.isRevoked('s', actor, 10 + 60_000)).toBe(true);
    expect(list.isRevoked('other', 1, 6 + 60_000)).toBe(true);
    // Evicting or pruning an actor's entry forgets it in the session's index too.
    const small = new RevocationList(60_000, 2);
    small.revoke('a', 1, 0);
    small.revoke('a', 2, 0);
    small.revoke('b', 1, 0);
    expect(small.evicted).toBe(1);
    small.revoke('a', undefined, 1);
    expect(small.size).toBe(2);
    expect(small.isRevoked('a', 1, 60_000)).toBe(true);
  });

  it('stays within its bound, forgetting the oldest first', () => {
    const list = new RevocationList(60_000, 3);
    for (let i = 0; i < 5; i++) list.revoke(`s${i}`, undefined, i);
    expect(list.size).toBe(3);
    expect(list.evicted).toBe(2);
    expect(list.isRevoked('s0', 1, 1)).toBe(false);
    expect(list.isRevoked('s4', 1, 1)).toBe(true);
  });
});

describe('bind-work budget', () => {
  it('refunds proven binds, forgets refilled sources, and past its bound lets new sources draw on the global bucket only', () => {
    const clock = new ManualClock();
    const budget = new BindWorkBudget({ perSecond: 10, burst: 2 }, { perSecond: 1_000, burst: 5 }, 2, clock.now());
    expect([budget.spend('a', 0), budget.spend('a', 0), budget.spend('a', 0)]).toEqual([true, true, false]);
    budget.refund('a');
    expect(budget.spend('a', 0)).toBe(true);
    expect(budget.spend('b', 0)).toBe(true);
    expect(budget.trackedSources).toBe(2);
    // 'c' is not tracked (the table is full): only the global bucket (5, 3 spent net) limits it.
    expect([budget.spend('c', 0), budget.spend('c', 0), budget.spend('c', 0)]).toEqual([true, true, false]);
    clock.advance(200);
    budget.sweep(clock.now());
    expect(budget.trackedSources).toBe(0);
  });
});
