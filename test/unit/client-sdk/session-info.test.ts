// runner.session's bookkeeping (SessionView) and the lobby (Lobby) with a scripted signaling
// connection: what the cloud says is applied with bounds, property keys stay plain data, and the
// lobby's connection is opened once, forgotten when lost, and closed on leave.
import { describe, expect, it } from 'vitest';
import { PunchthroughError } from '../../../core/index.js';
import { EventType, RequestType, type Event, type JoinResult, type RequestBody } from '../../../src/protocol/index.js';
import { Lobby } from '../../../client-sdk/lobby.js';
import { SessionView } from '../../../client-sdk/session-info.js';
import type { Signaling, SignalingOptions } from '../../../client-sdk/signaling.js';
import type { NetworkRunnerEvents } from '../../../client-sdk/types.js';

type Emitted = { name: keyof NetworkRunnerEvents; args: unknown[] };

function recorder() {
  const emitted: Emitted[] = [];
  const emit = (name: keyof NetworkRunnerEvents, ...args: unknown[]) => void emitted.push({ name, args });
  return { emitted, emit: emit as never };
}

function fakeSignaling(answer: (body: RequestBody) => unknown) {
  const events = new Set<(event: Event) => void>();
  const closes = new Set<(error: PunchthroughError) => void>();
  const sent: RequestBody[] = [];
  let closed = 0;
  const signaling: Signaling = {
    request: async (body) => {
      sent.push(body);
      return answer(body) as never;
    },
    onEvent: (handler) => (events.add(handler), () => events.delete(handler)),
    onClose: (handler) => (closes.add(handler), () => closes.delete(handler)),
    droppedFrames: 0,
    failedFrames: 0,
    close: async () => void closed++,
  };
  return {
    signaling,
    sent,
    closed: () => closed,
    push: (event: Event) => events.forEach((handler) => handler(event)),
    lose: () => closes.forEach((handler) => handler(new PunchthroughError('CLOUD_UNREACHABLE', 'lost'))),
  };
}

const joinResult: JoinResult = {
  session: {
    sessionId: 'sid',
    name: 'room',
    maxPlayers: 4,
    open: true,
    visible: true,
    properties: { map: 'dust' },
    lobbyKeys: ['map'],
    playerTtlMs: 0,
    emptySessionTtlMs: 0,
    peers: [
      { actor: 1, peerId: 'p1', mode: 'server', active: true },
      { actor: 2, peerId: 'p2', mode: 'client', active: true },
    ],
  },
  actor: 2,
  peerId: 'p2',
  mode: 'client',
  created: false,
  rejoinToken: 't',
};

describe('SessionView', () => {
  it('follows joins, leaves and property changes, with a copy per read and "__proto__" kept as a plain key', () => {
    const { emitted, emit } = recorder();
    const view = new SessionView(emit);
    expect(view.info).toBeUndefined();
    view.onEvent({ type: EventType.PEER_LEFT, peerId: 'x', actor: 9, reason: 'left' });
    expect(view.info).toBeUndefined();
    view.joined(joinResult);
    expect(view.info).toEqual({ name: 'room', id: 'sid', properties: { map: 'dust' }, playerCount: 2, maxPlayers: 4, open: true, visible: true });
    view.info!.properties.map = 'changed by the game';
    expect(view.info!.properties.map).toBe('dust');

    view.onEvent({ type: EventType.PEER_JOINED, peer: { actor: 3, peerId: 'p3', mode: 'client', active: true }, rejoined: false });
    view.onEvent({ type: EventType.PEER_JOINED, peer: { actor: 3, peerId: 'p3', mode: 'client', active: true }, rejoined: true });
    expect(view.info!.playerCount).toBe(3);
    view.onEvent({ type: EventType.PEER_LEFT, peerId: 'p3', actor: 3, reason: 'timeout' });
    expect(view.info!.playerCount).toBe(2);

    const hostile = JSON.parse('{"__proto__": "x", "map": null, "round": 2}') as Record<string, string | number | null>;
    view.onEvent({ type: EventType.PROPERTIES_CHANGED, actor: 1, properties: hostile, lobbyKeys: [], open: false, visible: true });
    const info = view.info!;
    expect(Object.getPrototypeOf(info.properties)).toBe(Object.prototype);
    expect(Object.keys(info.properties).sort()).toEqual(['__proto__', 'round']);
    expect(info.open).toBe(false);
    expect(emitted.map((e) => e.name)).toEqual(['sessionPropertiesChanged']);
    expect(emitted[0]!.args[0]).toMatchObject({ actor: 1, session: { open: false } });
  });

  it('bounds the members a cloud can announce', () => {
    const view = new SessionView(recorder().emit);
    view.joined(joinResult);
    for (let actor = 3; actor < 5_000; actor++) {
      view.onEvent({ type: EventType.PEER_JOINED, peer: { actor, peerId: `p${actor}`, mode: 'client', active: true }, rejoined: false });
    }
    expect(view.info!.playerCount).toBe(1024);
  });

  it('changes nothing locally when the cloud refuses, and needs a session', async () => {
    const view = new SessionView(recorder().emit);
    await expect(view.change(undefined, { open: false })).rejects.toMatchObject({ code: 'NOT_IN_SESSION' });
    view.joined(joinResult);
    const refusing = fakeSignaling(() => {
      throw new PunchthroughError('PROPERTIES_MISMATCH', 'no');
    });
    await expect(view.change(refusing.signaling, { properties: { map: 'x' }, expected: { map: 'y' } })).rejects.toMatchObject({ code: 'PROPERTIES_MISMATCH' });
    expect(view.info!.properties).toEqual({ map: 'dust' });
    const accepting = fakeSignaling(() => ({}));
    await view.change(accepting.signaling, { properties: { map: 'x' } });
    expect(accepting.sent).toEqual([{ type: RequestType.SET_PROPERTIES, properties: { map: 'x' }, lobbyKeys: ['map'] }]);
    expect(view.info!.properties).toEqual({ map: 'x' });
  });
});

describe('Lobby', () => {
  const list = { sessions: [{ name: 'a', sessionId: 'ida', players: 1, maxPlayers: 2, properties: { rank: 5 } }] };

  it('opens one connection, pushes sessionListUpdated, forgets a lost connection and closes on leave', async () => {
    const { emitted, emit } = recorder();
    const connections: ReturnType<typeof fakeSignaling>[] = [];
    const lobby = new Lobby(
      {
        signaling: {} as SignalingOptions,
        connectSignaling: async () => {
          const fake = fakeSignaling(() => list);
          connections.push(fake);
          return fake.signaling;
        },
      },
      emit,
    );
    expect(await lobby.list({ filter: { rank: 5 }, limit: 3, offset: 1, extra: 1 } as never)).toEqual([
      { name: 'a', id: 'ida', properties: { rank: 5 }, playerCount: 1, maxPlayers: 2, open: true, visible: true },
    ]);
    expect(connections[0]!.sent).toEqual([{ type: RequestType.LIST, filter: { rank: 5 }, limit: 3, offset: 1 }]);
    await lobby.join({ limit: 2 });
    expect(connections).toHaveLength(1);
    connections[0]!.push({ type: EventType.LOBBY_UPDATE, sessions: [], more: true });
    expect(emitted.map((e) => e.args[0])).toEqual([
      { sessions: [expect.objectContaining({ name: 'a' })], more: false },
      { sessions: [], more: true },
    ]);
    connections[0]!.lose();
    await lobby.list();
    expect(connections).toHaveLength(2);
    await lobby.close();
    expect(connections[1]!.closed()).toBe(1);
    await expect(lobby.list()).rejects.toMatchObject({ code: 'RUNNER_CLOSED' });
  });

  it('retries a connection that failed to open, and closes one that opens after leave', async () => {
    let attempts = 0;
    let release: () => void = () => undefined;
    const late = fakeSignaling(() => list);
    const lobby = new Lobby(
      {
        signaling: {} as SignalingOptions,
        connectSignaling: async () => {
          attempts++;
          if (attempts === 1) throw new PunchthroughError('CLOUD_UNREACHABLE', 'down');
          await new Promise<void>((resolve) => (release = resolve));
          return late.signaling;
        },
      },
      recorder().emit,
    );
    await expect(lobby.list()).rejects.toMatchObject({ code: 'CLOUD_UNREACHABLE' });
    const pending = lobby.join();
    await Promise.resolve();
    const left = lobby.leave();
    release();
    await left;
    await expect(pending).rejects.toMatchObject({ code: 'RUNNER_CLOSED' });
    expect(late.closed()).toBe(1);
    expect(attempts).toBe(2);
  });
});
