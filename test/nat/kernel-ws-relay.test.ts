/**
 * The relay over WebSocket on real Linux NATs (issue 18): `punchthrough cloud --relay-ws-port` on
 * the internet side, a host behind one MASQUERADE router and a client behind another whose own
 * namespace drops every UDP packet (iptables INPUT and OUTPUT). The client's UDP bind to the relay
 * gets no answer, it moves to the relay's WebSocket, and its updates echo through it. Skips,
 * saying why, where namespaces cannot be built.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { followJsonLines } from '../support/json-lines.js';
import { type KernelNetwork, buildKernelNetwork, kernelNatSupport } from '../support/netns.js';

const unsupported = kernelNatSupport();
const RUNNER = fileURLToPath(new URL('../support/kernel-runner.ts', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/punchthrough.js', import.meta.url));

let network: KernelNetwork | undefined;
afterEach(() => {
  network?.destroy();
  network = undefined;
});

describe.skipIf(Boolean(unsupported))(`relay over WebSocket on real-kernel NATs${unsupported ? ` (skipped: ${unsupported})` : ''}`, () => {
  it('a client whose namespace drops all UDP connects through the WebSocket relay and gets ≥ 100 updates echoed; its connect time is reported', async () => {
    network = buildKernelNetwork([{ kind: 'port-restricted-cone' }, { kind: 'port-restricted-cone' }]);
    const net = network;
    const clientNs = net.nats[1]!.hostNs;
    for (const chain of ['INPUT', 'OUTPUT']) execFileSync('ip', ['netns', 'exec', clientNs, 'iptables', '-I', chain, '-p', 'udp', '-j', 'DROP']);
    const cloud = followJsonLines(
      net.spawnIn(net.cloudNs, process.execPath, [CLI, 'cloud', '--host', '0.0.0.0', '--public-ip', net.cloudAddress, '--relay-ws-port', '7071', '--json']),
    );
    const url = String((await cloud.waitFor((line) => line.event === 'ready', 'punchthrough cloud')).http);
    const runner = (ns: string, args: string[]) => followJsonLines(net.spawnIn(ns, process.execPath, ['--import', 'tsx', RUNNER, ...args]));
    const host = runner(net.nats[0]!.hostNs, ['host', url, 'ws-relay']);
    await host.waitFor((line) => line.event === 'session' || line.event === 'failed', 'host session');
    // 50 ms updates for 7 s: ~140 sent.
    const client = runner(clientNs, ['client', url, 'ws-relay', '7000', '50', '{}']);
    const connected = await client.waitFor((line) => line.event === 'connected' || line.event === 'failed', 'client connected');
    const updates = await client.waitFor((line) => line.event === 'updates' || line.event === 'failed', 'updates');
    const dropped = execFileSync('ip', ['netns', 'exec', clientNs, 'iptables', '-L', 'OUTPUT', '-v', '-n', '-x'], { encoding: 'utf8' });
    const droppedPackets = Number(/^\s*(\d+)\s+\d+\s+DROP\s+17/m.exec(dropped)?.[1] ?? 0);
    console.log('kernel ws relay', JSON.stringify({ connected, updates, udpDroppedAtClient: droppedPackets }));
    expect(connected).toMatchObject({ event: 'connected', path: 'relay' });
    expect(updates).toMatchObject({ event: 'updates', path: 'relay' });
    expect(Number(updates.echoed)).toBeGreaterThanOrEqual(100);
    // The firewall did drop the client's UDP (STUN, punches, the relay bind): the WebSocket carried the game.
    expect(droppedPackets).toBeGreaterThan(0);
  }, 40_000);
});
