// The session side of a relay fleet: moveRelay (RELAY_CHANGED with per-actor grants, CAS-safe no-ops, once per interval), issuers and the choice at create.
import { describe, expect, it } from 'vitest';
import { EventType, type RelayGrant } from '../../../../src/protocol/index.js';
import { admit, newSession, replaceMember, type Change, type Outcome, type Session, type SessionSettings } from '../../../../src/session/model.js';
import { issuerOf, moveRelay, relayForNewSession, type SessionRelays } from '../../../../src/session/relay-fleet.js';
import type { RelayTicketIssuer } from '../../../../src/session/options.js';

const settings: SessionSettings = { maxPlayers: 4, open: true, visible: true, properties: {}, lobbyKeys: [], playerTtlMs: 10_000, emptySessionTtlMs: 30_000 };

function ok<R>(outcome: Outcome<R>): Change<R> {
  if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.message}`);
  return outcome.change;
}

function threeMembers(relay = 'a'): Session {
  let s: Session = { ...newSession('sid', 'app', 'g', settings, 0), relay: { id: relay } };
  for (const [i, mode] of (['server', 'client', 'client'] as const).entries()) {
    s = ok(admit(s, { mode, peerId: `p${i}`, rejoinToken: `r${i}`, pairSecret: Uint8Array.of(i) }, 0)).next!;
  }
  return s;
}

const grant = (actor: number): RelayGrant => ({ endpoint: { address: '10.0.0.2', port: 6000 }, ticket: Uint8Array.of(actor), expiresAtMs: 1_000 });
const grants = (...actors: number[]) => new Map(actors.map((actor) => [actor, grant(actor)]));
const move = { from: 'a', to: 'b', reason: 'failover' as const, now: 50_000, minIntervalMs: 10_000 };

describe('moveRelay', () => {
  it('moves the session and sends each active member RELAY_CHANGED with its own grant', () => {
    const s = threeMembers();
    const change = ok(moveRelay(s, move, grants(1, 2, 3)));
    expect(change.result).toBe('moved');
    expect(change.next!.relay).toEqual({ id: 'b', movedAt: 50_000 });
    expect(change.deliveries).toEqual([1, 2, 3].map((actor) => ({ actor, event: { type: EventType.RELAY_CHANGED, relay: grant(actor), reason: 'failover' } })));
  });

  it('tells no inactive member and no member without a grant', () => {
    const base = threeMembers();
    const s = replaceMember(base, { ...base.members[1]!, active: false, inactiveUntil: 60_000 });
    expect(s.members.find((m) => m.actor === 2)?.active).toBe(false);
    const change = ok(moveRelay(s, move, grants(1, 2)));
    expect(change.deliveries.map((d) => d.actor)).toEqual([1]);
  });

  it('changes nothing when the session is no longer on `from` (moved by someone else) or moved within the interval', () => {
    const elsewhere = ok(moveRelay(threeMembers('c'), move, grants(1, 2, 3)));
    expect(elsewhere.result).toBe('elsewhere');
    expect(elsewhere.deliveries).toEqual([]);
    const moved = ok(moveRelay(threeMembers(), move, grants(1, 2, 3))).next!;
    const back = { ...move, from: 'b', to: 'a' };
    expect(ok(moveRelay(moved, { ...back, now: 59_999 }, grants(1))).result).toBe('too-soon');
    expect(ok(moveRelay(moved, { ...back, now: 60_000 }, grants(1))).result).toBe('moved');
    // A session with no relay (the single-relay service) is never moved.
    const plain = { ...threeMembers(), relay: undefined };
    expect(ok(moveRelay(plain, move, grants(1))).next).toBe(plain);
  });
});

describe('relay of a session', () => {
  const issuer = (port: number): RelayTicketIssuer => ({ endpoint: { address: '10.0.0.9', port }, issueTicket: () => ({ ticket: Uint8Array.of(port), expiresAtMs: 1 }) });
  const fleet = (chosen: string | undefined, policy: 'auto' | 'required' = 'auto'): SessionRelays => ({
    choose: () => (chosen === undefined ? undefined : { id: chosen }),
    policy,
    issuer: (id) => (id === 'known' ? issuer(7000) : undefined),
  });

  it("grants name the session's fleet relay; without a fleet, the single relay; a fleet session with none gets none", () => {
    const single = issuer(5055);
    expect(issuerOf(threeMembers('known'), fleet('x'), single)?.endpoint.port).toBe(7000);
    expect(issuerOf(threeMembers('gone'), fleet('x'), single)).toBeUndefined();
    expect(issuerOf({ ...threeMembers(), relay: undefined }, fleet('x'), single)).toBeUndefined();
    expect(issuerOf(threeMembers('known'), undefined, single)).toBe(single);
  });

  it("a new session gets the fleet's choice; with none eligible, none ('auto') or RELAY_FULL ('required')", () => {
    expect(relayForNewSession(undefined, 's')).toEqual({ ok: true });
    expect(relayForNewSession(fleet('r1'), 's')).toEqual({ ok: true, relay: { id: 'r1' } });
    expect(relayForNewSession(fleet(undefined), 's')).toEqual({ ok: true });
    expect(relayForNewSession(fleet(undefined, 'required'), 's')).toMatchObject({ ok: false, code: 'RELAY_FULL' });
  });
});
