// NetworkRunner when the cloud's signaling fails or closes the session (scripted signaling, manual
// clock): a connection lost before the create/join reply is a coded startGame rejection and no
// unhandled rejection; a lost connection once running is a `signalingLost` event; SESSION_CLOSED
// disconnects every connected peer at once with reason `sessionClosed` and stops the game traffic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushAsync, PunchthroughError } from '../../../core/index.js';
import { EventType, type Event } from '../../../src/protocol/index.js';
import { PeerPacketType } from '../../../client-sdk/peer/packets.js';
import type { PeerDisconnectedEvent, SessionClosedEvent, SignalingLostEvent } from '../../../client-sdk/types.js';
import { addresses, ep, rig, SESSION_ID, untilReported } from '../../support/sdk-fakes.js';
import { answer, clientLink, connectFrom, direct, serverLink } from '../../support/sealed-packets.js';

const serverLocal = ep('10.0.0.1', 4000);
const serverReflexive = ep('203.0.113.1', 40000);
const clientLocal = ep('192.168.1.2', 5000);
const clientReflexive = ep('198.51.100.7', 50000);
const MODES = ['server', 'client'] as const;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Lets Node report unhandled rejections (after the microtask queue drains). */
const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const sessionClosed = (sessionId = SESSION_ID): Event => ({ type: EventType.SESSION_CLOSED, sessionId, reason: 'serverDropped' });

/** A client runner connected directly to the server p1. */
async function connectedClient() {
  const r = rig('client');
  const started = r.runner.startGame({ mode: 'client', sessionName: 'room' });
  started.catch(() => undefined);
  await untilReported(r.signaling);
  r.signaling.emit(addresses(1, 'server', [serverLocal], serverReflexive));
  const first = r.socket.sent.find((s) => s.to === `${serverLocal.address}:${serverLocal.port}`)!;
  r.socket.receive(answer(serverLink(), first.bytes, direct(clientLocal)), serverLocal);
  await started;
  return r;
}

function listen(runner: ReturnType<typeof rig>['runner']) {
  const gone: PeerDisconnectedEvent[] = [];
  const lost: SignalingLostEvent[] = [];
  const closed: SessionClosedEvent[] = [];
  runner.on('peerDisconnected', (e) => gone.push(e));
  runner.on('signalingLost', (e) => lost.push(e));
  runner.on('sessionClosed', (e) => closed.push(e));
  return { gone, lost, closed };
}

describe('NetworkRunner: signaling lost during the start', () => {
  it.each(MODES)('%s mode: a close between the hello and the create/join reply rejects startGame, nothing unhandled', async (mode) => {
    const { runner, signaling, socket, clock } = rig(mode, {}, {}, { enter: 'hang' });
    const started = runner.startGame({ mode, sessionName: 'room' });
    let failure: unknown;
    started.catch((error: unknown) => (failure = error));
    await flushAsync();
    signaling.drop();
    await flushAsync();
    await macrotask();
    expect(failure).toBeInstanceOf(PunchthroughError);
    expect(failure).toMatchObject({ code: 'CLOUD_UNREACHABLE' });
    expect(unhandled).toEqual([]);
    expect([socket.closed, clock.pendingTimers]).toEqual([true, 0]);
  });

  it.each(MODES)('%s mode: the error\'s code reaches startGame (FRAME_TOO_LARGE for a reply over the cap)', async (mode) => {
    const { runner, signaling } = rig(mode, {}, {}, { enter: 'hang' });
    const started = runner.startGame({ mode, sessionName: 'room' });
    started.catch(() => undefined);
    await flushAsync();
    signaling.drop(new PunchthroughError('FRAME_TOO_LARGE', 'the cloud sent a signaling frame over 65536 bytes'));
    await expect(started).rejects.toMatchObject({ code: 'FRAME_TOO_LARGE' });
    await macrotask();
    expect(unhandled).toEqual([]);
  });

  it.each(MODES)('%s mode: the start-event timer running out while the reply is pending leaves nothing unhandled', async (mode) => {
    const { runner, clock } = rig(mode, { requestTimeoutMs: 1_000 }, {}, { enter: 'hang' });
    const started = runner.startGame({ mode, sessionName: 'room' });
    let failure: unknown;
    started.catch((error: unknown) => (failure = error));
    await flushAsync();
    await clock.advanceAsync(1_000);
    await macrotask();
    expect(unhandled).toEqual([]);
    await runner.shutdown();
    await flushAsync();
    expect(failure).toMatchObject({ code: 'RUNNER_CLOSED' });
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('NetworkRunner: signaling lost once running', () => {
  it('tells the game with a signalingLost event carrying the code; the game connection carries on', async () => {
    const { runner, signaling } = await connectedClient();
    const { lost, gone } = listen(runner);
    signaling.drop(new PunchthroughError('CLOUD_UNREACHABLE', 'signaling connection closed: the cloud sent a frame that could not be handled'));
    expect(lost).toEqual([{ code: 'CLOUD_UNREACHABLE', message: 'signaling connection closed: the cloud sent a frame that could not be handled' }]);
    expect(gone).toEqual([]);
    expect(runner.connectedPeers()).toEqual(['p1']);
    await runner.shutdown();
    expect(lost).toHaveLength(1);
  });

  it('says nothing when the runner itself shuts down', async () => {
    const { runner } = await connectedClient();
    const { lost } = listen(runner);
    await runner.shutdown();
    expect(lost).toEqual([]);
  });
});

describe('NetworkRunner: SESSION_CLOSED', () => {
  it('client: disconnects the server at once with reason sessionClosed, says goodbye, and stops all game traffic', async () => {
    const { runner, signaling, socket, relay, clock } = await connectedClient();
    const { gone, closed } = listen(runner);
    signaling.emit(sessionClosed());
    expect(gone).toEqual([{ peerId: 'p1', reason: 'sessionClosed' }]);
    expect(closed).toEqual([{ sessionId: SESSION_ID, reason: 'serverDropped' }]);
    expect(socket.sent.at(-1)).toMatchObject({ to: '10.0.0.1:4000', packet: { type: PeerPacketType.DISCONNECT } });
    expect(relay.closed).toBe(true);
    expect(runner.connectedPeers()).toEqual([]);
    expect(runner.send('p1', new Uint8Array([1]))).toBe(false);
    expect(runner.broadcast(new Uint8Array([1]))).toBe(0);
    // No keepalives, no timeout later; new addresses for the dead session are ignored.
    const sent = socket.sent.length;
    signaling.emit(addresses(1, 'server', [serverLocal], serverReflexive));
    await clock.advanceAsync(30_000);
    expect(socket.sent.length).toBe(sent);
    expect(gone).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
    signaling.emit(sessionClosed());
    expect(closed).toHaveLength(1);
    await runner.shutdown();
    expect(gone).toHaveLength(1);
  });

  it('ignores a SESSION_CLOSED for another session', async () => {
    const { runner, signaling } = await connectedClient();
    const { gone, closed } = listen(runner);
    signaling.emit(sessionClosed('another'));
    expect([gone, closed]).toEqual([[], []]);
    expect(runner.connectedPeers()).toEqual(['p1']);
    await runner.shutdown();
  });

  it('client still connecting: startGame rejects with SESSION_CLOSED', async () => {
    const { runner, signaling } = rig('client');
    const started = runner.startGame({ mode: 'client', sessionName: 'room' });
    started.catch(() => undefined);
    await untilReported(signaling);
    signaling.emit(addresses(1, 'server', [serverLocal], serverReflexive));
    signaling.emit(sessionClosed());
    await expect(started).rejects.toMatchObject({ code: 'SESSION_CLOSED' });
  });

  it('server: every connected client gets peerDisconnected with reason sessionClosed', async () => {
    const { runner, signaling, socket } = rig('server');
    await runner.startGame({ mode: 'server', sessionName: 'room' });
    const { gone } = listen(runner);
    const other = ep('192.168.1.3', 5001);
    const secret3 = new Uint8Array(32).fill(3);
    signaling.emit(addresses(2, 'client', [clientLocal], clientReflexive));
    signaling.emit(addresses(3, 'client', [other], other, secret3));
    for (const [client, from] of [
      [clientLink({ candidates: [serverLocal] }), clientLocal],
      [clientLink({ candidates: [serverLocal], secret: secret3, self: 3 }), other],
    ] as const) {
      socket.receive(connectFrom(client), from);
      socket.receive(answer(client, socket.sent.at(-1)!.bytes, direct(serverLocal)), from);
    }
    expect(runner.connectedPeers().sort()).toEqual(['p2', 'p3']);
    signaling.emit({ type: EventType.SESSION_CLOSED, sessionId: SESSION_ID, reason: 'shutdown' });
    expect(gone.sort((a, b) => a.peerId.localeCompare(b.peerId))).toEqual([
      { peerId: 'p2', reason: 'sessionClosed' },
      { peerId: 'p3', reason: 'sessionClosed' },
    ]);
    expect(runner.connectedPeers()).toEqual([]);
    await runner.shutdown();
  });

  it('once running, the runner shuts down with reason gameClosed after sessionClosed (Fusion\'s GameClosed)', async () => {
    const { runner, signaling } = rig('server');
    await runner.startGame({ mode: 'server', sessionName: 'room' });
    const order: string[] = [];
    runner.on('sessionClosed', () => order.push('sessionClosed'));
    const down = new Promise((resolve) => runner.once('shutdown', resolve));
    runner.on('shutdown', (event) => order.push(`shutdown:${event.reason}`));
    signaling.emit({ type: EventType.SESSION_CLOSED, sessionId: SESSION_ID, reason: 'serverLeft' });
    await expect(down).resolves.toMatchObject({ reason: 'gameClosed', code: 'SESSION_CLOSED' });
    expect(order).toEqual(['sessionClosed', 'shutdown:gameClosed']);
  });

  it('server: a SESSION_CLOSED during the start rejects startGame with SESSION_CLOSED', async () => {
    const { runner, signaling } = rig('server', {}, {
      // The STUN step is where the cloud's session closes.
      stunBinding: () => {
        signaling.emit({ type: EventType.SESSION_CLOSED, sessionId: SESSION_ID, reason: 'shutdown' });
        return Promise.resolve(serverReflexive);
      },
    });
    await expect(runner.startGame({ mode: 'server', sessionName: 'room' })).rejects.toMatchObject({ code: 'SESSION_CLOSED' });
  });
});
