// Players, kick and connection tokens on the virtual network (one ManualClock, the session service
// in memory): player events on server and clients, a kick end to end (the kicked runner's shutdown,
// everyone's playerLeft, no rejoin), the server's connect-request callback accepting, refusing,
// answering late, throwing or never answering, and the service's answers to hostile kick and
// token requests.
import { afterEach, describe, expect, it } from 'vitest';
import { CONNECT_REQUEST_TIMEOUT_MS, isPunchthroughError, type NetworkRunner, type PlayerLeftEvent, type ShutdownEvent } from '../../../client-sdk/index.js';
import type { Signaling } from '../../../client-sdk/signaling.js';
import { createSilentLogger } from '../../../core/index.js';
import { EventType, RequestType, type Event } from '../../../src/protocol/index.js';
import { advanceUntil, advanceUntilSettled } from '../../support/drive.js';
import { createMemoryCloud, type MemoryCloud } from '../../support/memory-cloud.js';
import { memorySignaling } from '../../support/memory-signaling.js';

let cloud: MemoryCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

async function world(session: Parameters<typeof createMemoryCloud>[1] = {}): Promise<MemoryCloud> {
  cloud = await createMemoryCloud(11, session);
  return cloud;
}

function runnerOn(c: MemoryCloud, overrides: Parameters<MemoryCloud['runner']>[1] = {}): NetworkRunner {
  return c.runner(c.network.addNat({ preset: 'port-restricted-cone' }).addHost(), overrides);
}

function record<T>(runner: NetworkRunner, name: 'playerLeft' | 'shutdown' | 'playerJoined' | 'peerDisconnected'): T[] {
  const seen: T[] = [];
  (runner.on as (name: string, listener: (event: T) => void) => void)(name, (event) => void seen.push(event));
  return seen;
}

/** A bare signaling connection to the memory cloud, with the events it received. */
async function rawClient(c: MemoryCloud): Promise<{ signaling: Signaling; events: Event[] }> {
  const connect = memorySignaling({ connect: c.hub.connect, remoteAddress: '198.51.100.77' });
  return rawOn(c, connect);
}

async function rawOn(c: MemoryCloud, connect: ReturnType<typeof memorySignaling>): Promise<{ signaling: Signaling; events: Event[] }> {
  const signaling = await connect({
    url: 'http://memory.invalid',
    appId: 'memory-tests',
    appVersion: '1',
    clock: c.clock,
    logger: createSilentLogger(),
    connectTimeoutMs: 10_000,
    requestTimeoutMs: 10_000,
  });
  const events: Event[] = [];
  signaling.onEvent((event) => void events.push(event));
  return { signaling, events };
}

async function failure(c: MemoryCloud, promise: Promise<unknown>, what: string): Promise<{ code: string; message: string }> {
  const caught = await advanceUntilSettled(
    c.clock,
    promise.then(
      () => undefined,
      (error: unknown) => error,
    ),
    what,
  );
  if (!isPunchthroughError(caught)) throw new Error(`${what}: expected a PunchthroughError, got ${String(caught)}`);
  return { code: caught.code, message: caught.message };
}

describe('players on the virtual network', () => {
  it('server and clients list the same players and hear joins and leaves, clients about other clients too', async () => {
    const c = await world();
    const host = runnerOn(c);
    const hosted = await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'roster' }), 'host');
    expect(host.players).toEqual([{ actor: 1, peerId: hosted.peerId, mode: 'server', active: true, local: true }]);
    const a = runnerOn(c);
    const joinedAtHost = record(host, 'playerJoined');
    const started = await advanceUntilSettled(c.clock, a.startGame({ mode: 'client', sessionName: 'roster' }), 'client a');
    expect(joinedAtHost).toEqual([{ actor: 2, peerId: started.peerId, mode: 'client', rejoined: false }]);
    const joinedAtA = record(a, 'playerJoined');
    const b = runnerOn(c);
    const startedB = await advanceUntilSettled(c.clock, b.startGame({ mode: 'client', sessionName: 'roster' }), 'client b');
    expect(joinedAtA).toEqual([{ actor: 3, peerId: startedB.peerId, mode: 'client', rejoined: false }]);
    const actors = (runner: NetworkRunner) => runner.players.map((p) => [p.actor, p.local]);
    expect(actors(host)).toEqual([[1, true], [2, false], [3, false]]);
    expect(actors(a)).toEqual([[2, true], [1, false], [3, false]]);
    expect(actors(b)).toEqual([[3, true], [1, false], [2, false]]);

    const leftAtHost = record<PlayerLeftEvent>(host, 'playerLeft');
    const leftAtA = record<PlayerLeftEvent>(a, 'playerLeft');
    await advanceUntilSettled(c.clock, b.shutdown(), 'b shuts down');
    await advanceUntil(c.clock, () => leftAtHost.length > 0 && leftAtA.length > 0, 'playerLeft');
    // The in-memory signaling drops the leave a shutdown sends just before it closes, so the cloud
    // sees a drop there (player TTL 0: `timeout`); the loopback test sees `left`.
    expect(leftAtHost).toEqual([{ actor: 3, peerId: startedB.peerId, reason: 'timeout' }]);
    expect(leftAtA).toEqual(leftAtHost);
    expect(actors(host)).toEqual([[1, true], [2, false]]);
  });
});

describe('inactive players on the virtual network', () => {
  it('a dropped player is inactive, comes back as rejoined, and leaves with timeout when its TTL runs out', async () => {
    const c = await world({ defaultPlayerTtlMs: 5_000 });
    const host = runnerOn(c);
    const hosted = await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'ttl' }), 'host');
    const events: [string, unknown][] = [];
    for (const name of ['playerJoined', 'playerInactive', 'playerLeft'] as const) {
      (host.on as (name: string, listener: (event: unknown) => void) => void)(name, (event) => void events.push([name, event]));
    }
    const first = await rawClient(c);
    const joined = await advanceUntilSettled(c.clock, first.signaling.request({ type: RequestType.JOIN, name: 'ttl' }), 'join');
    await advanceUntilSettled(c.clock, first.signaling.close(), 'drop');
    await advanceUntil(c.clock, () => events.length === 2, 'inactive');
    expect(host.players.find((p) => p.actor === joined.actor)).toMatchObject({ active: false });
    const second = await rawClient(c);
    const rejoin = { type: RequestType.REJOIN, sessionId: hosted.sessionId, actor: joined.actor, rejoinToken: joined.rejoinToken } as const;
    await advanceUntilSettled(c.clock, second.signaling.request(rejoin), 'rejoin');
    await advanceUntil(c.clock, () => events.length === 3, 'rejoined');
    expect(host.players.find((p) => p.actor === joined.actor)).toMatchObject({ active: true });
    await advanceUntilSettled(c.clock, second.signaling.close(), 'drop again');
    await advanceUntil(c.clock, () => events.length === 5, 'timeout');
    const who = { actor: joined.actor, peerId: joined.peerId };
    expect(events).toEqual([
      ['playerJoined', { ...who, mode: 'client', rejoined: false }],
      ['playerInactive', { ...who, expiresInMs: 5_000 }],
      ['playerJoined', { ...who, mode: 'client', rejoined: true }],
      ['playerInactive', { ...who, expiresInMs: 5_000 }],
      ['playerLeft', { ...who, reason: 'timeout' }],
    ]);
    expect(host.players).toHaveLength(1);
  });
});

describe('kick on the virtual network', () => {
  it('the kicked client shuts down with reason kicked and the message; the others hear playerLeft kicked; the links close', async () => {
    const c = await world();
    const host = runnerOn(c);
    await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'kick' }), 'host');
    const a = runnerOn(c);
    const b = runnerOn(c);
    const { peerId: aId, server } = await advanceUntilSettled(c.clock, a.startGame({ mode: 'client', sessionName: 'kick' }), 'a');
    await advanceUntilSettled(c.clock, b.startGame({ mode: 'client', sessionName: 'kick' }), 'b');
    const aShutdown = record<ShutdownEvent>(a, 'shutdown');
    const aDisconnects = record(a, 'peerDisconnected');
    const hostDisconnects = record(host, 'peerDisconnected');
    const hostLeft = record<PlayerLeftEvent>(host, 'playerLeft');
    const bLeft = record<PlayerLeftEvent>(b, 'playerLeft');

    await advanceUntilSettled(c.clock, host.disconnect(aId, 'cheating'), 'kick');
    await advanceUntil(c.clock, () => aShutdown.length > 0 && bLeft.length > 0, 'a shut down');
    expect(aShutdown).toEqual([{ reason: 'kicked', code: 'KICKED', message: 'cheating' }]);
    expect(aDisconnects).toEqual([{ peerId: server!.peerId, reason: 'kicked' }]);
    expect(hostDisconnects).toEqual([{ peerId: aId, reason: 'kicked' }]);
    expect(hostLeft).toEqual([{ actor: 2, peerId: aId, reason: 'kicked' }]);
    expect(bLeft).toEqual(hostLeft);
    expect(host.connectedPeers()).toHaveLength(1);
    expect(a.players).toEqual([]);
  });

  it('a kicked player cannot rejoin with its rejoin token, and its connection is out of the session', async () => {
    const c = await world();
    const host = runnerOn(c);
    const hosted = await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'no-rejoin' }), 'host');
    const raw = await rawClient(c);
    const joined = await advanceUntilSettled(c.clock, raw.signaling.request({ type: RequestType.JOIN, name: 'no-rejoin' }), 'raw join');
    await advanceUntil(c.clock, () => host.players.length === 2, 'host hears the join');
    await advanceUntilSettled(c.clock, host.disconnect(joined.peerId, 'bye'), 'kick');
    await advanceUntil(c.clock, () => raw.events.some((e) => e.type === EventType.KICKED), 'KICKED');
    expect(raw.events.find((e) => e.type === EventType.KICKED)).toEqual({ type: EventType.KICKED, sessionId: hosted.sessionId, reason: 'kicked', message: 'bye' });
    const rejoin = raw.signaling.request({ type: RequestType.REJOIN, sessionId: hosted.sessionId, actor: joined.actor, rejoinToken: joined.rejoinToken });
    expect((await failure(c, rejoin, 'rejoin')).code).toBe('REJOIN_NOT_FOUND');
    await raw.signaling.close();
  });

  it('answers hostile kicks and tokens with coded errors', async () => {
    const c = await world();
    const host = runnerOn(c);
    const hosted = await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'hostile' }), 'host');
    const raw = await rawClient(c);
    const kick = (body: Omit<Parameters<Signaling['request']>[0] & { type: typeof RequestType.KICK }, 'type'>) =>
      failure(c, raw.signaling.request({ type: RequestType.KICK, ...body }), 'kick');
    expect((await kick({ actor: 1 })).code).toBe('NOT_IN_SESSION');
    const tooBig = raw.signaling.request({ type: RequestType.JOIN, name: 'hostile', connectionToken: new Uint8Array(129) });
    expect((await failure(c, tooBig, 'oversized token')).code).toBe('INVALID_REQUEST');
    await advanceUntilSettled(c.clock, raw.signaling.request({ type: RequestType.JOIN, name: 'hostile', connectionToken: new Uint8Array(128) }), 'join');
    // A client may not kick anyone, not even the server.
    expect((await kick({ actor: 1 })).code).toBe('NOT_ALLOWED');
    expect((await kick({ peerId: hosted.peerId, message: 'x'.repeat(257) })).code).toBe('INVALID_REQUEST');
    // The server may not kick itself, nor someone who is not there.
    await expect(advanceUntilSettled(c.clock, host.disconnect(hosted.peerId), 'self kick')).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await expect(advanceUntilSettled(c.clock, host.disconnect('no-such-peer'), 'unknown kick')).rejects.toMatchObject({ code: 'PLAYER_NOT_FOUND' });
    expect(host.players).toHaveLength(2);
    await raw.signaling.close();
  });
});

describe('connection tokens on the virtual network', () => {
  it('the server sees the token and accepts: the client connects', async () => {
    const c = await world();
    const requests: { peerId: string; actor: number; token: number[] | undefined }[] = [];
    const host = runnerOn(c, {
      onConnectRequest: ({ peerId, actor, token }) => {
        requests.push({ peerId, actor, token: token && [...token] });
        return token?.[0] === 7;
      },
    });
    await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'token' }), 'host');
    const client = runnerOn(c);
    const started = await advanceUntilSettled(c.clock, client.startGame({ mode: 'client', sessionName: 'token', connectionToken: new Uint8Array([7, 8]) }), 'client');
    expect(requests).toEqual([{ peerId: started.peerId, actor: 2, token: [7, 8] }]);
    expect(host.connectedPeers()).toEqual([started.peerId]);
  });

  it('a refusal reaches the client: startGame rejects CONNECT_REFUSED with the reason, shutdown connectionRefused, no packet to it', async () => {
    const c = await world();
    const host = runnerOn(c, { onConnectRequest: () => ({ accept: false, reason: 'wrong password' }) });
    await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'refuse' }), 'host');
    const hostSteps: (string | undefined)[] = [];
    host.on('progress', (event) => event.flow === 'connect' && hostSteps.push(event.peerId));
    const hostLeft = record<PlayerLeftEvent>(host, 'playerLeft');
    const client = runnerOn(c);
    const shutdown = record<ShutdownEvent>(client, 'shutdown');
    const refused = await failure(c, client.startGame({ mode: 'client', sessionName: 'refuse', connectionToken: new Uint8Array([1]) }), 'refused');
    expect(refused).toEqual({ code: 'CONNECT_REFUSED', message: 'wrong password' });
    await advanceUntil(c.clock, () => shutdown.length > 0 && hostLeft.length > 0, 'shutdown');
    expect(shutdown).toEqual([{ reason: 'connectionRefused', code: 'CONNECT_REFUSED', message: 'wrong password' }]);
    expect(hostLeft).toEqual([{ actor: 2, peerId: expect.any(String), reason: 'connectRefused' }]);
    // The server never started the pair: no connection step for that client.
    expect(hostSteps).toEqual([]);
    expect(host.players).toHaveLength(1);
  });

  it('an async callback decides later; a throwing one and one that never answers refuse', async () => {
    const c = await world();
    let calls = 0;
    const host = runnerOn(c, {
      onConnectRequest: async ({ actor }) => {
        calls++;
        if (actor === 3) throw new Error('the callback broke');
        if (actor === 4) return new Promise<boolean>(() => undefined);
        await new Promise<void>((resolve) => c.clock.setTimeout(resolve, 300));
        return { accept: true };
      },
    });
    await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'async' }), 'host');
    const slow = runnerOn(c);
    const started = await advanceUntilSettled(c.clock, slow.startGame({ mode: 'client', sessionName: 'async' }), 'async accept');
    expect(started.server?.actor).toBe(1);
    const throwing = await failure(c, runnerOn(c).startGame({ mode: 'client', sessionName: 'async' }), 'throwing');
    expect(throwing.code).toBe('CONNECT_REFUSED');
    const startedAt = c.clock.now();
    const silent = await failure(c, runnerOn(c).startGame({ mode: 'client', sessionName: 'async' }), 'silent');
    expect(silent.code).toBe('CONNECT_REFUSED');
    expect(c.clock.now() - startedAt).toBeGreaterThanOrEqual(CONNECT_REQUEST_TIMEOUT_MS);
    expect(calls).toBe(3);
    expect(host.connectedPeers()).toEqual([started.peerId]);
  });
});
