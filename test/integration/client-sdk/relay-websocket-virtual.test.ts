// A client on a UDP-hostile virtual network (its host's switch drops every datagram) plays through the relay's WebSocket on real loopback; its connect time is reported in clock time.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, createSilentLogger } from '../../../core/index.js';
import { NetworkRunner, type NetworkRunnerOptions } from '../../../client-sdk/index.js';
import { createRelayWebSocketServer, createTicketIssuer } from '../../../relay/index.js';
import { buildSessionService } from '../../../src/index.js';
import { RELAY_ADDRESS, RELAY_PORT, STUN_ADDRESS, STUN_PORT, createVirtualServers } from '../../support/virtual-cloud.js';

const SECRET = 'vnet websocket relay test secret, 32+ bytes';
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Advances the clock 10 ms at a time, giving real I/O (the loopback WebSockets) 1 ms of the event loop between steps. */
async function drive<T>(clock: ManualClock, promise: Promise<T>, what: string, maxMs = 120_000): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => (settled = true));
  tracked.catch(() => undefined);
  const start = clock.now();
  while (!settled) {
    if (clock.now() - start > maxMs) throw new Error(`${what}: not done after ${maxMs} ms of clock time`);
    await clock.advanceAsync(10);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return tracked;
}

describe('relay over WebSocket on the virtual network', () => {
  it('a client whose host drops all UDP connects through the WebSocket relay and exchanges 100 updates both ways', async () => {
    const clock = new ManualClock();
    const { network, stun, relay } = await createVirtualServers(clock, 11, SECRET);
    cleanup.push(() => network.close(), () => stun.close(), () => relay.close());
    // The relay's WebSocket side listens on real loopback (the virtual network carries only UDP).
    const ws = await createRelayWebSocketServer({ clock, logger: createSilentLogger() }, { relay, host: '127.0.0.1', port: 0 });
    cleanup.push(() => ws.close());
    const issuer = createTicketIssuer({ secret: SECRET, clock: new ManualClock() });
    const service = buildSessionService({
      stunServers: [{ address: STUN_ADDRESS, port: STUN_PORT }],
      relay: {
        endpoint: { address: RELAY_ADDRESS, port: RELAY_PORT },
        wsUrl: `ws://127.0.0.1:${ws.address().port}${ws.path}`,
        issueTicket: (sessionId, actor) => issuer.issue(sessionId, actor),
      },
    });
    const http = await service.listen({ host: '127.0.0.1', port: 0 });
    cleanup.push(() => service.close());
    const runners: NetworkRunner[] = [];
    cleanup.push(() => Promise.all(runners.map((r) => r.shutdown())));
    const runner = (host: ReturnType<typeof network.addHost>, options: Partial<NetworkRunnerOptions> = {}) => {
      const made = new NetworkRunner({
        cloudUrl: `http://127.0.0.1:${http.port}`,
        appId: 'vnet-ws',
        socketFactory: host,
        clock,
        localAddresses: () => host.addresses,
        cloudConnectTimeoutMs: 3_600_000,
        requestTimeoutMs: 3_600_000,
        ...options,
      });
      runners.push(made);
      return made;
    };

    const serverHost = network.addNat({ preset: 'port-restricted-cone' }).addHost();
    const clientHost = network.addNat({ preset: 'port-restricted-cone' }).addHost();
    clientHost.setUdpBlocked(true);
    const server = runner(serverHost);
    server.on('message', ({ peerId, data }) => server.send(peerId, data));
    const started = await drive(clock, server.startGame({ mode: 'server', sessionName: 'vnet-ws' }), 'server start');
    const client = runner(clientHost);
    const startedAt = clock.now();
    const joined = await drive(clock, client.startGame({ mode: 'client', sessionName: 'vnet-ws' }), 'client start');
    const connectMs = clock.now() - startedAt;
    expect(joined.server).toMatchObject({ peerId: started.peerId, path: 'relay' });
    expect(ws.stats().accepted).toBe(1);

    const echoed = new Set<number>();
    client.on('message', ({ data }) => echoed.add(Buffer.from(data).readUInt32BE(0)));
    for (let round = 0; round < 20 && echoed.size < 100; round++) {
      for (let i = 0; i < 100; i++) {
        if (echoed.has(i)) continue;
        const update = Buffer.alloc(8);
        update.writeUInt32BE(i, 0);
        client.send(started.peerId, update);
      }
      await drive(clock, new Promise((resolve) => setTimeout(resolve, 20)), 'echoes');
    }
    expect(echoed.size).toBe(100);
    expect(network.counters().droppedBySwitch).toBeGreaterThan(0);
    console.info(`virtual network, client UDP blocked, relay over WebSocket: connect ${connectMs} ms of clock time`);
  });
});
