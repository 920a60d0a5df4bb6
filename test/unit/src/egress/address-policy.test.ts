// The egress address policy: CIDR parsing and matching, every refused range (IPv4, IPv6 and IPv4
// inside IPv6), and allow-listing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAddress, embeddedIPv4, inCidr, parseCidr, parseIp, refusedReason } from '../../../../src/egress/address-policy.js';

const reason = (address: string): string | undefined => refusedReason(parseIp(address)!);
const allow = (...networks: string[]) => networks.map((network) => parseCidr(network)!);

describe('parseIp / parseCidr', () => {
  it('parses IPv4, IPv6 with ::, embedded dotted quads, zones and brackets', () => {
    expect(parseIp('10.1.2.3')).toEqual([10, 1, 2, 3]);
    expect(parseIp('::1')).toEqual([...Array<number>(15).fill(0), 1]);
    expect(parseIp('[::1]')).toEqual(parseIp('::1'));
    expect(parseIp('::ffff:127.0.0.1')).toEqual([...Array<number>(10).fill(0), 0xff, 0xff, 127, 0, 0, 1]);
    expect(parseIp('::ffff:7f00:1')).toEqual(parseIp('::ffff:127.0.0.1'));
    expect(parseIp('fe80::1%eth0')).toEqual(parseIp('fe80::1'));
    expect(parseIp('2001:db8:0:0:0:0:0:1')).toEqual(parseIp('2001:db8::1'));
  });

  it('rejects what is not an address, and short or octal IPv4 forms', () => {
    for (const bad of ['', 'localhost', '1.2.3', '01.2.3.4', '1.2.3.256', '0x7f.0.0.1', '2130706433', ':::1', '1::2::3', '[::1', 'g::1']) {
      expect(parseIp(bad), bad).toBeUndefined();
    }
  });

  it('parses CIDRs and bare addresses, and refuses bad prefixes', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ bytes: [10, 0, 0, 0], prefix: 8 });
    expect(parseCidr('127.0.0.1')).toEqual({ bytes: [127, 0, 0, 1], prefix: 32 });
    expect(parseCidr('::1/128')?.prefix).toBe(128);
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8/8', 'x/8', '10.0.0.0/ 8']) expect(parseCidr(bad), bad).toBeUndefined();
  });

  it('matches prefixes bit by bit, within one family only', () => {
    const net = parseCidr('172.16.0.0/12')!;
    expect(inCidr(parseIp('172.31.255.255')!, net)).toBe(true);
    expect(inCidr(parseIp('172.32.0.0')!, net)).toBe(false);
    expect(inCidr(parseIp('172.15.255.255')!, net)).toBe(false);
    expect(inCidr(parseIp('::ffff:172.16.0.1')!, net)).toBe(false);
    expect(inCidr(parseIp('1.2.3.4')!, parseCidr('0.0.0.0/0')!)).toBe(true);
  });

  it('a /n network holds exactly the addresses that share the first n bits (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 31 }), (bytes, prefix, flip) => {
        const network = { bytes, prefix };
        const flipped = [...bytes];
        flipped[flip >> 3] = flipped[flip >> 3]! ^ (0x80 >> (flip & 7));
        expect(inCidr(bytes, network)).toBe(true);
        expect(inCidr(flipped, network)).toBe(flip >= prefix);
      }),
    );
  });
});

describe('refused ranges', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.0.1', 'linkLocal'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.100.100.200', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001::1', 'reserved'],
    ['100::1', 'reserved'],
    ['::7f00:1', 'reserved'],
    ['fec0::1', 'private'],
    ['4000::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:100.64.0.1', 'cgnat'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::10.1.1.1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
  ])('%s is refused as %s', (address, expected) => {
    expect(reason(address)).toBe(expected);
    expect(checkAddress(address, [])).toEqual({ allowed: false, reason: expected });
  });

  it.each(['8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.0', '172.32.0.1', '169.253.255.255', '2606:4700:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2002:808:808::1'])(
    '%s is a global unicast address',
    (address) => {
      expect(reason(address)).toBeUndefined();
      expect(checkAddress(address, [])).toEqual({ allowed: true });
    },
  );

  it('judges an IPv6 address that carries an IPv4 one as that IPv4 address', () => {
    expect(embeddedIPv4(parseIp('::ffff:1.2.3.4')!)).toEqual([1, 2, 3, 4]);
    expect(embeddedIPv4(parseIp('2002:0102:0304::')!)).toEqual([1, 2, 3, 4]);
    expect(embeddedIPv4(parseIp('2606:4700::1')!)).toBeUndefined();
  });
});

describe('allow-listing', () => {
  it('allows exactly the listed networks, and their IPv4-mapped IPv6 forms', () => {
    const allowed = allow('127.0.0.1/32', '10.1.0.0/16');
    expect(checkAddress('127.0.0.1', allowed)).toEqual({ allowed: true });
    expect(checkAddress('::ffff:127.0.0.1', allowed)).toEqual({ allowed: true });
    expect(checkAddress('10.1.200.3', allowed)).toEqual({ allowed: true });
    expect(checkAddress('127.0.0.2', allowed)).toEqual({ allowed: false, reason: 'loopback' });
    expect(checkAddress('10.2.0.1', allowed)).toEqual({ allowed: false, reason: 'private' });
    expect(checkAddress('::1', allowed)).toEqual({ allowed: false, reason: 'loopback' });
    expect(checkAddress('::1', allow('::1/128'))).toEqual({ allowed: true });
  });

  it('refuses a string that is not an address', () => {
    expect(checkAddress('localhost', [])).toEqual({ allowed: false, reason: 'url' });
  });
});
