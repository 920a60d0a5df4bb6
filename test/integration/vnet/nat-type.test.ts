/**
 * NAT type discovery as a new user runs it (docs/sdk.md, "NAT type"): the bundled cloud
 * (`createCloud`) on a public virtual host with one address (the alternate STUN port only) or two
 * (`stunAltHost`), a NetworkRunner behind each classic NAT, everything UDP on one ManualClock.
 * Discovery never delays the start; its answer comes as `natTypeDiscovered` and reaches the cloud.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type NatReport } from '../../../core/index.js';
import { NetworkRunner, type NatTypeDiscoveredEvent } from '../../../client-sdk/index.js';
import { createCloud, type Cloud } from '../../../src/index.js';
import { createVirtualNetwork, type NatPreset, type VirtualNetwork } from '../../../vnet/index.js';

const PRIMARY = '203.0.113.1';
const SECOND = '203.0.113.2';

/** What a runner behind each preset learns, with one cloud address and with two. */
const EXPECTED: Record<NatPreset, { one: NatReport; two: NatReport }> = {
  'full-cone': {
    one: { natType: 'unknown', mapping: 'not-port-dependent', filtering: 'not-port-dependent' },
    two: { natType: 'fullCone', mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
  },
  'restricted-cone': {
    one: { natType: 'unknown', mapping: 'not-port-dependent', filtering: 'not-port-dependent' },
    two: { natType: 'restrictedCone', mapping: 'endpoint-independent', filtering: 'address-dependent' },
  },
  'port-restricted-cone': {
    one: { natType: 'portRestrictedCone', mapping: 'not-port-dependent', filtering: 'address-and-port-dependent' },
    two: { natType: 'portRestrictedCone', mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' },
  },
  symmetric: {
    one: { natType: 'symmetric', mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' },
    two: { natType: 'symmetric', mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' },
  },
};

let clock: ManualClock;
let network: VirtualNetwork;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Moves the clock (and lets the real loopback signaling through) until `done()`. */
async function until(done: () => boolean, what: string, maxMs = 30_000): Promise<void> {
  for (const start = clock.now(); !done(); ) {
    if (clock.now() - start > maxMs) throw new Error(`${what}: not after ${maxMs} ms of clock time`);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await clock.advanceAsync(10);
  }
}

async function cloudWith(addresses: 1 | 2): Promise<Cloud> {
  clock = new ManualClock();
  network = createVirtualNetwork({ clock, seed: 21 });
  cleanups.push(() => network.close());
  const cloudHost = network.addHost({ addresses: addresses === 2 ? [PRIMARY, SECOND] : [PRIMARY] });
  const cloud = await createCloud({
    host: '127.0.0.1',
    httpPort: 0,
    udpHost: PRIMARY,
    ...(addresses === 2 ? { stunAltHost: SECOND } : {}),
    socketFactory: cloudHost,
    clock,
  });
  cleanups.push(() => cloud.close());
  return cloud;
}

/** Starts a server runner behind `preset`: its start, then its discovery. */
async function discover(cloud: Cloud, preset: NatPreset) {
  const host = network.addNat({ preset, link: { latencyMs: 10 } }).addHost();
  const runner = new NetworkRunner({ cloudUrl: `http://127.0.0.1:${cloud.http.port}`, appId: 'nat-type', discoverNat: true, socketFactory: host, clock, localAddresses: () => host.addresses });
  cleanups.push(() => runner.shutdown());
  const found: NatTypeDiscoveredEvent[] = [];
  runner.on('natTypeDiscovered', (event) => found.push(event));
  let started = false;
  const start = runner.startGame({ mode: 'server' }).finally(() => (started = true));
  await until(() => started, 'the start');
  const result = await start;
  // The start did not wait for discovery (a blocked filtering probe alone takes 1.1 s).
  expect(found).toEqual([]);
  expect(runner.natType).toBe('unknown');
  await until(() => found.length > 0, 'natTypeDiscovered');
  return { runner, result, event: found[0]! };
}

for (const addresses of [1, 2] as const) {
  describe(`NAT type behind each classic NAT, cloud with ${addresses} address${addresses === 2 ? 'es (stunAltHost)' : ' (alternate port only)'}`, () => {
    for (const preset of Object.keys(EXPECTED) as NatPreset[]) {
      const expected = EXPECTED[preset][addresses === 1 ? 'one' : 'two'];
      it(`${preset}: mapping ${expected.mapping}, filtering ${expected.filtering}, ${expected.natType}`, async () => {
        const cloud = await cloudWith(addresses);
        const { runner, result, event } = await discover(cloud, preset);
        expect(event).toEqual(expected);
        expect(runner.natType).toBe(expected.natType);
        expect(result.reflexive).toBeDefined();
        // The cloud counted it (the repeated address report carried it), by name and axes.
        const line = `punchthrough_session_nat_discovered_total{nat_type="${expected.natType}",mapping="${expected.mapping}",filtering="${expected.filtering}"} 1`;
        let text = '';
        await until(() => text.includes(line), 'the metric', 2_000).catch(() => undefined);
        for (let i = 0; i < 50 && !text.includes(line); i++) {
          text = await cloud.metrics();
          await clock.advanceAsync(10);
        }
        expect(text).toContain(line);
      });
    }
  });
}

describe('a host whose STUN request fails (virtual network)', () => {
  it('still starts, without a reflexive address, and warns NO_REFLEXIVE_ADDRESS at once', async () => {
    const cloud = await cloudWith(1);
    const host = network.addNat({ preset: 'symmetric' }).addHost();
    // A STUN server nobody answers at: every Binding request goes unanswered.
    const runner = new NetworkRunner({ cloudUrl: `http://127.0.0.1:${cloud.http.port}`, appId: 'nat-type', stunServers: ['203.0.113.99:3478'], socketFactory: host, clock, localAddresses: () => host.addresses });
    cleanups.push(() => runner.shutdown());
    const warnings: unknown[] = [];
    runner.on('warning', (event) => warnings.push(event));
    let started = false;
    const start = runner.startGame({ mode: 'server' }).finally(() => (started = true));
    await until(() => started, 'the start');
    expect((await start).reflexive).toBeUndefined();
    expect(warnings).toEqual([{ code: 'NO_REFLEXIVE_ADDRESS', message: expect.stringContaining('clients outside this network can connect only through the relay') }]);
  });
});
