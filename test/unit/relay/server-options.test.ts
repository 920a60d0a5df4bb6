// createRelayServer and createRelayWebSocketServer refuse options out of range at start (INVALID_OPTIONS naming the option) rather than serving with them.
import { describe, expect, it } from 'vitest';
import { createSilentLogger, ManualClock } from '../../../core/index.js';
import { createRelayServer, createRelayWebSocketServer, type RelayServerOptions } from '../../../relay/index.js';
import { FakeUdpNetwork } from '../../support/fake-udp.js';

const secret = 'unit-test secret, 32 bytes long!';

function start(extra: Record<string, unknown>) {
  const options = { secret, clock: new ManualClock(), socketFactory: new FakeUdpNetwork(), host: '203.0.113.1', port: 5055, ...extra };
  return createRelayServer(options as RelayServerOptions);
}

describe('createRelayServer options', () => {
  it.each([
    ['sweepIntervalMs', 0, 'a sweep every turn of the event loop'],
    ['sweepIntervalMs', 2 ** 31, 'Node would run it every 1 ms'],
    ['idleTimeoutMs', Number.NaN, 'bindings that never expire'],
    ['ratePacketsPerSecond', 0, 'every datagram dropped'],
    ['burstBytes', -1, 'every datagram dropped'],
    ['maxBindings', 1.5, 'not an integer'],
    ['maxDatagramBytes', 70_000, 'larger than any UDP datagram'],
    ['port', 65_536, 'not a port'],
    ['udpCoalesceMicros', 20_000, 'beyond the addon bound, refused on the dgram path too'],
    ['maxRevocations', '100', 'a string'],
  ] as Array<[string, unknown, string]>)('refuses %s = %s (%s)', async (name, value) => {
    await expect(start({ [name]: value })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining(`createRelayServer: ${name} must be an integer`) });
  });

  it('refuses an unknown udpIo', async () => {
    await expect(start({ socketFactory: undefined, udpIo: 'fast' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining('udpIo') });
  });

  it('starts with the bounds themselves', async () => {
    const server = await start({ sweepIntervalMs: 2 ** 31 - 1, maxErrorsPerWindow: 0, udpCoalesceMicros: 0, maxDatagramBytes: 65_535, port: 0 });
    await server.close();
  });
});

describe('createRelayWebSocketServer options', () => {
  const env = { clock: new ManualClock(), logger: createSilentLogger() };
  const relay = { openStream: () => undefined };

  it.each([
    ['sweepIntervalMs', 0],
    ['messagesPerSecond', 0],
    ['maxBufferedBytes', -1],
    ['maxConnections', Number.POSITIVE_INFINITY],
    ['port', 70_000],
  ] as Array<[string, unknown]>)('refuses %s = %s', async (name, value) => {
    await expect(createRelayWebSocketServer(env, { relay, host: '127.0.0.1', port: 0, [name]: value })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      message: expect.stringContaining(`createRelayWebSocketServer: ${name} must be an integer`),
    });
  });
});
