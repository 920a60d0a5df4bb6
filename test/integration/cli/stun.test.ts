import { afterEach, describe, expect, it } from 'vitest';
import { stunBinding } from '../../../client-sdk/index.js';
import { createNodeUdpSocketFactory, parseEndpoint, type UdpSocket } from '../../../core/index.js';
import { spawnCli, type SpawnedCli } from '../../support/cli.js';
import { loadUdpBatchAddon } from '../../../udp-native/index.js';

const running: SpawnedCli[] = [];
const sockets: UdpSocket[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((cli) => cli.stop()));
  await Promise.all(sockets.splice(0).map((socket) => socket.close()));
});

describe('punchthrough stun', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('prints the ready line first, answers STUN, and exits 0 on %s', async (signal) => {
    const cli = spawnCli(['stun', '--json', '--port', '0', '--host', '127.0.0.1']);
    running.push(cli);
    const ready = await cli.waitFor((line) => line.event === 'ready');
    expect(cli.lines[0]).toBe(ready);
    expect(Object.keys(ready)).toEqual(['event', 'stun', 'udpIo']);
    // The path it runs on: the batched addon when built, unless PUNCHTHROUGH_UDP_IO says dgram.
    expect(ready.udpIo).toBe(process.env.PUNCHTHROUGH_UDP_IO !== 'dgram' && loadUdpBatchAddon().ok ? 'batched' : 'dgram');
    const endpoint = parseEndpoint(String(ready.stun));
    expect(endpoint).toMatchObject({ address: '127.0.0.1' });

    const socket = await createNodeUdpSocketFactory().bind({ type: 'udp4', address: '127.0.0.1' });
    sockets.push(socket);
    const mapped = await stunBinding(socket, endpoint!);
    expect(mapped).toMatchObject({ address: '127.0.0.1', port: socket.address().port });

    cli.child.kill(signal);
    expect(await cli.exited).toBe(0);
    const stopped = cli.lines.at(-1) as { event: string; signal: string; stats: { successResponses: number } };
    expect(stopped).toMatchObject({ event: 'stopped', signal });
    // At least one: under CPU contention the client may have retransmitted before the answer.
    expect(stopped.stats.successResponses).toBeGreaterThanOrEqual(1);
  });

  it('prints a failed event and exits 1 when the port is taken', async () => {
    const taken = await createNodeUdpSocketFactory().bind({ type: 'udp4', address: '127.0.0.1' });
    sockets.push(taken);
    const cli = spawnCli(['stun', '--json', '--host', '127.0.0.1', '--port', String(taken.address().port)]);
    running.push(cli);
    expect(await cli.exited).toBe(1);
    expect(cli.lines[0]).toMatchObject({ event: 'failed', message: expect.stringMatching(/cannot listen on 127\.0\.0\.1:/) });
  });

  it('exits 2 on a bad flag', async () => {
    const cli = spawnCli(['stun', '--port', 'seventy']);
    running.push(cli);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toMatch(/--port must be an integer/);
  });
});
