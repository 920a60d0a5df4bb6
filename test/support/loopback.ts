import { createNodeUdpSocketFactory } from '../../core/index.js';

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

/**
 * Waits for a condition the sockets will make true, polling every 2 ms; the timeout is only a
 * failsafe, and its error names what was awaited.
 */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
