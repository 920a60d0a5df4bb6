// Picks the address the cloud tells peers to use for STUN and the relay.
import { networkInterfaces } from 'node:os';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * The IPv6 address peers should be told to use: the bound one when specific, otherwise the first
 * global IPv6 interface address (not link-local, unique-local or loopback); undefined when none.
 */
export function advertisedAddress6(boundHost: string, interfaces = networkInterfaces()): string | undefined {
  if (!WILDCARDS.has(boundHost)) return boundHost;
  for (const list of Object.values(interfaces)) {
    const found = list?.find((entry) => entry.family === 'IPv6' && !entry.internal && isGlobal6(entry.address));
    if (found) return found.address;
  }
  return undefined;
}

/** Global unicast (2000::/3): what a peer on another network can reach. */
function isGlobal6(address: string): boolean {
  const first = Number.parseInt(address.split(':')[0] ?? '', 16);
  return Number.isInteger(first) && first >= 0x2000 && first <= 0x3fff;
}

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
