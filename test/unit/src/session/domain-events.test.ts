// The pure model's domain events: what happened to a session, even when nobody is left to tell.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/index.js';
import { admit, create, remove, setProperties, type Change, type Outcome, type SessionSettings } from '../../../../src/session/model.js';
import { drop, expire } from '../../../../src/session/expiry.js';

const settings: SessionSettings = {
  maxPlayers: 4,
  open: true,
  visible: true,
  properties: {},
  lobbyKeys: [],
  playerTtlMs: 10_000,
  emptySessionTtlMs: 30_000,
};
const member = (mode: 'server' | 'client', n: number, userId?: string) => ({
  mode,
  peerId: `p${n}`,
  rejoinToken: `r${n}`,
  pairSecret: Uint8Array.of(n),
  ...(userId ? { userId } : {}),
});
const ok = <R>(outcome: Outcome<R>): Change<R> => {
  if (!outcome.ok) throw new Error(outcome.code);
  return outcome.change;
};
const types = (change: Change<unknown>) => change.events.map((e) => ('reason' in e ? `${e.type}:${e.reason}` : e.type));

describe('domain events of the session model', () => {
  it('a create is a session created and its server joined, with the user the hook named', () => {
    const created = ok(create('s1', 'app', 'room', settings, member('server', 1, 'alice'), 0));
    expect(created.events).toEqual([
      { type: 'sessionCreated', sessionId: 's1', appKey: 'app', name: 'room' },
      { type: 'memberJoined', sessionId: 's1', appKey: 'app', actor: 1, peerId: 'p1', mode: 'server', rejoined: false, userId: 'alice' },
    ]);
    expect(created.next!.members[0]!.userId).toBe('alice');
  });

  it('a drop is inactive, the player TTL running out is left (timeout), the empty TTL is closed (empty) with nobody to tell', () => {
    const clock = new ManualClock();
    let session = ok(create('s1', 'app', 'room', settings, member('server', 1), clock.now())).next!;
    session = ok(admit(session, member('client', 2), clock.now())).next!;
    const dropped = drop(session, 2, clock.now());
    expect(types(dropped)).toEqual(['memberInactive']);
    const expired = expire(dropped.next!, clock.now() + 10_000);
    expect(expired.events).toMatchObject([{ type: 'memberLeft', actor: 2, reason: 'timeout' }]);
    // The server drops too; once its TTL and the empty TTL pass, the close has its reason though nobody hears it.
    const alone = drop(expired.next!, 1, clock.now() + 10_000);
    const gone = expire(alone.next!, clock.now() + 40_000);
    expect(gone.next).toBeNull();
    expect(gone.deliveries).toEqual([]);
    expect(types(gone)).toEqual(['memberLeft:timeout', 'sessionClosed:serverDropped']);
  });

  it('an empty session closing on its own TTL says empty', () => {
    let session = ok(create('s1', 'app', 'room', { ...settings, playerTtlMs: 60_000 }, member('server', 1), 0)).next!;
    session = drop(session, 1, 0).next!;
    const closed = expire(session, 30_000);
    expect(closed.deliveries).toEqual([]);
    expect(types(closed)).toEqual(['sessionClosed:empty']);
  });

  it('the server leaving is its departure, then the close (serverLeft); a property change says what changed', () => {
    let session = ok(create('s1', 'app', 'room', settings, member('server', 1), 0)).next!;
    session = ok(admit(session, member('client', 2), 0)).next!;
    const changed = ok(setProperties(session, 1, { properties: { map: 'dust' }, open: false }));
    expect(changed.events).toEqual([
      { type: 'propertiesChanged', sessionId: 's1', appKey: 'app', actor: 1, properties: { map: 'dust' }, lobbyKeys: [], open: false, visible: true },
    ]);
    const left = remove(changed.next!, 1, 'left', 0);
    expect(types(left)).toEqual(['memberLeft:left', 'sessionClosed:serverLeft']);
    expect(left.deliveries).toHaveLength(1);
  });
});
