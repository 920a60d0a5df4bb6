// Cloud loss and rejoin with a real cloud process on loopback: a host and a client connected and
// exchanging messages, the cloud killed (-9) and a new one started on the same port. The host
// restores its session (back in the lobby), the client rejoins it, the game traffic never stops,
// and a new client joins the restored session and connects. Prints the time from the restart
// to the lobby listing (issue 14 asks for under 5 s).
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NetworkRunner, type CloudConnectionRestoredEvent, type NetworkRunnerOptions } from '../../../client-sdk/index.js';
import { connectSignaling, type Signaling } from '../../../client-sdk/signaling.js';
import { startLoopbackCloud } from '../../support/sdk-cloud.js';
import { spawnCli, type SpawnedCli } from '../../support/cli.js';

const APP_ID = 'cloud-restart-test';

/** A free TCP port on loopback (the cloud must come back on the same one). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

function spawnCloud(port: number): SpawnedCli {
  return spawnCli(['cloud', '--host', '127.0.0.1', '--http-port', String(port), '--stun-port', '0', '--stun-alt-port', '0', '--relay-port', '0', '--json']);
}

async function listed(url: string, name: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/sessions?appId=${APP_ID}&appVersion=1`);
    const body = (await response.json()) as { sessions?: { name: string }[] };
    return body.sessions?.some((session) => session.name === name) ?? false;
  } catch {
    return false;
  }
}

const clouds: SpawnedCli[] = [];
const runners: NetworkRunner[] = [];

afterEach(async () => {
  await Promise.allSettled(runners.splice(0).map((r) => r.shutdown()));
  await Promise.allSettled(clouds.splice(0).map((c) => c.stop()));
});

describe('cloud restart', () => {
  // SIGKILL: the cloud vanishes; SIGTERM: it shuts down gracefully (closing sockets, no session).
  it.each(['SIGKILL', 'SIGTERM'] as const)('%s the cloud, start a new one: the host restores its session, the client rejoins, traffic never stops, a new client joins', async (signal) => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    clouds.push(spawnCloud(port));
    await clouds[0]!.waitFor((line) => line.event === 'ready');
    const runner = (options: Partial<NetworkRunnerOptions> = {}): NetworkRunner => {
      const made = new NetworkRunner({ cloudUrl: url, appId: APP_ID, bindAddress: '127.0.0.1', ...options });
      runners.push(made);
      return made;
    };
    const host = runner();
    await host.startGame({ mode: 'server', sessionName: 'restart-me', sessionProperties: { map: 'dust' } });
    const client = runner();
    const { server } = await client.startGame({ mode: 'client', sessionName: 'restart-me' });

    // The host sends a message every 20 ms; the client notes the largest gap between two.
    let last = Date.now();
    let largestGapMs = 0;
    let received = 0;
    client.on('message', () => {
      const now = Date.now();
      largestGapMs = Math.max(largestGapMs, now - last);
      last = now;
      received++;
    });
    const ticker = setInterval(() => host.broadcast(new Uint8Array([1, 2, 3])), 20);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const hostBack = new Promise<CloudConnectionRestoredEvent>((resolve) => host.once('cloudConnectionRestored', resolve));
      const clientBack = new Promise<CloudConnectionRestoredEvent>((resolve) => client.once('cloudConnectionRestored', resolve));
      const lost: unknown[] = [];
      host.on('cloudConnectionLost', (event) => lost.push(event));

      clouds[0]!.child.kill(signal);
      await clouds[0]!.exited;
      const receivedBefore = received;
      clouds.push(spawnCloud(port));
      const restartedAt = Date.now();
      await clouds[1]!.waitFor((line) => line.event === 'ready');
      const readyAt = Date.now();
      while (!(await listed(url, 'restart-me'))) await new Promise((resolve) => setTimeout(resolve, 25));
      const listedAt = Date.now();
      console.log(
        `cloud restart (${signal}): lobby lists the restored session ${listedAt - restartedAt} ms after the new cloud was spawned ` +
          `(${listedAt - readyAt} ms after it was ready); largest gap between the host's messages so far ${largestGapMs} ms`,
      );
      expect(lost).toMatchObject([{ reconnecting: true }]);
      expect(await hostBack).toMatchObject({ how: 'restored', actor: 1 });
      expect(await clientBack).toMatchObject({ how: 'resumed', actor: 2 });
      expect(listedAt - restartedAt).toBeLessThan(5_000);

      // A new client joins the restored session and connects to the host.
      const newcomer = runner();
      const joined = await newcomer.startGame({ mode: 'client', sessionName: 'restart-me' });
      expect(joined.actor).toBe(3);
      expect(joined.server?.peerId).toBe(server!.peerId);

      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(received).toBeGreaterThan(receivedBefore);
      expect(client.connectedPeers()).toEqual([server!.peerId]);
      // Well under the 10 s peer timeout: the UDP path never stopped (the gap is the test's own scheduling).
      expect(largestGapMs).toBeLessThan(1_000);
    } finally {
      clearInterval(ticker);
    }
  });
});

describe('signaling blip on loopback', () => {
  it('the WebSocket drops: both runners resume unseen within the grace; nobody saw them leave', async () => {
    const cloud = await startLoopbackCloud();
    try {
      const open: Signaling[] = [];
      const signaling = async (options: Parameters<typeof connectSignaling>[0]) => {
        const made = await connectSignaling(options);
        open.push(made);
        return made;
      };
      const make = () => {
        const made = new NetworkRunner({ cloudUrl: cloud.url, appId: APP_ID, bindAddress: '127.0.0.1', signaling });
        runners.push(made);
        return made;
      };
      const host = make();
      await host.startGame({ mode: 'server', sessionName: 'blip' });
      const client = make();
      const { server } = await client.startGame({ mode: 'client', sessionName: 'blip' });
      const seen: string[] = [];
      host.on('peerDisconnected', (e) => seen.push(`disconnected ${e.peerId}`));
      const hostBack = new Promise<CloudConnectionRestoredEvent>((resolve) => host.once('cloudConnectionRestored', resolve));
      const clientBack = new Promise<CloudConnectionRestoredEvent>((resolve) => client.once('cloudConnectionRestored', resolve));
      await Promise.all(open.splice(0).map((s) => s.close()));
      expect(await hostBack).toMatchObject({ how: 'resumed', actor: 1 });
      expect(await clientBack).toMatchObject({ how: 'resumed', actor: 2 });
      const got = new Promise((resolve) => client.once('message', resolve));
      host.broadcast(new Uint8Array([9]));
      await got;
      expect(client.connectedPeers()).toEqual([server!.peerId]);
      expect(seen).toEqual([]);
    } finally {
      await Promise.allSettled(runners.splice(0).map((r) => r.shutdown()));
      await cloud.close();
    }
  });
});
