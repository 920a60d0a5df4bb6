// detachNode: the members of a dead or draining node are held detached for the failover grace,
// unseen by the others; past it the ordinary drop applies.
import { describe, expect, it } from 'vitest';
import { EventType } from '../../../../src/protocol/index.js';
import { admit, newSession, replaceMember, type Change, type Outcome, type Session, type SessionSettings } from '../../../../src/session/model.js';
import { expire, nextDeadline } from '../../../../src/session/expiry.js';
import { detachNode, membersOnNode } from '../../../../src/session/node-failover.js';

const settings: SessionSettings = { maxPlayers: 4, open: true, visible: true, properties: {}, lobbyKeys: [], playerTtlMs: 10_000, emptySessionTtlMs: 30_000 };

function ok<R>(outcome: Outcome<R>): Change<R> {
  if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.message}`);
  return outcome.change;
}

/** A session with a server on node a, a client on node b and a client on node a. */
function threeMembers(playerTtlMs = 10_000): Session {
  let s = newSession('sid', 'app', 'g', { ...settings, playerTtlMs }, 0);
  for (const [i, mode] of (['server', 'client', 'client'] as const).entries()) {
    s = ok(admit(s, { mode, peerId: `p${i}`, rejoinToken: `r${i}`, pairSecret: Uint8Array.of(i) }, 0)).next!;
  }
  const nodes = ['a', 'b', 'a'];
  for (const m of s.members) s = replaceMember(s, { ...m, node: nodes[m.actor - 1] });
  return s;
}

describe('detachNode', () => {
  it("detaches the dead node's members for the grace, tells nobody, and forgets their node", () => {
    const s = threeMembers();
    expect(membersOnNode(s, 'a')).toEqual([1, 3]);
    const change = detachNode(s, 'a', 1_000, 10_000);
    expect(change.deliveries).toEqual([]);
    expect(change.events).toEqual([]);
    const [m1, m2, m3] = change.next!.members;
    expect(m1).toMatchObject({ active: true, detachedUntil: 11_000 });
    expect(m3).toMatchObject({ active: true, detachedUntil: 11_000 });
    expect(m1!.node).toBeUndefined();
    expect(m2).toMatchObject({ node: 'b' });
    expect(m2!.detachedUntil).toBeUndefined();
    expect(nextDeadline(change.next!)).toBe(11_000);
    // A second pass (another reaper, or a retry) changes nothing.
    expect(detachNode(change.next!, 'a', 2_000, 10_000).next).toBe(change.next);
  });

  it('past the grace, expire applies the drop: PEER_INACTIVE to the others', () => {
    const change = detachNode(threeMembers(), 'b', 0, 5_000);
    expect(expire(change.next!, 4_999).deliveries).toEqual([]);
    const lapsed = expire(change.next!, 5_000);
    expect(lapsed.deliveries.map((d) => [d.actor, d.event.type])).toEqual([
      [1, EventType.PEER_INACTIVE],
      [3, EventType.PEER_INACTIVE],
    ]);
  });

  it('keeps an earlier detach deadline, and drops at once with a zero grace', () => {
    let s = threeMembers();
    s = replaceMember(s, { ...s.members[1]!, detachedUntil: 500 });
    expect(detachNode(s, 'b', 400, 10_000).next!.members[1]).toMatchObject({ detachedUntil: 500 });
    const dropped = detachNode(threeMembers(0), 'b', 100, 0);
    expect(dropped.next!.members.map((m) => m.actor)).toEqual([1, 3]);
    expect(dropped.deliveries.map((d) => d.event.type)).toContain(EventType.PEER_LEFT);
  });

  it('a session with no member on the node is unchanged', () => {
    const s = threeMembers();
    expect(detachNode(s, 'c', 0, 10_000).next).toBe(s);
  });
});
