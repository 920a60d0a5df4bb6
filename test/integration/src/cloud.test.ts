import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createCloud, type Cloud } from '../../../src/index.js';
import { createNodeUdpSocketFactory, type UdpSocket } from '../../../core/index.js';
import { stunBinding } from '../../../client-sdk/index.js';
import { createRelayClient, createTicketIssuer } from '../../../relay/index.js';
import { spawnCli, spawnLoopbackCloud } from '../../support/cli.js';

const LOOPBACK = { host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: 0, relayPort: 0 } as const;

describe('createCloud', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  it('runs the session service, STUN and the relay in one process, and closes them all', async () => {
    const cloud: Cloud = await createCloud(LOOPBACK);
    cleanup.push(() => cloud.close());
    expect(cloud.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cloud.signalingUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/signaling$/);

    const health = await fetch(`${cloud.httpUrl}/health`);
    expect(health.status).toBe(200);

    const socket: UdpSocket = await createNodeUdpSocketFactory().bind({ type: 'udp4', address: '127.0.0.1' });
    cleanup.push(() => socket.close());
    const reflexive = await stunBinding(socket, cloud.stun);
    expect(reflexive.port).toBe(socket.address().port);

    const metrics = await (await fetch(`${cloud.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^punchthrough_stun_success_responses_total 1$/m);
    expect(metrics).toMatch(/^punchthrough_relay_bindings 0$/m);
    expect(metrics).toContain(`punchthrough_udp_io{server="relay",path="${cloud.relayServer.udpIo()}"} 1`);
    expect(metrics).toContain(`punchthrough_udp_io{server="stun",path="${cloud.stunServer.udpIo()}"} 1`);
    expect(metrics).toMatch(/punchthrough_session_connected_peers/);

    await cloud.close();
    await cloud.close();
    await expect(fetch(`${cloud.httpUrl}/health`)).rejects.toThrow();
  });

  it('is dual-stack: STUN answers on IPv6 too, and peers are told both endpoints (IPv4 first)', async () => {
    const cloud = await createCloud({ ...LOOPBACK, udpHost6: '::1' });
    cleanup.push(() => cloud.close());
    expect(cloud.stun6).toMatchObject({ address: '::1', family: 'IPv6' });
    const socket: UdpSocket = await createNodeUdpSocketFactory().bind({ type: 'udp6', address: '::1' });
    cleanup.push(() => socket.close());
    const reflexive = await stunBinding(socket, cloud.stun6!);
    expect(reflexive).toMatchObject({ address: '::1', port: socket.address().port });
  });

  it('runs one relay on both families: a peer bound over IPv6 and one over IPv4 reach each other', async () => {
    const relaySecret = 'dual-stack relay test secret, 32+';
    const cloud = await createCloud({ ...LOOPBACK, udpHost6: '::1', relaySecret });
    cleanup.push(() => cloud.close());
    expect(cloud.relay6).toMatchObject({ address: '::1', port: cloud.relay.port, family: 'IPv6' });
    const issuer = createTicketIssuer({ secret: relaySecret });
    const factory = createNodeUdpSocketFactory();
    const [v4, v6] = await Promise.all([factory.bind({ type: 'udp4', address: '127.0.0.1' }), factory.bind({ type: 'udp6', address: '::1' })]);
    cleanup.push(async () => void (await Promise.all([v4.close(), v6.close()])));
    const host = createRelayClient({ socket: v4, relay: cloud.relay, ticket: issuer.issue('dual', 1).ticket });
    const guest = createRelayClient({ socket: v6, relay: cloud.relay6!, ticket: issuer.issue('dual', 2).ticket });
    cleanup.push(async () => {
      host.close();
      guest.close();
    });
    await Promise.all([host.bind(), guest.bind()]);
    const received = new Promise<[number, string]>((resolve) => host.onMessage((from, payload) => resolve([from, Buffer.from(payload).toString()])));
    guest.send(1, Buffer.from('over v6, out over v4'));
    expect(await received).toEqual([2, 'over v6, out over v4']);
  });

  it('stays IPv4-only with ipv6: false, and falls back to IPv4 when the IPv6 bind fails', async () => {
    const off = await createCloud({ ...LOOPBACK, udpHost6: '::1', ipv6: false });
    cleanup.push(() => off.close());
    expect(off.stun6).toBeUndefined();
    expect(off.stunServer.address('IPv6')).toBeUndefined();
    // An address this machine does not have: EADDRNOTAVAIL on IPv6, and the cloud starts anyway.
    const fallback = await createCloud({ ...LOOPBACK, udpHost6: '2001:db8::7' });
    cleanup.push(() => fallback.close());
    expect(fallback.stun6).toBeUndefined();
    expect(fallback.stun.port).toBeGreaterThan(0);
  });

  it('advertises --public-ip for STUN and the relay', async () => {
    const cloud = await createCloud({ ...LOOPBACK, publicIp: '127.0.0.1' });
    cleanup.push(() => cloud.close());
    expect(cloud.stun.address).toBe('127.0.0.1');
    expect(cloud.relay.address).toBe('127.0.0.1');
    expect(cloud.relay.port).toBe(cloud.relayServer.address().port);
  });

  it('closes what it opened when a port is taken', async () => {
    const first = await createCloud(LOOPBACK);
    cleanup.push(() => first.close());
    await expect(createCloud({ ...LOOPBACK, relayPort: first.relay.port })).rejects.toThrow(/EADDRINUSE/);
  });

  it('refuses a relay port out of range with INVALID_OPTIONS, not as a failed IPv6 socket', async () => {
    // On all interfaces the cloud tries the relay dual-stack first, and falls back to IPv4 only when IPv6 fails.
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    await expect(createCloud({ httpPort: 0, stunPort: 0, stunAltPort: 0, relayPort: 70_000, logger })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    expect(lines.join('')).not.toContain('relay over IPv6 unavailable');
  });
});

describe('punchthrough cloud', () => {
  it('prints the ready line with --json and exits 0 on SIGTERM', async () => {
    const cli = spawnLoopbackCloud();
    const ready = await cli.waitFor((line) => line.event === 'ready');
    expect(cli.lines[0]).toBe(ready);
    expect(Object.keys(ready)).toEqual(['event', 'http', 'stun', 'relay']);
    expect(ready.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.stun).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(ready.relay).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await cli.stop()).toBe(0);
  });

  it('exits 2 with usage for a bad flag', async () => {
    const cli = spawnCli(['cloud', '--http-port', 'seventy']);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toMatch(/--http-port must be an integer/);
    expect(cli.stderr()).toMatch(/Usage: punchthrough cloud/);
  });
});
