// Which UDP I/O path the STUN server and the relay run on, by option and environment.
import { afterEach, describe, expect, it } from 'vitest';
import { createRelayServer, type RelayServer } from '../../../relay/index.js';
import { createStunServer, type StunServer } from '../../../stun-server/index.js';
import { loadUdpBatchAddon } from '../../../udp-native/index.js';

const addon = loadUdpBatchAddon();
const secret = Buffer.alloc(32, 7);

describe('UDP I/O path of the servers', () => {
  const servers: (StunServer | RelayServer)[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const stun = async (udpIo?: 'auto' | 'batched' | 'dgram'): Promise<StunServer> => {
    const server = await createStunServer({ ipv4: { host: '127.0.0.1', port: 0 }, ...(udpIo ? { udpIo } : {}) });
    servers.push(server);
    return server;
  };

  it('runs auto on the batched addon when it loads, unless PUNCHTHROUGH_UDP_IO says dgram', async () => {
    const expected = process.env.PUNCHTHROUGH_UDP_IO !== 'dgram' && addon.ok ? 'batched' : 'dgram';
    expect((await stun()).udpIo()).toBe(expected);
    const relay = await createRelayServer({ secret, host: '127.0.0.1', port: 0 });
    servers.push(relay);
    expect(relay.udpIo()).toBe(expected);
  });

  it('runs dgram when asked, whatever the environment', async () => {
    expect((await stun('dgram')).udpIo()).toBe('dgram');
  });

  it.runIf(addon.ok)('runs batched when asked, whatever the environment', async () => {
    expect((await stun('batched')).udpIo()).toBe('batched');
  });

  it.runIf(!addon.ok)('refuses to start batched without the addon, with a stable code', async () => {
    await expect(stun('batched')).rejects.toMatchObject({ code: 'UDP_IO_UNAVAILABLE' });
  });
});
