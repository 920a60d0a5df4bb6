// `punchthrough cloud --stun-alt-host`: STUN on a second address of the machine, so SDKs get
// RFC 5780's full NAT answer (127.0.0.2 on Linux loopback); a value that is not IPv4 is a usage error.
import { describe, expect, it } from 'vitest';
import { createNodeUdpSocketFactory, parseEndpoint } from '../../../core/index.js';
import { stunBinding } from '../../../stun-server/client/index.js';
import { spawnCli } from '../../support/cli.js';

describe('punchthrough cloud --stun-alt-host', () => {
  it('answers STUN with OTHER-ADDRESS on the second address and its alternate port', async () => {
    const cloud = spawnCli(['cloud', '--host', '127.0.0.1', '--http-port', '0', '--stun-port', '0', '--stun-alt-port', '0', '--relay-port', '0', '--stun-alt-host', '127.0.0.2', '--json']);
    try {
      const ready = await cloud.waitFor((line) => line.event === 'ready');
      const stun = parseEndpoint(String(ready.stun))!;
      const socket = await createNodeUdpSocketFactory().bind({ type: 'udp4', address: '127.0.0.1', port: 0 });
      try {
        const answer = await stunBinding(socket, stun);
        expect(answer.otherAddress).toMatchObject({ address: '127.0.0.2' });
        expect(answer.otherAddress!.port).not.toBe(stun.port);
      } finally {
        await socket.close();
      }
    } finally {
      expect(await cloud.stop()).toBe(0);
    }
  });

  it('exits 2 with a usage error for an address that is not IPv4', async () => {
    const cloud = spawnCli(['cloud', '--host', '127.0.0.1', '--http-port', '0', '--stun-alt-host', 'not-an-ip']);
    expect(await cloud.exited).toBe(2);
    expect(cloud.stderr()).toMatch(/--stun-alt-host: expected an IPv4 address/);
  });
});
