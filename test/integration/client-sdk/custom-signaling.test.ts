// NetworkRunnerOptions.signaling against the real cloud on loopback: a game's connector that
// wraps the default WebSocket one and counts the frames carries a server and a client through a
// full start and a direct connect.
import { expect, it } from 'vitest';
import { connectSignaling, type Signaling, type SignalingConnector } from '../../../client-sdk/index.js';
import { useLoopbackRunners } from '../../support/loopback-runners.js';

const { runner } = useLoopbackRunners('custom-signaling');

/** The default connector, counting requests sent and events received. */
function countingConnector(): { connector: SignalingConnector; counts: { connects: number; requests: number; events: number } } {
  const counts = { connects: 0, requests: 0, events: 0 };
  const connector: SignalingConnector = async (options) => {
    counts.connects++;
    const inner = await connectSignaling(options);
    inner.onEvent(() => counts.events++);
    const signaling: Signaling = {
      request: (body) => {
        counts.requests++;
        return inner.request(body);
      },
      onEvent: (handler) => inner.onEvent(handler),
      onClose: (handler) => inner.onClose(handler),
      get droppedFrames() {
        return inner.droppedFrames;
      },
      get failedFrames() {
        return inner.failedFrames;
      },
      close: () => inner.close(),
    };
    return signaling;
  };
  return { connector, counts };
}

it('a game-supplied connector (the default one, wrapped) drives a server and a client to a direct connect', async () => {
  const hostSide = countingConnector();
  const clientSide = countingConnector();
  const server = runner({ signaling: hostSide.connector });
  const client = runner({ signaling: clientSide.connector });
  const hosted = await server.startGame({ mode: 'server', sessionName: 'own-signaling' });
  const joined = await client.startGame({ mode: 'client', sessionName: 'own-signaling' });
  expect(joined.server).toMatchObject({ peerId: hosted.peerId, path: 'direct' });
  // Server: create and report; client: join, report and the connect report.
  expect(hostSide.counts).toMatchObject({ connects: 1, requests: 2 });
  expect(clientSide.counts).toMatchObject({ connects: 1, requests: 3 });
  // Each saw at least the cloud's start and the other's addresses.
  expect(hostSide.counts.events).toBeGreaterThanOrEqual(2);
  expect(clientSide.counts.events).toBeGreaterThanOrEqual(2);
  expect(server.signalingFrames).toEqual({ dropped: 0, failed: 0 });
});
