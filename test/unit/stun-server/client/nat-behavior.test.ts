import { afterEach, describe, expect, it } from 'vitest';
import { discoverNatBehavior, type NatBehavior, type NatBehaviorKind } from '../../../../client-sdk/index.js';
import { createVirtualNetwork, type VirtualNetwork } from '../../../../vnet/index.js';
import { ManualClock } from '../../../../core/index.js';
import { createStunServer } from '../../../../stun-server/index.js';

const KINDS: NatBehaviorKind[] = ['endpoint-independent', 'address-dependent', 'address-and-port-dependent'];
const networks: VirtualNetwork[] = [];
afterEach(async () => {
  for (const network of networks.splice(0)) await network.close();
});

/** Our server on a public virtual host with two addresses; a client behind a NAT configured on RFC 4787's axes. */
async function discoverThrough(mapping: NatBehaviorKind, filtering: NatBehaviorKind): Promise<NatBehavior> {
  const clock = new ManualClock();
  const network = createVirtualNetwork({ clock, seed: 7 });
  networks.push(network);
  const serverHost = network.addHost({ addresses: ['203.0.113.1', '203.0.113.2'] });
  const stun = await createStunServer({
    ipv4: { host: '203.0.113.1', port: 3478, alternatePort: 3479, alternateHost: '203.0.113.2' },
    socketFactory: serverHost,
    clock,
  });
  const nat = network.addNat({ mapping, filtering, publicAddress: '198.51.100.1', portAllocation: 'sequential' });
  const socket = await nat.addHost({ addresses: ['192.168.1.10'] }).bind({ type: 'udp4' });
  let outcome: NatBehavior | undefined;
  let failure: unknown;
  discoverNatBehavior(socket, { address: '203.0.113.1', port: 3478 }, { clock }).then(
    (behavior) => (outcome = behavior),
    (error: unknown) => (failure = error),
  );
  while (!outcome && failure === undefined) await clock.advanceAsync(50);
  await stun.close();
  if (failure !== undefined) throw failure;
  return outcome!;
}

describe('RFC 5780 NAT behaviour discovery against our server, through virtual NATs', () => {
  for (const mapping of KINDS) {
    for (const filtering of KINDS) {
      it(`finds ${mapping} mapping and ${filtering} filtering`, async () => {
        const behavior = await discoverThrough(mapping, filtering);
        expect(behavior).toMatchObject({ natted: true, mapping, filtering });
        expect(behavior.mappedAddress.address).toBe('198.51.100.1');
      });
    }
  }
});
