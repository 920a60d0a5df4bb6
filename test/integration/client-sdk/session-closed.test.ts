// SESSION_CLOSED reaches the game at once: the real cloud on loopback, a host (a real game
// process) and a connected client; when the host's process dies, the client gets peerDisconnected
// with reason `sessionClosed` within a second, not after the 10 s peer timeout. A cloud that shuts
// down closes no session: its games carry on and the runners reconnect.
import { describe, expect, it } from 'vitest';
import type { CloudConnectionLostEvent, MessageEvent, NetworkRunner, PeerDisconnectedEvent } from '../../../client-sdk/index.js';
import { useLoopbackRunners } from '../../support/loopback-runners.js';
import { spawnCli } from '../../support/cli.js';

const APP_ID = 'session-closed-test';
// No reconnect grace: a killed host's session closes when its socket does (with the default
// grace it would close 10 s later; test/integration/client-sdk/cloud-loss-virtual.test.ts).
const loopback = useLoopbackRunners(APP_ID, { reconnectGraceMs: 0 });
const { runner } = loopback;
/** Well under the 10 s peer timeout (DEFAULT_PEER_TIMEOUT_MS): the cloud's event, not silence, ended the pair. */
const PROMPT_MS = 1_000;


/** Resolves with the first peerDisconnected event and when it came, ms since the epoch. */
function nextDisconnect(target: NetworkRunner): Promise<{ event: PeerDisconnectedEvent; at: number }> {
  return new Promise((resolve) => target.once('peerDisconnected', (event) => resolve({ event, at: Date.now() })));
}

describe('SESSION_CLOSED', () => {
  it('the host process is killed: the client hears sessionClosed within a second', async () => {
    const host = spawnCli(['host', '--cloud', loopback.cloud.url, '--session', 'killed-host', '--app-id', APP_ID, '--json']);
    try {
      await host.waitFor((line) => line.event === 'session' && line.name === 'killed-host');
      const client = runner();
      const { server } = await client.startGame({ mode: 'client', sessionName: 'killed-host' });
      expect(client.connectedPeers()).toEqual([server!.peerId]);
      const gone = nextDisconnect(client);
      const killedAt = Date.now();
      host.child.kill('SIGKILL');
      const { event, at } = await gone;
      expect(event).toEqual({ peerId: server!.peerId, reason: 'sessionClosed' });
      expect(at - killedAt).toBeLessThan(PROMPT_MS);
      // The game traffic for the dead session has stopped.
      expect(client.connectedPeers()).toEqual([]);
      expect(client.send(server!.peerId, new Uint8Array([1]))).toBe(false);
    } finally {
      await host.stop();
    }
  });

  it('the cloud shuts down: host and client hear cloudConnectionLost, reconnecting, and keep playing', async () => {
    const host = runner();
    await host.startGame({ mode: 'server', sessionName: 'cloud-shutdown' });
    const client = runner();
    const { server } = await client.startGame({ mode: 'client', sessionName: 'cloud-shutdown' });
    const lost = (target: NetworkRunner): Promise<CloudConnectionLostEvent> => new Promise((resolve) => target.once('cloudConnectionLost', resolve));
    const disconnects: PeerDisconnectedEvent[] = [];
    for (const r of [host, client]) r.on('peerDisconnected', (event) => disconnects.push(event));
    const [hostLost, clientLost] = [lost(host), lost(client)];
    await loopback.cloud.close();
    expect((await hostLost).reconnecting).toBe(true);
    expect((await clientLost).reconnecting).toBe(true);
    const echoed = new Promise<MessageEvent>((resolve) => host.once('message', resolve));
    expect(client.send(server!.peerId, new Uint8Array([7]))).toBe(true);
    expect([...(await echoed).data]).toEqual([7]);
    expect(disconnects).toEqual([]);
  });
});
