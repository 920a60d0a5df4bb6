import { SocketAddress } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeStunMessage,
  encodeStunMessage,
  verifyMessageIntegrity,
  type StunAddress,
  type StunAttributeInit,
  type StunClassName,
  type StunMessageInit,
} from '../../../../stun-server/codec/index.js';

const address: fc.Arbitrary<StunAddress> = fc.oneof(
  fc.ipV4().map((ip) => ({ family: 'IPv4' as const, ip })),
  fc.ipV6().map((ip) => ({ family: 'IPv6' as const, ip })),
).chain(({ family, ip }) => fc.integer({ min: 0, max: 65535 }).map((port) => ({ family, address: ip, port })));

// Text that fits the 763-byte limit once UTF-8 encoded (at most 4 bytes per code point).
const text = fc.string({ unit: 'grapheme', maxLength: 100 }).filter((s) => Buffer.byteLength(s) <= 513);

const attribute: fc.Arbitrary<StunAttributeInit> = fc.oneof(
  fc.record({
    name: fc.constantFrom('MAPPED-ADDRESS', 'XOR-MAPPED-ADDRESS', 'RESPONSE-ORIGIN', 'OTHER-ADDRESS', 'ALTERNATE-SERVER', 'SOURCE-ADDRESS', 'CHANGED-ADDRESS'),
    address,
  }),
  fc.record({ name: fc.constantFrom('SOFTWARE', 'USERNAME', 'REALM', 'NONCE'), value: text }),
  fc.record({ name: fc.constant('ERROR-CODE'), code: fc.integer({ min: 300, max: 699 }), reason: text }),
  fc.record({ name: fc.constant('UNKNOWN-ATTRIBUTES'), types: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 8 }) }),
  fc.record({ name: fc.constant('CHANGE-REQUEST'), changeIp: fc.boolean(), changePort: fc.boolean() }),
  fc.record({ name: fc.constant('RESPONSE-PORT'), port: fc.integer({ min: 0, max: 65535 }) }),
  fc.record({ name: fc.constant('PADDING'), length: fc.integer({ min: 0, max: 64 }) }),
  fc.record({
    name: fc.constant('UNKNOWN'),
    // Types this codec does not name (ICE's PRIORITY, a private-range type, ...).
    type: fc.constantFrom(0x0024, 0x0025, 0x7f00, 0x8029, 0xc001),
    value: fc.uint8Array({ maxLength: 40 }),
  }),
) as fc.Arbitrary<StunAttributeInit>;

const message: fc.Arbitrary<StunMessageInit> = fc.record({
  class: fc.constantFrom<StunClassName>('request', 'indication', 'success', 'error'),
  method: fc.integer({ min: 0, max: 0xfff }),
  transactionId: fc.uint8Array({ minLength: 12, maxLength: 12 }),
  attributes: fc.array(attribute, { maxLength: 8 }),
});

const options = fc.record({
  integrityKey: fc.option(fc.uint8Array({ minLength: 1, maxLength: 32 }), { nil: undefined }),
  integritySha256Key: fc.option(fc.uint8Array({ minLength: 1, maxLength: 32 }), { nil: undefined }),
  fingerprint: fc.boolean(),
});

/** An attribute in comparable form: addresses through inet_ntop, bytes as hex. */
function expected(attribute: StunAttributeInit): unknown {
  if ('address' in attribute) {
    return { ...attribute, address: { ...attribute.address, address: canonical(attribute.address) } };
  }
  if (attribute.name === 'UNKNOWN') return { ...attribute, value: Buffer.from(attribute.value).toString('hex') };
  return attribute;
}

/** inet_ntop's form (RFC 5952), independent of our formatter. */
function canonical(address: StunAddress): string {
  return new SocketAddress({ address: address.address, family: address.family === 'IPv6' ? 'ipv6' : 'ipv4' }).address;
}

describe('codec properties', () => {
  it('decode(encode(m)) gives back m, with integrity and fingerprint verified', () => {
    fc.assert(
      fc.property(message, options, (init, opts) => {
        const bytes = encodeStunMessage(init, opts);
        const result = decodeStunMessage(bytes);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const decoded = result.value;
        expect(decoded.class).toBe(init.class);
        expect(decoded.method).toBe(init.method);
        expect(Buffer.from(decoded.transactionId)).toEqual(Buffer.from(init.transactionId));
        const plain = decoded.attributes
          .filter((a) => !['MESSAGE-INTEGRITY', 'MESSAGE-INTEGRITY-SHA256', 'FINGERPRINT'].includes(a.name))
          .map(({ offset: _o, ...rest }) => {
            if (rest.name === 'UNKNOWN') return { ...rest, value: Buffer.from(rest.value).toString('hex') };
            const { type: _t, ...fields } = rest;
            return expected(fields as StunAttributeInit);
          });
        expect(plain).toEqual(init.attributes.map(expected));
        const key = opts.integritySha256Key ?? opts.integrityKey;
        if (key) expect(verifyMessageIntegrity(decoded, key).ok).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('decode never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(typeof decodeStunMessage(bytes).ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('decode never throws on valid messages with bytes flipped, cut or appended', () => {
    fc.assert(
      fc.property(
        message,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 8 }),
        (init, flips, cut, tail) => {
          const bytes = Buffer.from(encodeStunMessage(init, { fingerprint: true }));
          for (const [at, mask] of flips) bytes[at % bytes.length]! ^= mask;
          const mutated = Buffer.concat([bytes.subarray(0, bytes.length - (cut % 24)), tail]);
          expect(typeof decodeStunMessage(mutated).ok).toBe('boolean');
        },
      ),
      { numRuns: 1000 },
    );
  });
});
