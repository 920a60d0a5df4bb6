// NetworkRunner on real loopback sockets against the real session service, STUN server and
// relay, all in this process on port 0.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { NetworkRunner, NetworkRunnerOptions, PeerConnectedEvent } from '../../../client-sdk/index.js';
import { droppingSocketFactory } from '../../support/sdk-cloud.js';
import { useLoopbackRunners } from '../../support/loopback-runners.js';

const loopback = useLoopbackRunners('sdk-test');
const { runner } = loopback;

/** Client connects so far, by path: each one reports to the cloud's histogram. */
const connects = { direct: 0, relay: 0 };
/** Whether this machine has IPv6 loopback (some containers do not). */
const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const probe = dgram.createSocket('udp6');
  probe.once('error', () => resolve(false));
  probe.bind(0, '::1', () => probe.close(() => resolve(true)));
});

/** Joins as a client and counts the connect. */
async function join(client: NetworkRunner, sessionName: string) {
  const start = await client.startGame({ mode: 'client', sessionName });
  connects[start.server!.path]++;
  return start;
}

/** A server-mode runner that echoes every game update back to its sender. */
async function echoServer(sessionName: string, options: Partial<NetworkRunnerOptions> = {}) {
  const server = runner(options);
  server.on('message', ({ peerId, data }) => server.send(peerId, data));
  const result = await server.startGame({ mode: 'server', sessionName, sessionProperties: { mode: 'ffa' } });
  return { server, result };
}

/** Sends `count` updates and resolves once every one has come back. */
async function exchange(client: NetworkRunner, serverPeerId: string, count: number): Promise<number> {
  const echoed = new Set<number>();
  const done = new Promise<void>((resolve) => {
    client.on('message', ({ data }) => {
      echoed.add(Buffer.from(data).readUInt32BE(0));
      if (echoed.size === count) resolve();
    });
  });
  // Unreliable datagrams: resend what has not come back until all have (loopback rarely loses any).
  for (let round = 0; round < 50 && echoed.size < count; round++) {
    for (let i = 0; i < count; i++) {
      if (echoed.has(i)) continue;
      const update = Buffer.alloc(8);
      update.writeUInt32BE(i, 0);
      client.send(serverPeerId, update);
    }
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 200))]);
  }
  return echoed.size;
}

describe('NetworkRunner on loopback with the real cloud', () => {
  it('a server and three clients connect directly and exchange game updates both ways', async () => {
    const { server, result } = await echoServer('direct-room');
    expect(result).toMatchObject({ mode: 'server', sessionName: 'direct-room', actor: 1 });
    expect(result.reflexive?.address).toBe('127.0.0.1');
    const serverSide: PeerConnectedEvent[] = [];
    server.on('peerConnected', (e) => serverSide.push(e));

    const clients = [runner(), runner(), runner()];
    const starts = await Promise.all(clients.map((c) => join(c, 'direct-room')));
    for (const start of starts) {
      expect(start.server).toMatchObject({ peerId: result.peerId, actor: 1, path: 'direct' });
      expect(start.server!.remote.address).toBe('127.0.0.1');
    }
    expect(clients.map((c) => c.connectionType(result.peerId))).toEqual(['direct', 'direct', 'direct']);

    // Client → server → client.
    const echoed = await Promise.all(clients.map((c) => exchange(c, result.peerId, 20)));
    expect(echoed).toEqual([20, 20, 20]);

    // Server → every client.
    const received = clients.map((c) => once(c, 'message'));
    expect(server.broadcast(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toBe(3);
    await Promise.all(received);
    expect(serverSide.map((e) => e.path)).toEqual(['direct', 'direct', 'direct']);
    expect(new Set(server.connectedPeers())).toEqual(new Set(starts.map((s) => s.peerId)));
  });

  it('with discoverNat, RFC 5780 discovery measures the NAT type (none on loopback) and the client still connects', async () => {
    const { server } = await echoServer('nat-room', { discoverNat: true });
    expect(server.natType).toBe('open');
    const client = runner({ discoverNat: true });
    const start = await join(client, 'nat-room');
    expect(client.natType).toBe('open');
    expect(start.reflexive).toEqual(start.local[0]);
    expect(start.server).toMatchObject({ path: 'direct' });
  });

  it('a client with force relay connects through the relay and exchanges updates', async () => {
    const { result } = await echoServer('relay-room');
    const client = runner({ forceRelay: true });
    const start = await join(client, 'relay-room');
    expect(start.server).toMatchObject({ path: 'relay', attempt: 0, remote: { address: loopback.cloud.relay.address, port: loopback.cloud.relay.port } });
    expect(await exchange(client, result.peerId, 20)).toBe(20);
    expect(client.connectionType(result.peerId)).toBe('relay');
  });

  it('a client whose datagrams to the server are dropped connects through the relay at attempt 6', async () => {
    const { result } = await echoServer('blocked-room');
    const serverPorts = new Set(result.local.map((l) => l.port));
    const client = runner({ socketFactory: droppingSocketFactory((_address, port) => serverPorts.has(port)) });
    const attempts: string[] = [];
    client.on('attempt', (a) => attempts.push(`${a.n}:${a.path}`));
    const start = await join(client, 'blocked-room');
    expect(start.server).toMatchObject({ path: 'relay', attempt: 6 });
    expect(attempts).toEqual(['0:direct', '1:direct', '2:direct', '3:direct', '4:direct', '5:direct', '6:relay']);
    expect(await exchange(client, result.peerId, 10)).toBe(10);
  });

  it.skipIf(!hasIpv6Loopback)('with IPv6 on, a client that only has an IPv6 local address connects over ::1', async () => {
    // No STUN (its reflexive address would be an IPv4 candidate): IPv6 local candidates only.
    const v6 = { ipv6: true, bindAddress6: '::1', localAddresses: () => ['::1'], stunServers: [] };
    const { result } = await echoServer('v6-room', v6);
    expect(result.local).toEqual([expect.objectContaining({ address: '::1', family: 'IPv6' })]);
    const client = runner(v6);
    const start = await join(client, 'v6-room');
    expect(start.server).toMatchObject({ path: 'direct' });
    expect(start.server!.remote).toEqual({ address: '::1', port: result.local[0]!.port, family: 'IPv6' });
    expect(await exchange(client, result.peerId, 10)).toBe(10);
  });

  it('connected clients reported their connect time by path to the cloud', async () => {
    // The report is fire-and-forget: wait until the service has counted every connect so far.
    const count = async (path: string): Promise<number> => {
      const text = await (await fetch(`${loopback.cloud.url}/metrics`)).text();
      const match = new RegExp(`punchthrough_session_connect_ms_count\\{path="${path}"\\} (\\d+)`).exec(text);
      return Number(match?.[1] ?? 0);
    };
    for (let i = 0; i < 100 && ((await count('direct')) < connects.direct || (await count('relay')) < connects.relay); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(connects.relay).toBe(2);
    expect({ direct: await count('direct'), relay: await count('relay') }).toEqual(connects);
  });

  it('a client joining a missing session fails with SESSION_NOT_FOUND', async () => {
    const client = runner();
    await expect(client.startGame({ mode: 'client', sessionName: 'no-such-room' })).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  it('a client whose server never answers fails with CONNECT_TIMEOUT after the limit and leaves no handle open', async () => {
    // A host whose every outgoing datagram is lost: no accept on either path.
    await echoServer('silent-room', { socketFactory: droppingSocketFactory(() => true) });
    const before = handles();
    const client = runner({ attemptIntervalMs: 100 });
    const attempts: number[] = [];
    client.on('attempt', (a) => attempts.push(a.n));
    await expect(client.startGame({ mode: 'client', sessionName: 'silent-room' })).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' });
    expect(attempts).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Closed sockets leave the handle list on the next turns of the event loop.
    for (let i = 0; i < 100 && !sameHandles(before, handles()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(handles()).toEqual(before);
  });
});

function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) {
    if (name === 'UDPWrap' || name === 'TCPSocketWrap' || name === 'TCPWrap') counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

function sameHandles(a: Record<string, number>, b: Record<string, number>): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
