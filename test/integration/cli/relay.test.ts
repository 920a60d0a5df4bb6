import { afterEach, describe, expect, it } from 'vitest';
import { createNodeUdpSocketFactory, parseEndpoint, type UdpSocket } from '../../../core/index.js';
import { createRealClock, createSilentLogger } from '../../../core/index.js';
import { createRelayClient, createTicketIssuer, openRelayWebSocket, type RelayClient, type RelayWebSocketTransport } from '../../../relay/index.js';
import { loadUdpBatchAddon } from '../../../udp-native/index.js';
import { spawnCli, type SpawnedCli } from '../../support/cli.js';

const secret = 'cli test secret, long enough....';

describe('punchthrough relay', () => {
  const running: SpawnedCli[] = [];
  const sockets: UdpSocket[] = [];
  const clients: RelayClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
    await Promise.all(running.splice(0).map((cli) => cli.stop()));
  });

  it('prints ready first, relays between two ticket holders, and exits 0 on SIGTERM with its stats', async () => {
    const cli = spawnCli(['relay', '--host', '127.0.0.1', '--port', '0', '--json'], { PUNCHTHROUGH_RELAY_SECRET: secret });
    running.push(cli);
    const ready = await cli.waitFor((line) => line.event === 'ready');
    expect(cli.lines[0]).toBe(ready);
    expect(Object.keys(ready)).toEqual(['event', 'relay', 'udpIo']);
    // The path it runs on: the batched addon when built, unless PUNCHTHROUGH_UDP_IO says dgram.
    const batched = process.env.PUNCHTHROUGH_UDP_IO !== 'dgram' && loadUdpBatchAddon().ok;
    expect(ready.udpIo).toBe(batched ? 'batched' : 'dgram');
    const relay = parseEndpoint(String(ready.relay));
    expect(relay).toMatchObject({ address: '127.0.0.1' });

    const issuer = createTicketIssuer({ secret });
    const factory = createNodeUdpSocketFactory();
    const peers = await Promise.all(
      [1, 2].map(async (actor) => {
        const socket = await factory.bind({ type: 'udp4', address: '127.0.0.1' });
        sockets.push(socket);
        const client = createRelayClient({ socket, relay: relay!, ticket: issuer.issue('cli-session', actor).ticket });
        clients.push(client);
        await client.bind();
        return client;
      }),
    );
    const got = new Promise<[number, string]>((resolve) => peers[1]!.onMessage((from, payload) => resolve([from, Buffer.from(payload).toString()])));
    peers[0]!.send(2, Buffer.from('through the CLI relay'));
    expect(await got).toEqual([1, 'through the CLI relay']);

    expect(await cli.stop()).toBe(0);
    expect(cli.lines.at(-1)).toMatchObject({ event: 'closed', stats: { bindings: 2, packetsRelayed: 1 } });
  });

  it('with --ws-port, relays between a UDP peer and a WebSocket peer, and reports the WebSocket counters on exit', async () => {
    const cli = spawnCli(['relay', '--host', '127.0.0.1', '--port', '0', '--ws-port', '0', '--json'], { PUNCHTHROUGH_RELAY_SECRET: secret });
    running.push(cli);
    const ready = await cli.waitFor((line) => line.event === 'ready');
    expect(String(ready.ws)).toMatch(/^127\.0\.0\.1:\d+\/v1\/relay$/);
    const relay = parseEndpoint(String(ready.relay))!;
    const issuer = createTicketIssuer({ secret });
    const socket = await createNodeUdpSocketFactory().bind({ type: 'udp4', address: '127.0.0.1' });
    sockets.push(socket);
    const udp = createRelayClient({ socket, relay, ticket: issuer.issue('cli-ws', 1).ticket });
    clients.push(udp);
    let transport: RelayWebSocketTransport | undefined;
    try {
      transport = await openRelayWebSocket({ url: `ws://${String(ready.ws)}`, clock: createRealClock(), logger: createSilentLogger() });
      const ws = createRelayClient({ transport, ticket: issuer.issue('cli-ws', 2).ticket });
      clients.push(ws);
      await Promise.all([udp.bind(), ws.bind()]);
      const got = new Promise<[number, string]>((resolve) => udp.onMessage((from, payload) => resolve([from, Buffer.from(payload).toString()])));
      ws.send(1, Buffer.from('over the WebSocket'));
      expect(await got).toEqual([2, 'over the WebSocket']);
    } finally {
      transport?.close();
    }
    expect(await cli.stop()).toBe(0);
    expect(cli.lines.at(-1)).toMatchObject({ event: 'closed', stats: { packetsRelayed: 1 }, ws: { accepted: 1 } });
  });

  it('generates a secret when none is given and says so, stops on SIGINT; refuses a short secret or a 20 ms coalescing window with exit 2', async () => {
    const generated = spawnCli(['relay', '--host', '127.0.0.1', '--port', '0', '--json'], { PUNCHTHROUGH_RELAY_SECRET: '' });
    running.push(generated);
    await generated.waitFor((line) => line.event === 'ready');
    expect(generated.stderr()).toMatch(/generated a random ticket secret/);
    generated.child.kill('SIGINT');
    expect(await generated.exited).toBe(0);

    const short = spawnCli(['relay', '--secret', 'short', '--port', '0']);
    expect(await short.exited).toBe(2);
    expect(short.stderr()).toMatch(/--secret must be at least 16 bytes/);

    const coalesce = spawnCli(['relay', '--coalesce-us', '20000', '--port', '0'], { PUNCHTHROUGH_RELAY_SECRET: secret });
    expect(await coalesce.exited).toBe(2);
    expect(coalesce.stderr()).toMatch(/--coalesce-us/);
  });

  it('reports a port in use as a failed event and exits 1', async () => {
    const factory = createNodeUdpSocketFactory();
    const taken = await factory.bind({ type: 'udp4', address: '127.0.0.1' });
    sockets.push(taken);
    const cli = spawnCli(['relay', '--host', '127.0.0.1', '--port', String(taken.address().port), '--json'], { PUNCHTHROUGH_RELAY_SECRET: secret });
    running.push(cli);
    expect(await cli.exited).toBe(1);
    expect(cli.lines[0]).toMatchObject({ event: 'failed', message: expect.stringMatching(/EADDRINUSE/) });
  });

  it('documents the secret in --help', async () => {
    const help = spawnCli(['relay', '--help']);
    expect(await help.exited).toBe(0);
    expect(help.lines.map((line) => line.raw).join('\n')).toMatch(/refuses every ticket the cloud signs/);
  });
});
