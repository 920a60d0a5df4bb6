// Bare UDP peers (test/support/kernel-peer.ts) in a kernel lab: the echo server, and two peers that learn their reflexive addresses and punch.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { followJsonLines, type FollowedProcess, type JsonLine } from './json-lines.js';
import type { KernelNetwork } from './netns.js';

const PEER = fileURLToPath(new URL('./kernel-peer.ts', import.meta.url));

/** A kernel-peer.ts mode, started in namespace `ns`. */
export function spawnKernelPeer(net: KernelNetwork, ns: string, args: string[]): FollowedProcess & { child: ChildProcessWithoutNullStreams } {
  const child = net.spawnIn(ns, process.execPath, ['--import', 'tsx', PEER, ...args]);
  return { ...followJsonLines(child), child };
}

/** The echo server (a STUN stand-in) on the cloud's address, listening. */
export async function startEcho(net: KernelNetwork): Promise<FollowedProcess> {
  const echo = spawnKernelPeer(net, net.cloudNs, ['echo', '3478', '3479']);
  await echo.waitFor((line) => line.event === 'listening', 'echo server');
  return echo;
}

/**
 * One bare peer behind each NAT learns its reflexive address, then punches towards the other's;
 * `target` adds options to what peer `index` is told (a delay, a low-TTL prime).
 */
export async function punchBarePeers(
  net: KernelNetwork,
  target: (index: number) => Record<string, unknown> = () => ({}),
): Promise<{ reflexive: JsonLine[]; done: JsonLine[] }> {
  await startEcho(net);
  const peers = net.nats.map((nat) => ({ nat, out: spawnKernelPeer(net, nat.hostNs, ['peer', net.cloudAddress, '3478', '3479']) }));
  const reflexive = await Promise.all(
    peers.map((peer) => peer.out.waitFor((line) => line.event === 'reflexive', `reflexive of ${peer.nat.hostNs}`)),
  );
  peers.forEach((peer, index) => {
    const other = reflexive[1 - index]!;
    peer.out.child.stdin.write(`${JSON.stringify({ address: other.address, port: other.port, ...target(index) })}\n`);
  });
  const done = await Promise.all(peers.map((peer) => peer.out.waitFor((line) => line.event === 'done', 'punching')));
  return { reflexive, done };
}
