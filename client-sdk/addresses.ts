/**
 * The SDK's endpoint helpers (wire ⇄ UDP endpoints) and creation/joining step 8 of
 * docs/connection-process.md: the local addresses, the candidates a peer on the same LAN (or the
 * same host) can reach directly.
 */
import { networkInterfaces } from 'node:os';
import type { UdpEndpoint } from '../core/index.js';
import type { PeerAddressesEvent, WireEndpoint } from '../src/protocol/index.js';
import { MAX_ANNOUNCED_CANDIDATES } from './constants.js';
import type { PeerContact } from './peer/link.js';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

export function familyOf(address: string): 'IPv4' | 'IPv6' {
  return address.includes(':') ? 'IPv6' : 'IPv4';
}

export function toEndpoint(wire: WireEndpoint): UdpEndpoint {
  return { address: wire.address, port: wire.port, family: familyOf(wire.address) };
}

export function toWire(endpoint: { address: string; port: number }): WireEndpoint {
  return { address: endpoint.address, port: endpoint.port };
}

/**
 * A peer's addresses event as a link's contact: its candidates of the families this runner uses,
 * and whether it announced a server-reflexive address (what a CONNECT_TIMEOUT lacked, if not).
 */
export function contactOf(event: PeerAddressesEvent, ipv6: boolean): { contact: PeerContact; reflexive: boolean } {
  const usable = (c: UdpEndpoint): boolean => c.family === 'IPv4' || ipv6;
  const reflexive = event.reflexive ? [toEndpoint(event.reflexive)].filter(usable) : [];
  // A link keeps MAX_ANNOUNCED_CANDIDATES: a host with many interfaces must not crowd out its reflexive address.
  const local = event.local.map(toEndpoint).filter(usable).slice(0, MAX_ANNOUNCED_CANDIDATES - reflexive.length);
  const contact: PeerContact = { actor: event.actor, candidates: [...local, ...reflexive], pairSecret: event.pairSecret };
  return { contact, reflexive: reflexive.length > 0 };
}

/**
 * Host addresses of the machine's interfaces: non-internal IPv4, and IPv6 when enabled
 * (link-local IPv6 is skipped: it needs a scope id no remote peer can supply).
 */
export function interfaceAddresses(ipv6: boolean): string[] {
  const hosts: string[] = [];
  for (const infos of Object.values(networkInterfaces())) {
    for (const info of infos ?? []) {
      if (info.internal) continue;
      if (info.family === 'IPv4') hosts.push(info.address);
      else if (ipv6 && !info.address.toLowerCase().startsWith('fe80:')) hosts.push(info.address);
    }
  }
  return hosts;
}

/**
 * Local candidates: each host address paired with the port of the bound socket of its family.
 * A socket bound to one address (loopback tests, a virtual host) has exactly that address;
 * a wildcard-bound one has the interfaces' addresses (or the injected `source`'s).
 */
export function localCandidates(
  sockets: { v4: UdpEndpoint; v6?: UdpEndpoint | undefined },
  ipv6: boolean,
  source: (() => readonly string[]) | undefined,
): UdpEndpoint[] {
  const bound = [sockets.v4, ...(sockets.v6 ? [sockets.v6] : [])];
  const hosts = source
    ? source()
    : bound.every((s) => !WILDCARDS.has(s.address))
      ? bound.map((s) => s.address)
      : [...bound.filter((s) => !WILDCARDS.has(s.address)).map((s) => s.address), ...interfaceAddresses(ipv6)];
  const seen = new Set<string>();
  const out: UdpEndpoint[] = [];
  for (const host of hosts) {
    const family = familyOf(host);
    const socket = family === 'IPv4' ? sockets.v4 : sockets.v6;
    if (!socket || seen.has(host)) continue;
    seen.add(host);
    out.push({ address: host, port: socket.port, family });
  }
  return out;
}
