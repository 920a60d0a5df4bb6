// Picks the address the cloud tells peers to use for STUN and the relay.
import { networkInterfaces } from 'node:os';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * The address peers should be told to use: the bound address when it is a specific one,
 * otherwise the first non-internal IPv4 address (what a LAN peer can reach), otherwise loopback.
 */
export function advertisedAddress(boundHost: string, interfaces = networkInterfaces()): string {
  if (!WILDCARDS.has(boundHost)) return boundHost;
  for (const list of Object.values(interfaces)) {
    const found = list?.find((entry) => entry.family === 'IPv4' && !entry.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}
