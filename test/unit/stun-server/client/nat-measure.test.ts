import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, natNameOf, type NatAxis, type NatBehaviorKind } from '../../../../core/index.js';
import { measureNat, type NatMeasurement } from '../../../../stun-server/client/index.js';
import { createVirtualNetwork, type VirtualNetwork } from '../../../../vnet/index.js';
import { createStunServer } from '../../../../stun-server/index.js';

const KINDS: NatBehaviorKind[] = ['endpoint-independent', 'address-dependent', 'address-and-port-dependent'];
const networks: VirtualNetwork[] = [];
afterEach(async () => {
  for (const network of networks.splice(0)) await network.close();
});

/** Our server with an alternate port (and address, when `two`); a client behind a NAT on RFC 4787's axes. */
async function measureThrough(
  mapping: NatBehaviorKind,
  filtering: NatBehaviorKind,
  server: { two: boolean; alternatePort?: boolean },
): Promise<NatMeasurement> {
  const clock = new ManualClock();
  const network = createVirtualNetwork({ clock, seed: 9 });
  networks.push(network);
  const host = network.addHost({ addresses: ['203.0.113.1', '203.0.113.2'] });
  const stun = await createStunServer({
    ipv4: {
      host: '203.0.113.1',
      port: 3478,
      ...(server.alternatePort === false ? {} : { alternatePort: 3479 }),
      ...(server.two ? { alternateHost: '203.0.113.2' } : {}),
    },
    socketFactory: host,
    clock,
  });
  const nat = network.addNat({ mapping, filtering, publicAddress: '198.51.100.1', portAllocation: 'sequential' });
  const socket = await nat.addHost({ addresses: ['192.168.1.10'] }).bind({ type: 'udp4' });
  let outcome: NatMeasurement | undefined;
  let failure: unknown;
  measureNat(socket, { address: '203.0.113.1', port: 3478 }, { clock }).then(
    (m) => (outcome = m),
    (error: unknown) => (failure = error),
  );
  while (!outcome && failure === undefined) await clock.advanceAsync(50);
  await stun.close();
  if (failure !== undefined) throw failure;
  return outcome!;
}

/** With one address, address dependence cannot be told: it reads as not port-dependent. */
const onePort = (kind: NatBehaviorKind): NatAxis => (kind === 'address-and-port-dependent' ? kind : 'not-port-dependent');

describe('measureNat through virtual NATs', () => {
  for (const mapping of KINDS) {
    for (const filtering of KINDS) {
      it(`${mapping} mapping, ${filtering} filtering: RFC 5780 with two addresses, the port axis with one`, async () => {
        const two = await measureThrough(mapping, filtering, { two: true });
        expect(two).toMatchObject({ natted: true, mapping, filtering, alternate: 'address-and-port', mappedAddress: { address: '198.51.100.1' } });
        expect(two.natType).toBe(natNameOf(true, mapping, filtering));
        const one = await measureThrough(mapping, filtering, { two: false });
        expect(one).toMatchObject({ natted: true, mapping: onePort(mapping), filtering: onePort(filtering), alternate: 'port' });
      });
    }
  }

  it('a server without an alternate port: both axes unknown, the name unknown behind a NAT', async () => {
    const m = await measureThrough('endpoint-independent', 'endpoint-independent', { two: false, alternatePort: false });
    expect(m).toMatchObject({ natType: 'unknown', mapping: 'unknown', filtering: 'unknown', alternate: 'none' });
  });
});

describe('natNameOf: the familiar name of a (partial) measurement', () => {
  const table: [boolean, NatAxis, NatAxis, string][] = [
    [false, 'endpoint-independent', 'endpoint-independent', 'open'],
    [false, 'endpoint-independent', 'not-port-dependent', 'open'],
    [false, 'endpoint-independent', 'unknown', 'open'],
    [false, 'endpoint-independent', 'address-and-port-dependent', 'portRestrictedCone'],
    [true, 'endpoint-independent', 'endpoint-independent', 'fullCone'],
    [true, 'endpoint-independent', 'address-dependent', 'restrictedCone'],
    [true, 'endpoint-independent', 'address-and-port-dependent', 'portRestrictedCone'],
    [true, 'endpoint-independent', 'not-port-dependent', 'unknown'],
    [true, 'not-port-dependent', 'address-and-port-dependent', 'portRestrictedCone'],
    [true, 'not-port-dependent', 'not-port-dependent', 'unknown'],
    [true, 'address-dependent', 'address-dependent', 'symmetric'],
    [true, 'address-and-port-dependent', 'not-port-dependent', 'symmetric'],
    [true, 'address-and-port-dependent', 'unknown', 'symmetric'],
    [true, 'unknown', 'endpoint-independent', 'unknown'],
    [true, 'endpoint-independent', 'unknown', 'unknown'],
  ];
  for (const [natted, mapping, filtering, name] of table) {
    it(`${natted ? 'natted' : 'no NAT'}, ${mapping} / ${filtering}: ${name}`, () => {
      expect(natNameOf(natted, mapping, filtering)).toBe(name);
    });
  }
});
