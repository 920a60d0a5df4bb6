/**
 * The virtual network against punchthrough's own UDP services: they take a virtual host as
 * their socket factory unchanged, and behave through virtual NATs as the RFCs say.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/index.js';
import { type NatPreset, type VirtualNetwork, createVirtualNetwork } from '../../../vnet/index.js';
import { createRelayClient, createRelayServer, createTicketIssuer, generateTicketSecret } from '../../../relay/index.js';
import { createStunServer } from '../../../stun-server/index.js';
import { discoverNatBehavior } from '../../../client-sdk/index.js';
import { NAT_PRESETS } from '../../../vnet/index.js';
import { advanceUntil, advanceUntilSettled } from '../../support/drive.js';

let network: VirtualNetwork | undefined;
afterEach(async () => {
  await network?.close();
  network = undefined;
});

describe('relay on the virtual network', () => {
  it('forwards between two peers behind symmetric NATs, which could not reach each other directly', async () => {
    const clock = new ManualClock();
    network = createVirtualNetwork({ clock, seed: 5 });
    const relayHost = network.addHost({ addresses: ['203.0.113.5'] });
    const secret = generateTicketSecret();
    const relay = await createRelayServer({ secret, host: '203.0.113.5', port: 5055, socketFactory: relayHost, clock });
    const issuer = createTicketIssuer({ secret, clock });
    const peers = await Promise.all(
      (['symmetric', 'symmetric'] as NatPreset[]).map(async (preset, index) => {
        const nat = network!.addNat({ preset, link: { latencyMs: 20 } });
        const socket = await nat.addHost().bind({ type: 'udp4' });
        const client = createRelayClient({
          socket,
          relay: { address: '203.0.113.5', port: 5055 },
          ticket: issuer.issue('session-1', index + 1).ticket,
          clock,
        });
        return { nat, socket, client };
      }),
    );
    const [a, b] = peers as [(typeof peers)[0], (typeof peers)[0]];
    await advanceUntilSettled(clock, Promise.all([a.client.bind(), b.client.bind()]), 'relay binds');
    const received: string[] = [];
    b.client.onMessage((fromActor, payload) => received.push(`${fromActor}:${Buffer.from(payload).toString()}`));
    expect(a.client.send(2, Buffer.from('via relay'))).toBe(true);
    await advanceUntil(clock, () => received.length > 0, 'relayed datagram');
    expect(received).toEqual(['1:via relay']);
    // Each peer's NAT mapped its socket towards the relay only.
    expect(a.nat.mappings().map((m) => m.remote)).toEqual([{ address: '203.0.113.5', port: 5055 }]);
    a.client.close();
    b.client.close();
    await relay.close();
  });
});

describe('STUN server and RFC 5780 discovery on the virtual network', () => {
  /** The STUN server on a public host with two addresses, as RFC 5780 needs. */
  async function stunWorld(seed: number) {
    const clock = new ManualClock();
    network = createVirtualNetwork({ clock, seed });
    const stunHost = network.addHost({ addresses: ['203.0.113.1', '203.0.113.2'] });
    const stun = await createStunServer({
      ipv4: { host: '203.0.113.1', port: 3478, alternateHost: '203.0.113.2', alternatePort: 3479 },
      socketFactory: stunHost,
      clock,
      rateLimit: false,
    });
    return { clock, net: network, stun };
  }

  for (const preset of Object.keys(NAT_PRESETS) as NatPreset[]) {
    it(`discovers a ${preset} NAT's mapping and filtering`, async () => {
      const { clock, net, stun } = await stunWorld(11);
      const nat = net.addNat({ preset, publicAddress: '198.51.100.7' });
      const socket = await nat.addHost().bind({ type: 'udp4' });
      const behavior = await advanceUntilSettled(
        clock,
        discoverNatBehavior(socket, { address: '203.0.113.1', port: 3478 }, { clock }),
        `discovery behind ${preset}`,
      );
      expect(behavior).toMatchObject({
        mapping: NAT_PRESETS[preset].mapping,
        filtering: NAT_PRESETS[preset].filtering,
        natType: preset,
        natted: true,
        mappedAddress: { address: '198.51.100.7' },
      });
      await socket.close();
      await stun.close();
    });
  }

  it('discovers address-dependent mapping, which no classic preset has', async () => {
    const { clock, net, stun } = await stunWorld(12);
    const nat = net.addNat({ mapping: 'address-dependent', filtering: 'address-dependent', portAllocation: 'random' });
    const socket = await nat.addHost().bind({ type: 'udp4' });
    const behavior = await advanceUntilSettled(
      clock,
      discoverNatBehavior(socket, { address: '203.0.113.1', port: 3478 }, { clock }),
      'discovery',
    );
    expect(behavior).toMatchObject({ mapping: 'address-dependent', filtering: 'address-dependent' });
    await stun.close();
  });

  it('sees no NAT from a public host', async () => {
    const { clock, net, stun } = await stunWorld(13);
    const socket = await net.addHost({ addresses: ['198.51.100.20'] }).bind({ type: 'udp4', address: '198.51.100.20' });
    const behavior = await advanceUntilSettled(
      clock,
      discoverNatBehavior(socket, { address: '203.0.113.1', port: 3478 }, { clock }),
      'discovery',
    );
    expect(behavior).toMatchObject({ natted: false, natType: 'open-internet' });
    await stun.close();
  });
});
