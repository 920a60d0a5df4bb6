/**
 * Real Linux NAT: network namespaces, veth pairs and iptables MASQUERADE (a port-restricted
 * cone) or MASQUERADE --random-fully (symmetric). First bare peers prove the rig behaves as the
 * virtual NAT presets of the same names; then `punchthrough cloud` runs on the internet side
 * and `punchthrough host` / `punchthrough client` behind the NATs, as separate processes.
 * Skips, saying why, where namespaces cannot be built; .ci/run runs it as root with iptables.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { followJsonLines } from '../support/json-lines.js';
import { punchBarePeers } from '../support/kernel-bare-peers.js';
import { type KernelNatKind, type KernelNetwork, buildKernelNetwork, kernelNatSupport } from '../support/netns.js';

const unsupported = kernelNatSupport();
const CLI = fileURLToPath(new URL('../../bin/punchthrough.js', import.meta.url));

let network: KernelNetwork | undefined;
afterEach(() => {
  network?.destroy();
  network = undefined;
});

/** Two bare peers behind NATs of `kind` learn their reflexive addresses and punch towards each other. */
async function punch(kind: KernelNatKind) {
  network = buildKernelNetwork([{ kind }, { kind }]);
  const net = network;
  const { reflexive, done } = await punchBarePeers(net);
  return { reflexive, done, nats: net.nats };
}

/**
 * `punchthrough cloud` on the internet side, `punchthrough host` behind the first NAT and
 * `punchthrough client` behind the second, as separate processes; returns the client's
 * `connected` and `updates` events.
 */
async function cliPair(kind: KernelNatKind) {
  network = buildKernelNetwork([{ kind }, { kind }]);
  const net = network;
  const node = (ns: string, args: string[]) => followJsonLines(net.spawnIn(ns, process.execPath, [CLI, ...args]));
  const cloud = node(net.cloudNs, ['cloud', '--host', '0.0.0.0', '--public-ip', net.cloudAddress, '--json']);
  const ready = await cloud.waitFor((line) => line.event === 'ready', 'punchthrough cloud');
  const url = String(ready.http);
  const host = node(net.nats[0]!.hostNs, ['host', '--cloud', url, '--session', `kernel-${kind}`, '--json']);
  await host.waitFor((line) => line.event === 'session', 'punchthrough host');
  const client = node(net.nats[1]!.hostNs, [
    'client', '--cloud', url, '--session', `kernel-${kind}`, '--updates', '20', '--interval-ms', '10', '--json',
  ]);
  const connected = await client.waitFor((line) => line.event === 'connected' || line.event === 'failed', 'punchthrough client');
  const updates = await client.waitFor((line) => line.event === 'updates' || line.event === 'failed', 'updates');
  const hostSaw = await host.waitFor((line) => line.event === 'peer-connected', 'host peer-connected');
  return { connected, updates, hostSaw, url };
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

    it('punchthrough cloud, host and client: port-restricted cone ↔ port-restricted cone connects direct', async () => {
      const { connected, updates, hostSaw } = await cliPair('port-restricted-cone');
      expect(connected).toMatchObject({ event: 'connected', path: 'direct' });
      expect(connected.attempt).toBeLessThan(6);
      expect(hostSaw).toMatchObject({ path: 'direct' });
      expect(updates).toMatchObject({ event: 'updates', sent: 20, echoed: 20 });
    });

    it('punchthrough cloud, host and client: symmetric ↔ symmetric connects through the relay', async () => {
      const { connected, updates, hostSaw } = await cliPair('symmetric');
      expect(connected).toMatchObject({ event: 'connected', path: 'relay' });
      expect(connected.attempt).toBeGreaterThanOrEqual(6);
      expect(hostSaw).toMatchObject({ path: 'relay' });
      expect(updates).toMatchObject({ event: 'updates', sent: 20, echoed: 20 });
    });
  },
);
