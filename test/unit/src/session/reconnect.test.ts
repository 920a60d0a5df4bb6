// Cloud loss and rejoin on the session service, on a manual clock: the reconnect grace (held
// unseen, resumed, taken over, lapsed) and RESTORE of a session the service lost.
import { createHash, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EventType, ReplyType, RequestType, type JoinResult, type ServerMessage } from '../../../../src/protocol/index.js';
import { setupHub as setup } from '../../../support/fake-hub-peer.js';

const result = (message: ServerMessage): JoinResult => {
  if (message.type !== ReplyType.RESPONSE) throw new Error(JSON.stringify(message));
  return message.result as JoinResult;
};

const tokenOf = (secret: Uint8Array) => new Uint8Array(hkdfSync('sha256', secret, new Uint8Array(0), 'punchthrough restore token v1', 32));
const proofOf = (secret: Uint8Array) => new Uint8Array(createHash('sha256').update(tokenOf(secret)).digest());

describe('reconnect grace', () => {
  it('holds a dropped client unseen for the grace; its rejoin resumes it with the same actor and peer id', async () => {
    const { clock, hub, connect } = setup({ heartbeatIntervalMs: 3_600_000, reconnectGraceMs: 10_000 });
    const host = await connect();
    result(await host.request({ type: RequestType.CREATE, name: 'g' }));
    const client = await connect();
    const joined = result(await client.request({ type: RequestType.JOIN, name: 'g' }));
    client.connection.onClose();
    await clock.advanceAsync(9_999);
    expect(host.events(EventType.PEER_INACTIVE)).toHaveLength(0);
    expect(host.events(EventType.PEER_LEFT)).toHaveLength(0);
    const again = await connect();
    const back = result(
      await again.request({ type: RequestType.REJOIN, sessionId: joined.session.sessionId, actor: joined.actor, rejoinToken: joined.rejoinToken }),
    );
    expect(back).toMatchObject({ actor: joined.actor, peerId: joined.peerId, resumed: true });
    expect(again.events(EventType.START)).toHaveLength(1);
    await clock.advanceAsync(60_000);
    expect(host.events(EventType.PEER_LEFT)).toHaveLength(0);
    expect(host.events(EventType.PEER_JOINED)).toHaveLength(1);
    await hub.shutdown();
  });

  it('past the grace the drop applies: a client with no player TTL leaves, a server takes the session with it', async () => {
    const { clock, hub, connect } = setup({ heartbeatIntervalMs: 3_600_000, reconnectGraceMs: 5_000 });
    const host = await connect();
    result(await host.request({ type: RequestType.CREATE, name: 'g' }));
    const client = await connect();
    result(await client.request({ type: RequestType.JOIN, name: 'g' }));
    const other = await connect();
    result(await other.request({ type: RequestType.JOIN, name: 'g' }));
    client.connection.onClose();
    await clock.advanceAsync(5_000);
    expect(host.events(EventType.PEER_LEFT)).toMatchObject([{ actor: 2, reason: 'timeout' }]);
    host.connection.onClose();
    await clock.advanceAsync(4_999);
    expect(other.events(EventType.SESSION_CLOSED)).toHaveLength(0);
    await clock.advanceAsync(1);
    expect(other.events(EventType.SESSION_CLOSED)).toMatchObject([{ reason: 'serverDropped' }]);
    await hub.shutdown();
  });

  it('past the grace a member with a player TTL turns inactive (PEER_INACTIVE), as before the grace', async () => {
    const { clock, hub, connect } = setup({ heartbeatIntervalMs: 3_600_000, reconnectGraceMs: 2_000 });
    const host = await connect();
    result(await host.request({ type: RequestType.CREATE, name: 'g', playerTtlMs: 30_000 }));
    const client = await connect();
    result(await client.request({ type: RequestType.JOIN, name: 'g' }));
    client.connection.onClose();
    await clock.advanceAsync(1_999);
    expect(host.events(EventType.PEER_INACTIVE)).toHaveLength(0);
    await clock.advanceAsync(1);
    expect(host.events(EventType.PEER_INACTIVE)).toMatchObject([{ actor: 2, expiresInMs: 30_000 }]);
    await hub.shutdown();
  });

  it('a rejoin before the old socket is noticed dead takes over; the old socket closing later changes nothing', async () => {
    const { clock, hub, connect } = setup({ heartbeatIntervalMs: 3_600_000, reconnectGraceMs: 1_000 });
    const host = await connect();
    const created = result(await host.request({ type: RequestType.CREATE, name: 'g' }));
    const again = await connect();
    const back = result(
      await again.request({ type: RequestType.REJOIN, sessionId: created.session.sessionId, actor: 1, rejoinToken: created.rejoinToken }),
    );
    expect(back).toMatchObject({ actor: 1, peerId: created.peerId, resumed: true });
    // The old connection is out of the session: its requests are refused, its close ignored.
    expect(await host.request({ type: RequestType.SET_PROPERTIES, properties: { a: 1 } })).toMatchObject({ code: 'NOT_IN_SESSION' });
    host.connection.onClose();
    await clock.advanceAsync(60_000);
    const client = await connect();
    expect(result(await client.request({ type: RequestType.JOIN, name: 'g' })).actor).toBe(2);
    expect(again.events(EventType.PEER_JOINED)).toHaveLength(1);
    await hub.shutdown();
  });

  it('refuses a rejoin with the wrong token', async () => {
    const { hub, connect } = setup({ heartbeatIntervalMs: 3_600_000 });
    const host = await connect();
    const created = result(await host.request({ type: RequestType.CREATE, name: 'g' }));
    const thief = await connect();
    const refused = await thief.request({ type: RequestType.REJOIN, sessionId: created.session.sessionId, actor: 1, rejoinToken: 'nope' });
    expect(refused).toMatchObject({ code: 'REJOIN_NOT_FOUND' });
    await hub.shutdown();
  });
});

describe('RESTORE', () => {
  const secret = new Uint8Array(32).fill(7);
  const restoreBody = (clients = [{ actor: 2, peerId: 'client-two', proof: proofOf(secret) }]) => ({
    type: RequestType.RESTORE,
    sessionId: 'oldSessionId1',
    name: 'lost',
    peerId: 'host-peer',
    clients,
    maxPlayers: 4,
    properties: { map: 'dust' },
    lobbyKeys: ['map'],
  });

  it('re-establishes the session with its name and settings under a new id, the host as actor 1; a client rejoins by name with its restore token', async () => {
    const { clock, hub, connect } = setup({ heartbeatIntervalMs: 3_600_000, reconnectGraceMs: 10_000 });
    const host = await connect();
    const restored = result(await host.request(restoreBody()));
    expect(restored).toMatchObject({ actor: 1, peerId: 'host-peer', mode: 'server', session: { name: 'lost', maxPlayers: 4 } });
    // Never the id asked for: a fresh cloud cannot tell the host from someone who read it in the lobby.
    expect(restored.session.sessionId).not.toBe('oldSessionId1');
    const lister = await connect();
    expect(await lister.request({ type: RequestType.LIST })).toMatchObject({ result: { sessions: [{ name: 'lost', players: 2, properties: { map: 'dust' } }] } });
    // Someone without the pair's secret cannot take the client's place.
    const thief = await connect();
    const wrong = { type: RequestType.REJOIN, sessionId: 'oldSessionId1', sessionName: 'lost', actor: 2, rejoinToken: 'old', restoreToken: new Uint8Array(32) } as const;
    expect(await thief.request(wrong)).toMatchObject({ code: 'REJOIN_NOT_FOUND' });
    const { sessionName: _, ...byIdOnly } = { ...wrong, restoreToken: tokenOf(secret) };
    expect(await thief.request(byIdOnly)).toMatchObject({ code: 'SESSION_NOT_FOUND' });
    const client = await connect();
    const back = result(await client.request({ ...wrong, restoreToken: tokenOf(secret) }));
    expect(back).toMatchObject({ actor: 2, peerId: 'client-two', resumed: true });
    await clock.advanceAsync(60_000);
    expect(host.events(EventType.PEER_LEFT)).toHaveLength(0);
    // A new client gets the next actor.
    const newcomer = await connect();
    expect(result(await newcomer.request({ type: RequestType.JOIN, name: 'lost' })).actor).toBe(3);
    await hub.shutdown();
  });

  it('a listed client that never comes back is dropped after the grace', async () => {
    const { clock, hub, connect } = setup({ heartbeatIntervalMs: 3_600_000, reconnectGraceMs: 3_000 });
    const host = await connect();
    result(await host.request(restoreBody()));
    await clock.advanceAsync(3_000);
    expect(host.events(EventType.PEER_LEFT)).toMatchObject([{ actor: 2, peerId: 'client-two', reason: 'timeout' }]);
    await hub.shutdown();
  });

  it('refuses a taken name (SESSION_EXISTS), more clients than maxPlayers, and repeated actors', async () => {
    const { hub, connect } = setup({ heartbeatIntervalMs: 3_600_000 });
    const first = await connect();
    result(await first.request({ type: RequestType.CREATE, name: 'lost' }));
    const host = await connect();
    expect(await host.request(restoreBody())).toMatchObject({ code: 'SESSION_EXISTS' });
    const many = [2, 3, 4, 5].map((actor) => ({ actor, peerId: `p${actor}`, proof: proofOf(secret) }));
    expect(await host.request({ ...restoreBody(many), name: 'other' })).toMatchObject({ code: 'SESSION_FULL' });
    const twice = [2, 2].map((actor, i) => ({ actor, peerId: `p${i}`, proof: proofOf(secret) }));
    expect(await host.request({ ...restoreBody(twice), name: 'third' })).toMatchObject({ code: 'INVALID_REQUEST' });
    const badProof = [{ actor: 2, peerId: 'p', proof: new Uint8Array(5) }];
    expect(await host.request({ ...restoreBody(badProof), name: 'fourth' })).toMatchObject({ code: 'INVALID_REQUEST' });
    await hub.shutdown();
  });

  it('takes a new id when the old one is in use, and a client finds the session by name', async () => {
    const { hub, connect } = setup({ heartbeatIntervalMs: 3_600_000 });
    const first = await connect();
    const taken = result(await first.request({ type: RequestType.CREATE, name: 'other' }));
    const host = await connect();
    const restored = result(await host.request({ ...restoreBody(), sessionId: taken.session.sessionId }));
    expect(restored.session.sessionId).not.toBe(taken.session.sessionId);
    const client = await connect();
    const rejoin = { type: RequestType.REJOIN, sessionId: 'gone', actor: 2, rejoinToken: 'x', restoreToken: tokenOf(secret), sessionName: 'lost' } as const;
    expect(result(await client.request(rejoin)).session.sessionId).toBe(restored.session.sessionId);
    await hub.shutdown();
  });
});
