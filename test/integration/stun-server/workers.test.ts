// The STUN server on two socket loops (this thread and a worker thread on SO_REUSEPORT sockets).
import { afterEach, describe, expect, it } from 'vitest';
import { stunBinding } from '../../../client-sdk/index.js';
import { createNodeUdpSocketFactory, type UdpSocket } from '../../../core/index.js';
import { createStunServer, type StunServer } from '../../../stun-server/index.js';
import { loadUdpBatchAddon } from '../../../udp-native/index.js';

const batched = loadUdpBatchAddon().ok && process.env.PUNCHTHROUGH_UDP_IO !== 'dgram';
const factory = createNodeUdpSocketFactory();

describe('STUN server workers', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  it.runIf(batched)('answers every source from two socket loops on one port, and counts them all', async () => {
    const server = await createStunServer({ ipv4: { host: '127.0.0.1', port: 0 }, workers: 2, rateLimit: false });
    let open: StunServer | undefined = server;
    cleanup.push(async () => void (await open?.close()));
    expect(server.udpIo()).toBe('batched');
    const clients: UdpSocket[] = [];
    for (let i = 0; i < 16; i++) {
      const client = await factory.bind({ type: 'udp4', address: '127.0.0.1' });
      cleanup.push(() => client.close());
      clients.push(client);
    }
    const results = await Promise.all(clients.map((client) => stunBinding(client, server.address()!)));
    results.forEach((result, i) => expect(result).toMatchObject({ address: '127.0.0.1', port: clients[i]!.address().port }));
    await server.close();
    open = undefined;
    // The worker's counters are published when it closes: after close() every answer is counted.
    expect(server.stats()).toMatchObject({ received: 16, requests: 16, successResponses: 16 });
    // Both loops' sockets are gone: the port binds again.
    const again = await factory.bind({ type: 'udp4', address: '127.0.0.1', port: server.address()!.port });
    await again.close();
  });

  it('refuses workers on node:dgram, which has no SO_REUSEPORT here', async () => {
    await expect(createStunServer({ ipv4: { host: '127.0.0.1', port: 0 }, workers: 2, udpIo: 'dgram' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(createStunServer({ ipv4: { host: '127.0.0.1', port: 0 }, workers: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});
