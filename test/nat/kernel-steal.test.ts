/**
 * Real Linux NAT without an INPUT firewall (paths.md §2 `nofw`, #7 and #30): a peer's early punch
 * creates an [UNREPLIED] conntrack entry at the other router that steals the port of its mapping,
 * so bare UDP punching deadlocks; low-TTL priming across a routed hop (`hop`) fixes it. Also the
 * lab's rebinding action. What LINUX_CONNTRACK_NAT models on the virtual network
 * (test/nat/conntrack-scenarios.test.ts). Skips, saying why, where namespaces cannot be built.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { punchBarePeers, spawnKernelPeer, startEcho } from '../support/kernel-bare-peers.js';
import { type KernelNatSpec, type KernelNetwork, buildKernelNetwork, kernelNatSupport } from '../support/netns.js';

const unsupported = kernelNatSupport();

let network: KernelNetwork | undefined;
afterEach(() => {
  network?.destroy();
  network = undefined;
});

/**
 * Two bare peers behind port-preserving cones learn their reflexive addresses, then punch: the
 * first (the host) at once, the second 300 ms later, as in paths.md §2 #30; `primeTtl` makes
 * both send one low-TTL prime and wait 500 ms first.
 */
async function latePunch(specs: KernelNatSpec[], hop: boolean, primeTtl?: number) {
  network = buildKernelNetwork(specs, { hop });
  const { done } = await punchBarePeers(network, (index) => ({ delayMs: index === 0 ? 0 : 300, ...(primeTtl ? { primeTtl } : {}) }));
  return done;
}

const exposed: KernelNatSpec = { kind: 'port-restricted-cone', firewall: false };

describe.skipIf(Boolean(unsupported))(`real-kernel NAT without an INPUT firewall${unsupported ? ` (skipped: ${unsupported})` : ''}`, () => {
  it('nofw, routed hop: the host’s early punch steals the late peer’s port, and neither side hears the other (#30 plain)', async () => {
    const done = await latePunch([exposed, exposed], true);
    expect(done.map((line) => line.received)).toEqual([0, 0]);
  });

  it('nofw, routed hop: a TTL-2 prime from both sides, then full TTL after 500 ms, gets through both ways (#30 primed)', async () => {
    const done = await latePunch([exposed, exposed], true, 2);
    for (const line of done) expect(line.received).toBeGreaterThan(0);
  });

  it('rebind(): the router moves to a new port range and forgets its entries, so a running flow leaves from a new port', async () => {
    network = buildKernelNetwork([{ kind: 'port-restricted-cone' }]);
    const net = network;
    await startEcho(net);
    const watcher = spawnKernelPeer(net, net.nats[0]!.hostNs, ['watch', net.cloudAddress, '3478']);
    const before = await watcher.waitFor((line) => line.event === 'reflexive', 'reflexive before');
    expect(before.port).not.toBeLessThan(21_000);
    net.rebind(0, '20000-20999');
    const after = await watcher.waitFor((line) => line.event === 'reflexive' && line.port !== before.port, 'reflexive after the rebind');
    expect(after.port).toBeGreaterThanOrEqual(20_000);
    expect(after.port).toBeLessThanOrEqual(20_999);
  });
});
