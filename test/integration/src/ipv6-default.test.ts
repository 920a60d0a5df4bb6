// IPv6 on by default: behind two symmetric NAT44s whose LANs also have routed IPv6, a pair with
// default options connects direct over IPv6 (over IPv4 alone it would need the relay).
import { afterEach, describe, expect, it } from 'vitest';
import { advanceUntil, advanceUntilSettled } from '../../support/drive.js';
import { createMemoryCloud, type MemoryCloud } from '../../support/memory-cloud.js';

let cloud: MemoryCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

describe('IPv6 by default', () => {
  it('symmetric↔symmetric NAT44 with routed IPv6 connects direct over IPv6 with default options', async () => {
    const c = (cloud = await createMemoryCloud(6));
    const hostNat = c.network.addNat({ preset: 'symmetric', routeIpv6: true });
    const clientNat = c.network.addNat({ preset: 'symmetric', routeIpv6: true });
    const host = c.runner(hostNat.addHost({ addresses: ['10.60.0.10', '2001:db8:60::10'] }));
    const client = c.runner(clientNat.addHost({ addresses: ['10.61.0.10', '2001:db8:61::10'] }));

    const hosted = await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'v6' }), 'host start');
    expect(hosted.local.map((l) => l.family)).toEqual(['IPv4', 'IPv6']);
    const started = await advanceUntilSettled(c.clock, client.startGame({ mode: 'client', sessionName: 'v6' }), 'client start');
    expect(started.server).toMatchObject({ path: 'direct', actor: 1 });
    expect(started.server?.remote).toMatchObject({ address: '2001:db8:60::10', family: 'IPv6' });

    const received: string[] = [];
    host.on('message', (event) => received.push(Buffer.from(event.data).toString()));
    client.broadcast(Buffer.from('over IPv6'));
    await advanceUntil(c.clock, () => received.length > 0, 'message');
    expect(received).toEqual(['over IPv6']);
  });

  it('the same pair stays on the relay with ipv6: false (IPv4 alone cannot punch symmetric↔symmetric)', async () => {
    const c = (cloud = await createMemoryCloud(6));
    const hostNat = c.network.addNat({ preset: 'symmetric', routeIpv6: true });
    const clientNat = c.network.addNat({ preset: 'symmetric', routeIpv6: true });
    const host = c.runner(hostNat.addHost({ addresses: ['10.60.0.10', '2001:db8:60::10'] }), { ipv6: false });
    const client = c.runner(clientNat.addHost({ addresses: ['10.61.0.10', '2001:db8:61::10'] }), { ipv6: false });
    await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'v4' }), 'host start');
    const started = await advanceUntilSettled(c.clock, client.startGame({ mode: 'client', sessionName: 'v4' }), 'client start');
    expect(started.server).toMatchObject({ path: 'relay' });
  });
});
