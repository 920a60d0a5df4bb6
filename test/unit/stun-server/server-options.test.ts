// createStunServer refuses numbers out of range at start (INVALID_OPTIONS naming the option) rather than answering no one.
import { describe, expect, it } from 'vitest';
import { createStunServer, type StunServerOptions } from '../../../stun-server/index.js';
import { FakeUdpNetwork } from '../../support/fake-udp.js';

function start(extra: Record<string, unknown>) {
  const options = { socketFactory: new FakeUdpNetwork(), ipv4: { host: '203.0.113.1', port: 3478 }, ...extra };
  return createStunServer(options as StunServerOptions);
}

describe('createStunServer options', () => {
  it.each([
    [{ ipv4: { host: '203.0.113.1', port: 70_000 } }, 'ipv4.port must be an integer in 0..65535, got 70000'],
    [{ ipv4: { host: '203.0.113.1', port: 3478, alternatePort: -1 } }, 'ipv4.alternatePort must be an integer'],
    [{ receiveBufferBytes: 0 }, 'receiveBufferBytes must be an integer in 1..'],
    [{ rateLimit: { ratePerSecond: 0 } }, 'rateLimit.ratePerSecond must be a number above 0, got 0'],
    [{ rateLimit: { ratePerSecond: Number.POSITIVE_INFINITY } }, 'rateLimit.ratePerSecond must be a number above 0'],
    [{ rateLimit: { burst: 0.5 } }, 'rateLimit.burst must be an integer'],
    [{ rateLimit: { maxSources: '10' } }, 'rateLimit.maxSources must be an integer in 1..9007199254740991, got string'],
  ])('refuses %j', async (extra, message) => {
    await expect(start(extra)).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining(`createStunServer: ${message}`) });
  });

  it('starts at the bounds, with a fractional rate', async () => {
    const server = await start({ rateLimit: { ratePerSecond: 0.5, burst: 1, maxSources: 1 }, receiveBufferBytes: 1 });
    await server.close();
  });
});
