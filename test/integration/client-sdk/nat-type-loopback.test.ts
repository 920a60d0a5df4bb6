/**
 * NAT type discovery with real sockets on loopback: the bundled cloud with one STUN address
 * (127.0.0.1, alternate port) and with two (`stunAltHost` 127.0.0.2, which Linux routes to
 * loopback). No NAT on loopback, so discovery finds none; with two addresses RFC 5780 shows
 * nothing filters either.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { NetworkRunner, type NatTypeDiscoveredEvent } from '../../../client-sdk/index.js';
import { createCloud, type Cloud } from '../../../src/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cloud(stunAltHost?: string): Promise<Cloud> {
  const started = await createCloud({
    host: '127.0.0.1',
    httpPort: 0,
    stunPort: 0,
    stunAltPort: 0,
    relayPort: 0,
    ipv6: false,
    ...(stunAltHost ? { stunAltHost } : {}),
  });
  cleanups.push(() => started.close());
  return started;
}

async function discovered(c: Cloud): Promise<{ runner: NetworkRunner; event: NatTypeDiscoveredEvent }> {
  const runner = new NetworkRunner({ cloudUrl: `http://127.0.0.1:${c.http.port}`, appId: 'nat-loopback', discoverNat: true, bindAddress: '127.0.0.1', localAddresses: () => ['127.0.0.1'] });
  cleanups.push(() => runner.shutdown());
  const event = once(runner, 'natTypeDiscovered') as Promise<[NatTypeDiscoveredEvent]>;
  await runner.startGame({ mode: 'server' });
  return { runner, event: (await event)[0] };
}

describe('NAT type on loopback (bundled cloud)', () => {
  it('one STUN address: no NAT, a filter that does not depend on the port: open', async () => {
    const { runner, event } = await discovered(await cloud());
    expect(event).toEqual({ natType: 'open', mapping: 'endpoint-independent', filtering: 'not-port-dependent' });
    expect(runner.natType).toBe('open');
  });

  it('two STUN addresses (127.0.0.1 + 127.0.0.2, --stun-alt-host): RFC 5780 full answer, open', async () => {
    const c = await cloud('127.0.0.2');
    expect(c.stunServer.endpoints().map((e) => e.role).sort()).toEqual(['alternate-address', 'alternate-address-and-port', 'alternate-port', 'primary']);
    const { event } = await discovered(c);
    expect(event).toEqual({ natType: 'open', mapping: 'endpoint-independent', filtering: 'endpoint-independent' });
  });

  it('stunAltHost without a specific UDP host is INVALID_OPTIONS, not a bind failure', async () => {
    await expect(createCloud({ httpPort: 0, stunPort: 0, stunAltPort: 0, relayPort: 0, ipv6: false, stunAltHost: '127.0.0.2' })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      message: expect.stringContaining('stunAltHost'),
    });
  });
});

describe('a host whose STUN request fails (loopback)', () => {
  it('still starts and warns NO_REFLEXIVE_ADDRESS', async () => {
    const c = await cloud();
    // The relay's port answers no STUN: the Binding request times out (2.3 s).
    const runner = new NetworkRunner({ cloudUrl: `http://127.0.0.1:${c.http.port}`, appId: 'nat-loopback', stunServers: [`127.0.0.1:${c.relay.port}`], bindAddress: '127.0.0.1', localAddresses: () => ['127.0.0.1'] });
    cleanups.push(() => runner.shutdown());
    const warning = once(runner, 'warning');
    const result = await runner.startGame({ mode: 'server' });
    expect(result.reflexive).toBeUndefined();
    expect((await warning)[0]).toMatchObject({ code: 'NO_REFLEXIVE_ADDRESS' });
  });
});
