import { describe, expect, it } from 'vitest';
import { EventType } from '../../../../src/protocol/index.js';
import { ManualClock } from '../../../../core/index.js';
import {
  admit,
  newSession,
  rejoin,
  remove,
  setProperties,
  type Change,
  type Member,
  type Outcome,
  type Session,
  type SessionSettings,
} from '../../../../src/session/model.js';
import { drop, expire, nextDeadline } from '../../../../src/session/expiry.js';
import { knownAddressesFor, reportAddresses } from '../../../../src/session/addresses.js';
import { canJoinRandomly } from '../../../../src/session/views.js';

const settings: SessionSettings = {
  maxPlayers: 4,
  open: true,
  visible: true,
  properties: { map: 'dust', mode: 'ctf', hidden: 1 },
  lobbyKeys: ['map', 'mode'],
  playerTtlMs: 10_000,
  emptySessionTtlMs: 30_000,
};

let counter = 0;
const entrant = (mode: 'server' | 'client') => {
  counter += 1;
  return { mode, peerId: `p${counter}`, rejoinToken: `r${counter}`, pairSecret: Uint8Array.of(counter) };
};

function ok<R>(outcome: Outcome<R>): Change<R> {
  if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.message}`);
  return outcome.change;
}

/** A session with a server (actor 1) and `clients` clients. */
function populated(clock: ManualClock, clients: number, overrides: Partial<SessionSettings> = {}): Session {
  let session = newSession('s1', 'app', 'room', { ...settings, ...overrides }, clock.now());
  session = ok(admit(session, entrant('server'), clock.now())).next!;
  for (let i = 0; i < clients; i++) session = ok(admit(session, entrant('client'), clock.now())).next!;
  return session;
}

describe('session model', () => {
  it('numbers actors from 1 and never repeats one', () => {
    const clock = new ManualClock();
    let session = populated(clock, 2);
    expect(session.members.map((m) => m.actor)).toEqual([1, 2, 3]);
    session = remove(session, 3, 'left', clock.now()).next!;
    const next = ok(admit(session, entrant('client'), clock.now()));
    expect(next.result.actor).toBe(4);
    expect(next.deliveries.map((d) => d.actor)).toEqual([1, 2]);
  });

  it('refuses full and closed sessions; inactive members keep their slot', () => {
    const clock = new ManualClock();
    let session = populated(clock, 3);
    expect(admit(session, entrant('client'), 0)).toMatchObject({ ok: false, code: 'SESSION_FULL' });
    session = drop(session, 2, clock.now()).next!;
    expect(admit(session, entrant('client'), 0)).toMatchObject({ ok: false, code: 'SESSION_FULL' });
    const closed = populated(clock, 0, { open: false });
    expect(admit(closed, entrant('client'), 0)).toMatchObject({ ok: false, code: 'SESSION_CLOSED' });
  });

  it('a dropped client becomes inactive, may rejoin within the TTL keeping its actor, and is removed after it', () => {
    const clock = new ManualClock();
    let session = populated(clock, 2);
    const dropped = drop(session, 2, clock.now());
    session = dropped.next!;
    expect(dropped.deliveries).toEqual([
      { actor: 1, event: { type: EventType.PEER_INACTIVE, peerId: 'p' + (counter - 1), actor: 2, expiresInMs: 10_000 } },
      { actor: 3, event: expect.objectContaining({ type: EventType.PEER_INACTIVE }) },
    ]);
    expect(nextDeadline(session)).toBe(10_000);
    const member = session.members[1] as Member;

    clock.advance(9_999);
    expect(rejoin(session, 2, 'wrong', Uint8Array.of(9), clock.now())).toMatchObject({ ok: false, code: 'REJOIN_NOT_FOUND' });
    const back = ok(rejoin(session, 2, member.rejoinToken, Uint8Array.of(9), clock.now()));
    expect(back.result).toMatchObject({ actor: 2, peerId: member.peerId, active: true });
    expect(back.deliveries[0]!.event).toMatchObject({ type: EventType.PEER_JOINED, rejoined: true });

    session = drop(back.next!, 2, clock.now()).next!;
    clock.advance(10_000);
    const expired = expire(session, clock.now());
    expect(expired.next!.members.map((m) => m.actor)).toEqual([1, 3]);
    expect(expired.deliveries[0]!.event).toMatchObject({ type: EventType.PEER_LEFT, actor: 2, reason: 'timeout' });
    expect(rejoin(expired.next!, 2, member.rejoinToken, Uint8Array.of(9), clock.now())).toMatchObject({ ok: false, code: 'REJOIN_NOT_FOUND' });
  });

  it('with checkUserOnJoin, a user who came back as another actor cannot also rejoin its old place', () => {
    const clock = new ManualClock();
    let session = newSession('s1', 'app', 'room', { ...settings, checkUserOnJoin: true }, clock.now());
    session = ok(admit(session, entrant('server'), clock.now())).next!;
    session = ok(admit(session, { ...entrant('client'), userId: 'alice' }, clock.now())).next!;
    const old = session.members[1] as Member;
    session = drop(session, 2, clock.now()).next!;
    session = ok(admit(session, { ...entrant('client'), userId: 'alice' }, clock.now())).next!;
    expect(rejoin(session, 2, old.rejoinToken, Uint8Array.of(9), clock.now())).toMatchObject({ ok: false, code: 'USER_ALREADY_JOINED' });
  });

  it('with a player TTL of 0 a drop removes the peer at once', () => {
    const clock = new ManualClock();
    const session = populated(clock, 1, { playerTtlMs: 0 });
    const change = drop(session, 2, clock.now());
    expect(change.next!.members.map((m) => m.actor)).toEqual([1]);
  });

  it('closes the session when the server leaves, or when its TTL runs out after a drop', () => {
    const clock = new ManualClock();
    const session = populated(clock, 2);
    const left = remove(session, 1, 'left', clock.now());
    expect(left.next).toBeNull();
    expect(left.deliveries.map((d) => [d.actor, d.event])).toEqual([
      [2, { type: EventType.SESSION_CLOSED, sessionId: 's1', reason: 'serverLeft' }],
      [3, { type: EventType.SESSION_CLOSED, sessionId: 's1', reason: 'serverLeft' }],
    ]);
    const dropped = drop(session, 1, clock.now()).next!;
    clock.advance(10_000);
    const expired = expire(dropped, clock.now());
    expect(expired.next).toBeNull();
    expect(expired.deliveries[0]!.event).toMatchObject({ reason: 'serverDropped' });
  });

  it('an empty session lives for its empty-session TTL, then closes', () => {
    const clock = new ManualClock();
    let session = populated(clock, 1, { playerTtlMs: 60_000 });
    session = remove(session, 2, 'left', clock.now()).next!;
    clock.advance(1_000);
    session = drop(session, 1, clock.now()).next!;
    expect(session.emptySince).toBe(1_000);
    expect(nextDeadline(session)).toBe(31_000);
    clock.advance(29_999);
    expect(expire(session, clock.now()).next).not.toBeNull();
    clock.advance(1);
    const closed = expire(session, clock.now());
    expect(closed.next).toBeNull();

    const quick = drop(populated(clock, 0, { playerTtlMs: 60_000, emptySessionTtlMs: 0 }), 1, clock.now());
    expect(quick.next).toBeNull();
  });

  it('random-join filters match lobby-visible properties only', () => {
    const clock = new ManualClock();
    const session = populated(clock, 0);
    expect(canJoinRandomly(session, undefined)).toBe(true);
    expect(canJoinRandomly(session, { map: 'dust' })).toBe(true);
    expect(canJoinRandomly(session, { map: 'dust', mode: 'ctf' })).toBe(true);
    expect(canJoinRandomly(session, { map: 'dust', mode: 'dm' })).toBe(false);
    expect(canJoinRandomly(session, { hidden: 1 })).toBe(false);
    expect(canJoinRandomly(session, { absent: null })).toBe(false);
    expect(canJoinRandomly(populated(clock, 0, { visible: false }), {})).toBe(false);
    expect(canJoinRandomly(populated(clock, 3), {})).toBe(false);
  });

  it('sets properties only when the expected values match (compare-and-set)', () => {
    const clock = new ManualClock();
    const session = populated(clock, 1);
    expect(setProperties(session, 2, { properties: { map: 'nuke' }, expected: { map: 'inferno' } })).toMatchObject({
      ok: false,
      code: 'PROPERTIES_MISMATCH',
    });
    expect(setProperties(session, 2, { properties: { x: 1 }, expected: { x: 0 } })).toMatchObject({ ok: false });
    const change = ok(setProperties(session, 2, { properties: { map: 'nuke', mode: null, x: 1 }, expected: { map: 'dust', x: null } }));
    expect(change.next!.properties).toEqual({ map: 'nuke', hidden: 1, x: 1 });
    expect(change.deliveries).toEqual([
      {
        actor: 1,
        event: {
          type: EventType.PROPERTIES_CHANGED,
          actor: 2,
          properties: { map: 'nuke', mode: null, x: 1 },
          lobbyKeys: ['map', 'mode'],
          open: true,
          visible: true,
        },
      },
    ]);
  });

  it('sends each side the other side’s addresses with the pair’s token, in either order', () => {
    const clock = new ManualClock();
    let session = populated(clock, 2);
    const client = session.members[1]!;
    const clientFirst = reportAddresses(session, 2, { local: [{ address: '10.0.0.2', port: 2 }] });
    expect(clientFirst.deliveries).toEqual([
      { actor: 1, event: expect.objectContaining({ type: EventType.PEER_ADDRESSES, actor: 2, pairSecret: client.pairSecret }) },
    ]);
    session = clientFirst.next!;
    const serverNext = reportAddresses(session, 1, { local: [], reflexive: { address: '1.2.3.4', port: 1 } });
    expect(serverNext.deliveries.map((d) => d.actor)).toEqual([2, 3]);
    expect(serverNext.deliveries[0]!.event).toMatchObject({ actor: 1, pairSecret: client.pairSecret });
    session = serverNext.next!;
    // A late joiner gets the server's addresses at once; the server gets known clients' on rejoin.
    session = ok(admit(session, entrant('client'), clock.now())).next!;
    expect(knownAddressesFor(session, 4)).toEqual([
      { actor: 4, event: expect.objectContaining({ actor: 1, pairSecret: session.members[3]!.pairSecret }) },
    ]);
    expect(knownAddressesFor(session, 1).map((d) => d.event)).toEqual([expect.objectContaining({ actor: 2 })]);
  });
});
