/**
 * Real Linux NAT: network namespaces, veth pairs and iptables MASQUERADE (a port-restricted
 * cone) or MASQUERADE --random-fully (symmetric). Proves the test rig behaves as the virtual
 * NAT presets of the same names. Skips, saying why, where namespaces cannot be built; .ci/run
 * runs it as root with iptables installed.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { followJsonLines } from '../support/json-lines.js';
import { type KernelNatKind, type KernelNetwork, buildKernelNetwork, kernelNatSupport } from '../support/netns.js';

const unsupported = kernelNatSupport();
const PEER = fileURLToPath(new URL('../support/kernel-peer.ts', import.meta.url));
const tsNode = (args: string[]): [string, string[]] => [process.execPath, ['--import', 'tsx', PEER, ...args]];

let network: KernelNetwork | undefined;
afterEach(() => {
  network?.destroy();
  network = undefined;
});

/** Two bare peers behind NATs of `kind` learn their reflexive addresses and punch towards each other. */
async function punch(kind: KernelNatKind) {
  network = buildKernelNetwork([{ kind }, { kind }]);
  const net = network;
  const echo = followJsonLines(net.spawnIn(net.cloudNs, ...tsNode(['echo', '3478', '3479'])));
  await echo.waitFor((line) => line.event === 'listening', 'echo server');
  const peers = net.nats.map((nat) => {
    const child = net.spawnIn(nat.hostNs, ...tsNode(['peer', net.cloudAddress, '3478', '3479']));
    return { child, out: followJsonLines(child), nat };
  });
  const reflexive = await Promise.all(
    peers.map((peer) => peer.out.waitFor((line) => line.event === 'reflexive', `reflexive of ${peer.nat.hostNs}`)),
  );
  peers.forEach((peer, index) => {
    const other = reflexive[1 - index]!;
    peer.child.stdin.write(`${JSON.stringify({ address: other.address, port: other.port })}\n`);
  });
  const done = await Promise.all(peers.map((peer) => peer.out.waitFor((line) => line.event === 'done', 'punching')));
  return { reflexive, done, nats: net.nats };
}

describe.skipIf(Boolean(unsupported))(
  `real-kernel NAT${unsupported ? ` (skipped: ${unsupported})` : ''}`,
  () => {
    it('port-restricted cone (MASQUERADE): one mapping for every destination, and a direct hole punch', async () => {
      const { reflexive, done, nats } = await punch('port-restricted-cone');
      reflexive.forEach((line, index) => {
        const all = line.all as string[];
        expect(all[0]).toMatch(new RegExp(`^${nats[index]!.publicAddress.replaceAll('.', '\\.')}:`));
        expect(all[1]).toBe(all[0]);
      });
      for (const line of done) expect(line.received).toBeGreaterThan(0);
    });

    it('symmetric (MASQUERADE --random-fully): a mapping per destination, and no direct path', async () => {
      const { reflexive, done } = await punch('symmetric');
      for (const line of reflexive) {
        const all = line.all as string[];
        expect(all[1]).not.toBe(all[0]);
      }
      for (const line of done) expect(line.received).toBe(0);
    });
  },
);
