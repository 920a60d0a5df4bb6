// Which IP addresses the egress client may connect to: CIDR parsing and matching (IPv4, IPv6,
// IPv4 inside IPv6) and the ranges refused unless allow-listed. Pure; docs/egress.md, "Addresses".
import { isIPv4, isIPv6 } from 'node:net';
import type { BlockReason } from './constants.js';

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
export type IpBytes = readonly number[];

export interface Cidr {
  readonly bytes: IpBytes;
  readonly prefix: number;
}

/** Parses a dotted-quad IPv4 address (Node's isIPv4 form: no octal, no short forms). */
function parseIPv4(text: string): IpBytes | undefined {
  if (!isIPv4(text)) return undefined;
  return text.split('.').map(Number);
}

/** Parses an IPv6 address (with `::`, an embedded dotted quad and a `%zone`, which is dropped). */
function parseIPv6(input: string): IpBytes | undefined {
  const text = input.split('%')[0] ?? '';
  if (!isIPv6(text)) return undefined;
  const toGroups = (part: string): number[] => {
    if (part === '') return [];
    const groups: number[] = [];
    for (const piece of part.split(':')) {
      const v4 = piece.includes('.') ? parseIPv4(piece) : undefined;
      if (v4) groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      else groups.push(parseInt(piece, 16));
    }
    return groups;
  };
  const [head = '', tail] = text.split('::');
  const left = toGroups(head);
  const right = tail === undefined ? [] : toGroups(tail);
  const groups = tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  if (groups.length !== 8) return undefined;
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

/** Parses an IPv4 or IPv6 address; `[::1]` brackets (a URL's hostname) are accepted. */
export function parseIp(text: string): IpBytes | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return parseIPv4(bare) ?? parseIPv6(bare);
}

/** Parses `address/prefix`, or a bare address as a single-address network; undefined if malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const bytes = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!bytes) return undefined;
  const bits = bytes.length * 8;
  if (slash < 0) return { bytes, prefix: bits };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return undefined;
  return { bytes, prefix: Number(prefixText) };
}

/** Whether `bytes` lies in `cidr` (same family only). */
export function inCidr(bytes: IpBytes, cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  let remaining = cidr.prefix;
  for (let i = 0; remaining > 0; i++, remaining -= 8) {
    const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
    if (((bytes[i]! ^ cidr.bytes[i]!) & mask) !== 0) return false;
  }
  return true;
}

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`bad built-in CIDR ${text}`);
  return parsed;
};

/** IPv4 ranges refused, most specific first (the first match names the reason). */
const REFUSED_V4: ReadonlyArray<readonly [Cidr, BlockReason]> = [
  [cidr('169.254.169.254/32'), 'metadata'], // cloud instance metadata (AWS, GCP, Azure, …)
  [cidr('255.255.255.255/32'), 'broadcast'],
  [cidr('0.0.0.0/8'), 'unspecified'], // "this network"; 0.0.0.0 reaches the local host
  [cidr('10.0.0.0/8'), 'private'],
  [cidr('172.16.0.0/12'), 'private'],
  [cidr('192.168.0.0/16'), 'private'],
  [cidr('100.64.0.0/10'), 'cgnat'], // also holds Alibaba's metadata address 100.100.100.200
  [cidr('127.0.0.0/8'), 'loopback'],
  [cidr('169.254.0.0/16'), 'linkLocal'],
  [cidr('192.0.0.0/24'), 'reserved'], // IETF protocol assignments
  [cidr('192.0.2.0/24'), 'documentation'],
  [cidr('198.51.100.0/24'), 'documentation'],
  [cidr('203.0.113.0/24'), 'documentation'],
  [cidr('192.88.99.0/24'), 'reserved'], // deprecated 6to4 relay anycast
  [cidr('198.18.0.0/15'), 'reserved'], // benchmarking
  [cidr('224.0.0.0/4'), 'multicast'],
  [cidr('240.0.0.0/4'), 'reserved'],
];

/** IPv6 ranges refused, most specific first. Anything outside 2000::/3 is refused as well. */
const REFUSED_V6: ReadonlyArray<readonly [Cidr, BlockReason]> = [
  [cidr('::/128'), 'unspecified'],
  [cidr('::1/128'), 'loopback'],
  [cidr('::/96'), 'reserved'], // deprecated IPv4-compatible addresses
  [cidr('64:ff9b:1::/48'), 'reserved'], // local-use NAT64
  [cidr('100::/64'), 'reserved'], // discard-only
  [cidr('2001:db8::/32'), 'documentation'],
  [cidr('2001::/23'), 'reserved'], // IETF protocol assignments (Teredo, benchmarking, ORCHID)
  [cidr('3fff::/20'), 'documentation'],
  [cidr('5f00::/16'), 'reserved'], // SRv6 SIDs
  [cidr('fc00::/7'), 'uniqueLocal'], // also holds AWS's IPv6 metadata address fd00:ec2::254
  [cidr('fe80::/10'), 'linkLocal'],
  [cidr('fec0::/10'), 'private'], // deprecated site-local
  [cidr('ff00::/8'), 'multicast'],
];
const GLOBAL_UNICAST_V6 = cidr('2000::/3');
const MAPPED_V4 = cidr('::ffff:0:0/96');
const NAT64_V4 = cidr('64:ff9b::/96');
const SIX_TO_FOUR = cidr('2002::/16');

/**
 * The IPv4 address an IPv6 address stands for, when it carries one that a gateway would reach:
 * IPv4-mapped (`::ffff:127.0.0.1`), well-known NAT64 and 6to4. Those are judged as that IPv4
 * address, so `::ffff:10.0.0.1` is as private as `10.0.0.1`.
 */
export function embeddedIPv4(bytes: IpBytes): IpBytes | undefined {
  if (bytes.length !== 16) return undefined;
  if (inCidr(bytes, MAPPED_V4) || inCidr(bytes, NAT64_V4)) return bytes.slice(12);
  if (inCidr(bytes, SIX_TO_FOUR)) return bytes.slice(2, 6);
  return undefined;
}

/** Why `bytes` is not a global unicast address, or undefined when it is one. */
export function refusedReason(bytes: IpBytes): BlockReason | undefined {
  if (bytes.length === 4) return REFUSED_V4.find(([range]) => inCidr(bytes, range))?.[1];
  const v4 = embeddedIPv4(bytes);
  if (v4) return refusedReason(v4);
  const named = REFUSED_V6.find(([range]) => inCidr(bytes, range))?.[1];
  if (named) return named;
  return inCidr(bytes, GLOBAL_UNICAST_V6) ? undefined : 'reserved';
}

export type AddressVerdict = { allowed: true } | { allowed: false; reason: BlockReason };

/**
 * Whether the client may connect to `address`: a global unicast address, or one inside an
 * allow-listed network. An IPv4 address inside IPv6 matches allow-listed IPv4 networks too, so
 * allowing 127.0.0.1/32 allows `::ffff:127.0.0.1` and nothing else.
 */
export function checkAddress(address: string, allowed: readonly Cidr[]): AddressVerdict {
  const bytes = parseIp(address);
  if (!bytes) return { allowed: false, reason: 'url' };
  const v4 = embeddedIPv4(bytes);
  if (allowed.some((network) => inCidr(bytes, network) || (v4 !== undefined && inCidr(v4, network)))) return { allowed: true };
  const reason = refusedReason(bytes);
  return reason ? { allowed: false, reason } : { allowed: true };
}
