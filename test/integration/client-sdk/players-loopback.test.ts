// Players, kick and connection tokens on loopback: the real cloud (WebSocket signaling, STUN, relay)
// on port 0 and runners on real sockets. A kick ends the kicked runner with reason kicked, the
// others hear playerLeft kicked, the kicked player cannot rejoin; the server's connect-request
// callback accepts, refuses (the reason reaches the client), answers asynchronously or throws;
// hostile kick and token requests get coded errors.
import { afterAll, describe, expect, it } from 'vitest';
import type { NetworkRunner, PlayerLeftEvent, ShutdownEvent } from '../../../client-sdk/index.js';
import { EventType, RequestType } from '../../../src/protocol/index.js';
import { useLoopbackRunners } from '../../support/loopback-runners.js';
import { SignalingError, TestSignalingClient } from '../../support/signaling-client.js';

const APP_ID = 'players-loopback';
const loopback = useLoopbackRunners(APP_ID);
const { runner } = loopback;

const clients: TestSignalingClient[] = [];

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
});

async function raw(): Promise<TestSignalingClient> {
  const client = await TestSignalingClient.hello(`${loopback.cloud.url.replace('http', 'ws')}/v1/signaling`, APP_ID);
  clients.push(client);
  return client;
}

function next<T>(target: NetworkRunner, name: 'shutdown' | 'playerLeft' | 'peerDisconnected'): Promise<T> {
  return new Promise((resolve) => (target.once as (name: string, listener: (event: T) => void) => void)(name, resolve));
}

/** The first `peerDisconnected` about `peerId` (another peer's goodbye may come first). */
function disconnectOf(target: NetworkRunner, peerId: string): Promise<unknown> {
  return new Promise((resolve) => {
    const listener = (event: { peerId: string }): void => {
      if (event.peerId !== peerId) return;
      target.off('peerDisconnected', listener);
      resolve(event);
    };
    target.on('peerDisconnected', listener);
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SignalingError) return error.reply.code;
    return (error as { code: string }).code;
  }
  throw new Error('expected a failure');
}

describe('players and kick on loopback', () => {
  it('a leave is playerLeft left; a kick shuts the kicked client down with reason kicked, the others hear playerLeft kicked', async () => {
    const host = runner();
    await host.startGame({ mode: 'server', sessionName: 'kick-loopback' });
    const a = runner();
    const b = runner();
    const c = runner();
    const { peerId: aId, server } = await a.startGame({ mode: 'client', sessionName: 'kick-loopback' });
    const { peerId: bId } = await b.startGame({ mode: 'client', sessionName: 'kick-loopback' });
    const { peerId: cId } = await c.startGame({ mode: 'client', sessionName: 'kick-loopback' });
    expect(host.players.map((p) => p.peerId).sort()).toEqual([host.players[0]!.peerId, aId, bId, cId].sort());

    const cLeft = next<PlayerLeftEvent>(host, 'playerLeft');
    await c.shutdown();
    expect(c.players).toEqual([]);
    expect(await cLeft).toEqual({ actor: 4, peerId: cId, reason: 'left' });

    const aShutdown = next<ShutdownEvent>(a, 'shutdown');
    const aDisconnected = next(a, 'peerDisconnected');
    const hostDisconnected = disconnectOf(host, aId);
    const bHeard = next<PlayerLeftEvent>(b, 'playerLeft');
    const hostHeard = next<PlayerLeftEvent>(host, 'playerLeft');
    await host.disconnect(aId, 'too many pings');
    expect(await aShutdown).toEqual({ reason: 'kicked', code: 'KICKED', message: 'too many pings' });
    expect(await aDisconnected).toEqual({ peerId: server!.peerId, reason: 'kicked' });
    expect(await hostDisconnected).toEqual({ peerId: aId, reason: 'kicked' });
    expect(await bHeard).toEqual({ actor: 2, peerId: aId, reason: 'kicked' });
    expect(await hostHeard).toEqual({ actor: 2, peerId: aId, reason: 'kicked' });
    expect(host.connectedPeers()).not.toContain(aId);
  });

  it('a kicked player cannot rejoin; hostile kicks and tokens get coded errors', async () => {
    const host = runner();
    const hosted = await host.startGame({ mode: 'server', sessionName: 'hostile-loopback' });
    const player = await raw();
    expect(await codeOf(player.request({ type: RequestType.KICK, actor: 1 }))).toBe('NOT_IN_SESSION');
    expect(await codeOf(player.request({ type: RequestType.JOIN, name: 'hostile-loopback', connectionToken: new Uint8Array(200) }))).toBe('INVALID_REQUEST');
    const joined = await player.request({ type: RequestType.JOIN, name: 'hostile-loopback', connectionToken: new Uint8Array(128) });
    expect(await codeOf(player.request({ type: RequestType.KICK, actor: 1 }))).toBe('NOT_ALLOWED');
    expect(await codeOf(player.request({ type: RequestType.KICK }))).toBe('NOT_ALLOWED');
    expect(await codeOf(host.disconnect(hosted.peerId))).toBe('NOT_ALLOWED');
    expect(await codeOf(host.disconnect('nobody-here'))).toBe('PLAYER_NOT_FOUND');
    // The service's own check of an unnamed target, from a bare server connection.
    const other = await raw();
    await other.request({ type: RequestType.CREATE, name: 'hostile-loopback-2' });
    expect(await codeOf(other.request({ type: RequestType.KICK }))).toBe('INVALID_REQUEST');
    expect(await codeOf(other.request({ type: RequestType.KICK, actor: 99 }))).toBe('PLAYER_NOT_FOUND');
    expect(await codeOf(other.request({ type: RequestType.KICK, actor: 1 }))).toBe('NOT_ALLOWED');

    await host.disconnect(joined.peerId, 'go away');
    expect(await player.next(EventType.KICKED)).toEqual({ type: EventType.KICKED, sessionId: hosted.sessionId, reason: 'kicked', message: 'go away' });
    const rejoin = player.request({ type: RequestType.REJOIN, sessionId: hosted.sessionId, actor: joined.actor, rejoinToken: joined.rejoinToken });
    expect(await codeOf(rejoin)).toBe('REJOIN_NOT_FOUND');
  });
});

describe('connection tokens on loopback', () => {
  it('accepts a good token, refuses a bad one with its reason, waits for an async answer and refuses when the callback throws', async () => {
    const seen: number[][] = [];
    const host = runner({
      onConnectRequest: async ({ token }) => {
        seen.push([...(token ?? [])]);
        if (token?.[0] === 0xee) throw new Error('broken callback');
        await new Promise((resolve) => setTimeout(resolve, 50));
        return token?.[0] === 1 ? true : { accept: false, reason: `token ${token?.[0]} is not welcome` };
      },
    });
    await host.startGame({ mode: 'server', sessionName: 'tokens-loopback' });
    const good = runner();
    const hostConnected = new Promise<string>((resolve) => host.once('peerConnected', (event) => resolve(event.peerId)));
    const started = await good.startGame({ mode: 'client', sessionName: 'tokens-loopback', connectionToken: new Uint8Array([1, 2, 3]) });
    expect(await hostConnected).toBe(started.peerId);

    const bad = runner();
    const badShutdown = next<ShutdownEvent>(bad, 'shutdown');
    await expect(bad.startGame({ mode: 'client', sessionName: 'tokens-loopback', connectionToken: new Uint8Array([2]) })).rejects.toMatchObject({
      code: 'CONNECT_REFUSED',
      message: 'token 2 is not welcome',
    });
    expect(await badShutdown).toEqual({ reason: 'connectionRefused', code: 'CONNECT_REFUSED', message: 'token 2 is not welcome' });

    const broken = runner();
    await expect(broken.startGame({ mode: 'client', sessionName: 'tokens-loopback', connectionToken: new Uint8Array([0xee]) })).rejects.toMatchObject({
      code: 'CONNECT_REFUSED',
    });
    expect(seen).toEqual([[1, 2, 3], [2], [0xee]]);
    expect(host.connectedPeers()).toEqual([started.peerId]);
    expect(host.players.map((p) => p.actor)).toEqual([1, 2]);
  });

  it('a token over 128 bytes is refused before it leaves the runner', async () => {
    const client = runner();
    await expect(client.startGame({ mode: 'client', sessionName: 'nowhere', connectionToken: new Uint8Array(129) })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});
