// The runner's roster: the join reply's snapshot, then the cloud's player events (inactive,
// rejoined, left), events read before the reply applied after it, and events that do not fit the
// roster ignored; kick's local checks.
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../../core/index.js';
import { EventType, type JoinResult } from '../../../src/protocol/index.js';
import { Players, type PlayerEvent } from '../../../client-sdk/players.js';

function joinResult(actor: number, mode: 'server' | 'client'): JoinResult {
  return {
    session: {
      sessionId: 's',
      name: 'n',
      maxPlayers: 8,
      open: true,
      visible: true,
      properties: {},
      lobbyKeys: [],
      playerTtlMs: 1000,
      emptySessionTtlMs: 1000,
      peers: [
        { actor: 1, peerId: 'srv', mode: 'server', active: true },
        { actor: 2, peerId: 'c2', mode: 'client', active: true },
      ],
    },
    actor,
    peerId: actor === 1 ? 'srv' : 'c2',
    mode,
    created: false,
    rejoinToken: 't',
  };
}

function rig() {
  const emitted: [string, unknown][] = [];
  const sent: unknown[] = [];
  const players = new Players(
    { logger: createSilentLogger() },
    {
      emit: ((name: string, event: unknown) => void emitted.push([name, event])) as never,
      request: async (body) => void sent.push(body),
    },
  );
  return { players, emitted, sent };
}

const joined = (actor: number, peerId: string, rejoined = false): PlayerEvent => ({
  type: EventType.PEER_JOINED,
  peer: { actor, peerId, mode: 'client', active: true },
  rejoined,
});

describe('players', () => {
  it('follows joins, inactivity, rejoins and leaves, applying events read before the join reply after it', () => {
    const { players, emitted } = rig();
    players.onEvent(joined(3, 'c3'));
    expect(players.list()).toEqual([]);
    players.joined(joinResult(2, 'client'));
    expect(players.list().map((p) => [p.actor, p.local])).toEqual([[2, true], [1, false], [3, false]]);
    players.onEvent({ type: EventType.PEER_INACTIVE, actor: 3, peerId: 'c3', expiresInMs: 500 });
    expect(players.list().find((p) => p.actor === 3)!.active).toBe(false);
    players.onEvent(joined(3, 'c3', true));
    players.onEvent({ type: EventType.PEER_LEFT, actor: 3, peerId: 'c3', reason: 'timeout' });
    expect(emitted).toEqual([
      ['playerJoined', { actor: 3, peerId: 'c3', mode: 'client', rejoined: false }],
      ['playerInactive', { actor: 3, peerId: 'c3', expiresInMs: 500 }],
      ['playerJoined', { actor: 3, peerId: 'c3', mode: 'client', rejoined: true }],
      ['playerLeft', { actor: 3, peerId: 'c3', reason: 'timeout' }],
    ]);
    players.clear();
    expect(players.list()).toEqual([]);
  });

  it('ignores events about itself, unknown players, a mismatched peer id and a repeated join', () => {
    const { players, emitted } = rig();
    players.joined(joinResult(2, 'client'));
    players.onEvent(joined(2, 'c2'));
    players.onEvent(joined(1, 'someone-else'));
    players.onEvent(joined(1, 'srv'));
    players.onEvent({ type: EventType.PEER_LEFT, actor: 9, peerId: 'x', reason: 'left' });
    players.onEvent({ type: EventType.PEER_LEFT, actor: 1, peerId: 'not-srv', reason: 'left' });
    players.onEvent({ type: EventType.PEER_LEFT, actor: 2, peerId: 'c2', reason: 'kicked' });
    expect(emitted).toEqual([]);
    expect(players.list()).toHaveLength(2);
  });

  it('kicks only as the server, by peer id, with a bounded message', async () => {
    const client = rig();
    await expect(client.players.kick('c2')).rejects.toMatchObject({ code: 'NOT_IN_SESSION' });
    client.players.joined(joinResult(2, 'client'));
    await expect(client.players.kick('srv')).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    const server = rig();
    server.players.joined(joinResult(1, 'server'));
    await expect(server.players.kick('c2', 'x'.repeat(257))).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await server.players.kick('c2', 'bye');
    expect(server.sent).toEqual([{ type: 11, peerId: 'c2', reason: 'kicked', message: 'bye' }]);
  });

  it('after a rejoin, tells the game who arrived and who left while the cloud was away', () => {
    const { players, emitted } = rig();
    players.joined(joinResult(1, 'server'));
    emitted.length = 0;
    const back = joinResult(1, 'server');
    back.session.peers = [
      { actor: 1, peerId: 'srv', mode: 'server', active: true },
      { actor: 3, peerId: 'c3', mode: 'client', active: true },
    ];
    expect(players.joined(back)).toEqual(['c2']);
    expect(emitted).toEqual([
      ['playerLeft', { actor: 2, peerId: 'c2', reason: 'left' }],
      ['playerJoined', { actor: 3, peerId: 'c3', mode: 'client', rejoined: false }],
    ]);
    expect(players.list().map((p) => p.actor)).toEqual([1, 3]);
  });
});
