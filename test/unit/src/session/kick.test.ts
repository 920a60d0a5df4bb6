// Kick and connection tokens in the session service: the pure change (who may kick whom, what each
// member is told, no rejoin afterwards), the token reaching only the server with the client's
// addresses, and the service revoking the kicked member's relay tickets and unbinding its connection.
import { describe, expect, it } from 'vitest';
import { EventType, RequestType, type JoinResult } from '../../../../src/protocol/index.js';
import { reportAddresses } from '../../../../src/session/addresses.js';
import { kick } from '../../../../src/session/kick.js';
import { admit, newSession, rejoin, type Change, type Outcome, type Session } from '../../../../src/session/model.js';
import { sessionsRig } from '../../../support/session-parts.js';

const settings = { maxPlayers: 4, open: true, visible: true, properties: {}, lobbyKeys: [], playerTtlMs: 10_000, emptySessionTtlMs: 30_000 };

function ok<R>(outcome: Outcome<R>): Change<R> {
  if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.message}`);
  return outcome.change;
}

/** A server (actor 1) and two clients (2 with a token, 3 without). */
function threeMembers(): Session {
  let session = newSession('s1', 'app', 'room', settings, 0);
  session = ok(admit(session, { mode: 'server', peerId: 'srv', rejoinToken: 'r1', pairSecret: new Uint8Array(32) }, 0)).next!;
  session = ok(admit(session, { mode: 'client', peerId: 'c2', rejoinToken: 'r2', pairSecret: new Uint8Array(32).fill(2), connectionToken: Uint8Array.of(9, 9) }, 0)).next!;
  return ok(admit(session, { mode: 'client', peerId: 'c3', rejoinToken: 'r3', pairSecret: new Uint8Array(32).fill(3) }, 0)).next!;
}

describe('kick (pure)', () => {
  it('removes the member: KICKED to it, PEER_LEFT kicked to the others, memberLeft for the hooks; its rejoin token is void', () => {
    const change = ok(kick(threeMembers(), 1, { peerId: 'c2', message: 'cheat' }, 5));
    expect(change.next!.members.map((m) => m.actor)).toEqual([1, 3]);
    expect(change.deliveries).toEqual([
      { actor: 2, event: { type: EventType.KICKED, sessionId: 's1', reason: 'kicked', message: 'cheat' } },
      { actor: 1, event: { type: EventType.PEER_LEFT, peerId: 'c2', actor: 2, reason: 'kicked' } },
      { actor: 3, event: { type: EventType.PEER_LEFT, peerId: 'c2', actor: 2, reason: 'kicked' } },
    ]);
    expect(change.events).toMatchObject([{ type: 'memberLeft', actor: 2, reason: 'kicked' }]);
    expect(rejoin(change.next!, 2, 'r2', new Uint8Array(32), 6)).toMatchObject({ ok: false, code: 'REJOIN_NOT_FOUND' });
  });

  it('a refused connect request is a kick with reason connectRefused', () => {
    const change = ok(kick(threeMembers(), 1, { actor: 3, reason: 'connectRefused', message: 'no' }, 5));
    expect(change.deliveries[0]).toEqual({ actor: 3, event: { type: EventType.KICKED, sessionId: 's1', reason: 'connectRefused', message: 'no' } });
    expect(change.deliveries[1]!.event).toMatchObject({ type: EventType.PEER_LEFT, reason: 'connectRefused' });
  });

  it('refuses a client kicking, the server kicking itself, a missing or mismatched target, and a kick naming nobody', () => {
    const session = threeMembers();
    expect(kick(session, 2, { actor: 3 }, 0)).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    expect(kick(session, 1, { actor: 1 }, 0)).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    expect(kick(session, 1, { actor: 9 }, 0)).toMatchObject({ ok: false, code: 'PLAYER_NOT_FOUND' });
    expect(kick(session, 1, { actor: 2, peerId: 'c3' }, 0)).toMatchObject({ ok: false, code: 'PLAYER_NOT_FOUND' });
    expect(kick(session, 1, {}, 0)).toMatchObject({ ok: false, code: 'INVALID_REQUEST' });
  });
});

describe('connection tokens (pure)', () => {
  it('reach the server with the client’s addresses, never a client', () => {
    const session = threeMembers();
    const fromClient = reportAddresses(session, 2, { local: [{ address: '10.0.0.2', port: 5000 }] });
    expect(fromClient.deliveries).toHaveLength(1);
    expect(fromClient.deliveries[0]).toMatchObject({ actor: 1, event: { type: EventType.PEER_ADDRESSES, actor: 2, connectionToken: Uint8Array.of(9, 9) } });
    const fromServer = reportAddresses(fromClient.next!, 1, { local: [{ address: '10.0.0.1', port: 5000 }] });
    for (const delivery of fromServer.deliveries) expect(delivery.event).not.toHaveProperty('connectionToken');
    const tokenless = reportAddresses(session, 3, { local: [{ address: '10.0.0.3', port: 5000 }] });
    expect(tokenless.deliveries[0]!.event).not.toHaveProperty('connectionToken');
  });
});

describe('kick in the sessions service', () => {
  it('revokes the kicked actor’s relay tickets, unbinds its connection and keeps the join’s token', async () => {
    const revoked: [string, number | undefined][] = [];
    const { sessions, peer, enter, store } = sessionsRig({
      relay: { endpoint: { address: '203.0.113.9', port: 3478 }, issueTicket: () => ({ ticket: new Uint8Array(8), expiresAtMs: 1 }), revoke: (s, a) => void revoked.push([s, a]) },
    });
    const host = await peer();
    const created = (await enter((reply) => sessions.create(host, { type: RequestType.CREATE, id: 2, name: 'k' }, reply))) as JoinResult;
    const guest = await peer('198.51.100.2');
    const joined = (await enter((reply) => sessions.join(guest, { type: RequestType.JOIN, id: 2, name: 'k', connectionToken: Uint8Array.of(1) }, reply))) as JoinResult;
    expect((await store.get(created.session.sessionId))!.session.members[1]!.connectionToken).toEqual(Uint8Array.of(1));
    await expect(sessions.kick(guest, { type: RequestType.KICK, id: 3, actor: 1 })).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await sessions.kick(host, { type: RequestType.KICK, id: 3, actor: joined.actor, message: 'bye' });
    expect(revoked).toEqual([[created.session.sessionId, joined.actor]]);
    expect(guest.membership).toBeUndefined();
    expect(guest.events(EventType.KICKED)).toHaveLength(1);
    expect(host.events(EventType.PEER_LEFT)).toMatchObject([{ actor: joined.actor, reason: 'kicked' }]);
    await expect(sessions.kick(host, { type: RequestType.KICK, id: 4, actor: joined.actor })).rejects.toMatchObject({ code: 'PLAYER_NOT_FOUND' });
  });
});
