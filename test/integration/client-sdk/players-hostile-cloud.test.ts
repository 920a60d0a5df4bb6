// Player events and KICKED from a rogue cloud on loopback (test/support/rogue-cloud.ts): a server
// runner drops frames that do not fit (an oversized kick message, an unknown leave reason), ignores
// events about another session or about itself, and only a KICKED for its own session ends it.
import { afterEach, describe, expect, it } from 'vitest';
import { NetworkRunner, type ShutdownEvent } from '../../../client-sdk/index.js';
import { createSignalingCodec, EventType } from '../../../src/protocol/index.js';
import { ROGUE_SESSION, startRogueCloud, type RogueCloud } from '../../support/rogue-cloud.js';

const codec = createSignalingCodec({ maxFrameBytes: 1024 * 1024 });
let cloud: RogueCloud | undefined;
let runner: NetworkRunner | undefined;
afterEach(async () => {
  await runner?.shutdown();
  await cloud?.close();
});

describe('player events from a hostile cloud', () => {
  it('drops what does not fit, ignores what is not about this session, and shuts down only on its own KICKED', async () => {
    cloud = await startRogueCloud({ kind: 'host' });
    runner = new NetworkRunner({ cloudUrl: cloud.url, appId: 'rogue', bindAddress: '127.0.0.1', stunServers: [] });
    await runner.startGame({ mode: 'server', sessionName: 'room' });
    const heard: string[] = [];
    for (const name of ['playerJoined', 'playerLeft', 'shutdown'] as const) runner.on(name, () => void heard.push(name));
    const send = (frame: object): void => cloud!.broadcast(codec.encode(frame as never));
    send({ type: EventType.KICKED, sessionId: ROGUE_SESSION.sessionId, reason: 'kicked', message: 'x'.repeat(257) });
    send({ type: EventType.PEER_LEFT, peerId: 'p2', actor: 2, reason: 'vanished' });
    send({ type: EventType.KICKED, sessionId: 'another-session', reason: 'kicked', message: 'not you' });
    send({ type: EventType.PEER_JOINED, peer: { actor: 1, peerId: 'impostor', mode: 'client', active: true }, rejoined: false });
    send({ type: EventType.PEER_LEFT, peerId: 'p1', actor: 1, reason: 'kicked' });
    await expect.poll(() => runner!.signalingFrames.dropped).toBe(2);
    const shutdown = new Promise<ShutdownEvent>((resolve) => runner!.once('shutdown', resolve));
    send({ type: EventType.KICKED, sessionId: ROGUE_SESSION.sessionId, reason: 'kicked', message: 'for real' });
    expect(await shutdown).toEqual({ reason: 'kicked', code: 'KICKED', message: 'for real' });
    expect(heard).toEqual(['shutdown']);
  });
});
