import { createNodeUdpSocketFactory } from '../../src/runtime/index.js';

/** True when a UDP socket can bind ::1 (containers without IPv6 cannot). */
export async function ipv6LoopbackAvailable(): Promise<boolean> {
  try {
    const socket = await createNodeUdpSocketFactory().bind({ type: 'udp6', address: '::1' });
    await socket.close();
    return true;
  } catch {
    return false;
  }
}

/** Waits for a condition that socket events will make true: no sleeps, no timing assumptions. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
