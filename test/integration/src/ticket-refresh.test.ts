// Relay ticket refresh over the whole in-memory system: a relayed pair outlives its first ticket
// and rebinds at the relay after a NAT rebinding 11 minutes in.
import { afterEach, describe, expect, it } from 'vitest';
import { relayDefaults } from '../../../relay/index.js';
import { advanceUntil, advanceUntilSettled } from '../../support/drive.js';
import { createMemoryCloud, type MemoryCloud } from '../../support/memory-cloud.js';

let cloud: MemoryCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

/** Short enough to expire while the client's link is cut, long enough to outlive keepalive gaps. */
const NAT_MAPPING_LIFETIME_MS = 5_000;

describe('relay ticket refresh', () => {
  it('a relayed session held across 11 minutes survives a NAT rebinding: the rebind uses a refreshed ticket', async () => {
    const c = (cloud = await createMemoryCloud(13));
    const hostNat = c.network.addNat({ preset: 'symmetric' });
    const clientNat = c.network.addNat({ preset: 'symmetric', mappingLifetimeMs: NAT_MAPPING_LIFETIME_MS });
    const clientHost = clientNat.addHost();
    const host = c.runner(hostNat.addHost());
    const client = c.runner(clientHost);
    const disconnected: string[] = [];
    host.on('peerDisconnected', (event) => disconnected.push(`host: ${event.reason}`));
    client.on('peerDisconnected', (event) => disconnected.push(`client: ${event.reason}`));
    const relayErrors: string[] = [];
    client.on('relayError', (event) => relayErrors.push(event.code));

    await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'tickets' }), 'host start');
    const started = await advanceUntilSettled(c.clock, client.startGame({ mode: 'client', sessionName: 'tickets' }), 'client start');
    expect(started.server).toMatchObject({ path: 'relay', actor: 1 });

    // 11 minutes: past the first ticket's 10-minute life, with a refresh at half of it and again after.
    expect(relayDefaults.DEFAULT_TICKET_TTL_MS).toBeLessThan(11 * 60_000);
    await c.clock.advanceAsync(11 * 60_000);
    expect(disconnected).toEqual([]);

    // The client's NAT forgets its mappings while the link is down: its next packets leave from
    // new external ports, so the relay no longer knows the client's address and it must rebind.
    const bindsBefore = c.relay.stats().binds + c.relay.stats().rebinds;
    clientHost.setUdpBlocked(true);
    await c.clock.advanceAsync(NAT_MAPPING_LIFETIME_MS + 1_000);
    clientHost.setUdpBlocked(false);

    const received: string[] = [];
    host.on('message', (event) => received.push(Buffer.from(event.data).toString()));
    await advanceUntil(
      c.clock,
      () => {
        if (received.length === 0) client.broadcast(Buffer.from('after the rebinding'));
        return received.length > 0;
      },
      'an update through the relay after the rebinding',
      { stepMs: 100, maxMs: 30_000 },
    );
    const stats = c.relay.stats();
    expect(stats.binds + stats.rebinds).toBeGreaterThan(bindsBefore);
    expect(stats.dropped.ticketExpired).toBe(0);
    expect(relayErrors).not.toContain('TICKET_EXPIRED');
    expect(disconnected).toEqual([]);
    expect(client.connectionType(started.server!.peerId)).toBe('relay');
  });

  it('held across a clock jump of 11 minutes, survives nat.rebind() on both sides: both rebind at the relay with refreshed tickets', async () => {
    const c = (cloud = await createMemoryCloud(15));
    const hostNat = c.network.addNat({ preset: 'symmetric' });
    const clientNat = c.network.addNat({ preset: 'symmetric' });
    const host = c.runner(hostNat.addHost());
    const client = c.runner(clientNat.addHost());
    const disconnected: string[] = [];
    host.on('peerDisconnected', (event) => disconnected.push(`host: ${event.reason}`));
    client.on('peerDisconnected', (event) => disconnected.push(`client: ${event.reason}`));
    await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'rebind' }), 'host start');
    const started = await advanceUntilSettled(c.clock, client.startGame({ mode: 'client', sessionName: 'rebind' }), 'client start');
    expect(started.server).toMatchObject({ path: 'relay' });

    await c.clock.advanceAsync(11 * 60_000);
    const before = c.relay.stats().rebinds;
    expect(hostNat.rebind().length).toBeGreaterThan(0);
    expect(clientNat.rebind().length).toBeGreaterThan(0);

    const atHost: string[] = [];
    const atClient: string[] = [];
    host.on('message', (event) => atHost.push(Buffer.from(event.data).toString()));
    client.on('message', (event) => atClient.push(Buffer.from(event.data).toString()));
    await advanceUntil(
      c.clock,
      () => {
        if (atHost.length === 0) client.broadcast(Buffer.from('to the host'));
        if (atClient.length === 0) host.broadcast(Buffer.from('to the client'));
        return atHost.length > 0 && atClient.length > 0;
      },
      'updates both ways after both NATs rebound',
      { stepMs: 100, maxMs: 30_000 },
    );
    expect(c.relay.stats().rebinds).toBeGreaterThanOrEqual(before + 2);
    expect(c.relay.stats().dropped.ticketExpired).toBe(0);
    expect(disconnected).toEqual([]);
  });
});
