import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fullBucket, type UdpEndpoint } from '../../../core/index.js';
import {
  SourceRateLimiter,
  decodeStunMessage,
  encodeStunMessage,
  createStunResponder,
  tokensAt,
  type StunMessage,
} from '../../../stun-server/index.js';
import { isPlainBindingRequest, type ResponderConfig, type SlotIndex } from '../../../stun-server/responder.js';

const source: UdpEndpoint = { address: '198.51.100.7', port: 50000, family: 'IPv4' };
const grid: Record<string, UdpEndpoint> = {
  '00': { address: '192.0.2.1', port: 3478, family: 'IPv4' },
  '01': { address: '192.0.2.1', port: 3479, family: 'IPv4' },
  '10': { address: '192.0.2.2', port: 3478, family: 'IPv4' },
  '11': { address: '192.0.2.2', port: 3479, family: 'IPv4' },
};
const full: ResponderConfig = { software: 'test', slot: (ip, port) => grid[`${ip}${port}`], advertise: true };
const request = (attributes: Parameters<typeof encodeStunMessage>[0]['attributes'] = []): Buffer =>
  encodeStunMessage({ class: 'request', method: 1, transactionId: new Uint8Array(12).fill(1), attributes });

const respondTo = (datagram: Uint8Array, from: UdpEndpoint, on: SlotIndex, config: ResponderConfig) =>
  createStunResponder(config)(datagram, from, on);

function reply(outcome: ReturnType<typeof respondTo>): StunMessage {
  if (outcome.action !== 'reply') throw new Error(`dropped: ${outcome.reason}`);
  const decoded = decodeStunMessage(outcome.bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.value;
}

describe('respondTo', () => {
  it('answers CHANGE-REQUEST from the changed slot, with OTHER-ADDRESS the diagonal of the receiving slot', () => {
    const outcome = respondTo(request([{ name: 'CHANGE-REQUEST', changeIp: true, changePort: false }]), source, { ip: 0, port: 0 }, full);
    expect(outcome).toMatchObject({ action: 'reply', kind: 'success', via: { ip: 1, port: 0 }, to: { address: source.address, port: source.port } });
    expect(reply(outcome).attributes).toMatchObject([
      { name: 'XOR-MAPPED-ADDRESS', address: { address: source.address, port: source.port } },
      { name: 'RESPONSE-ORIGIN', address: grid['10'] },
      { name: 'OTHER-ADDRESS', address: grid['11'] },
      { name: 'SOFTWARE', value: 'test' },
      { name: 'FINGERPRINT' },
    ]);
  });

  it('sends to RESPONSE-PORT when asked (RFC 5780 §7.5)', () => {
    const outcome = respondTo(request([{ name: 'RESPONSE-PORT', port: 4000 }]), source, { ip: 0, port: 0 }, full);
    expect(outcome).toMatchObject({ action: 'reply', to: { address: source.address, port: 4000 } });
  });

  it('gives RFC 3489 clients MAPPED-ADDRESS, SOURCE-ADDRESS and CHANGED-ADDRESS, no FINGERPRINT', () => {
    const legacy = encodeStunMessage({ class: 'request', method: 1, cookie: 7, transactionId: new Uint8Array(12), attributes: [] });
    expect(reply(respondTo(legacy, source, { ip: 0, port: 0 }, full)).attributes.map((a) => a.name)).toEqual([
      'MAPPED-ADDRESS',
      'SOURCE-ADDRESS',
      'CHANGED-ADDRESS',
      'SOFTWARE',
    ]);
  });

  it('leaves RFC 5780 attributes out on a wildcard bind, and drops what is not a request', () => {
    const wildcard: ResponderConfig = { software: undefined, slot: (ip, port) => (ip === 0 && port === 0 ? grid['00'] : undefined), advertise: false };
    expect(reply(respondTo(request(), source, { ip: 0, port: 0 }, wildcard)).attributes.map((a) => a.name)).toEqual([
      'XOR-MAPPED-ADDRESS',
      'FINGERPRINT',
    ]);
    const indication = encodeStunMessage({ class: 'indication', method: 1, transactionId: new Uint8Array(12), attributes: [] });
    expect(respondTo(indication, source, { ip: 0, port: 0 }, full)).toEqual({ action: 'drop', reason: 'not-request' });
    expect(respondTo(Buffer.from('hello world, not stun'), source, { ip: 0, port: 0 }, full)).toEqual({
      action: 'drop',
      reason: 'not-stun',
    });
  });
});

describe('the success fast path', () => {
  it('writes the same bytes as the general encoder, for IPv4, IPv6 and RFC 3489 requests', () => {
    const sources: UdpEndpoint[] = [source, { address: '2001:db8::42', port: 1234, family: 'IPv6' }];
    for (const from of sources) {
      for (const cookie of [undefined, 0x01020304]) {
        const transactionId = new Uint8Array(12).map((_, i) => i * 17);
        const bytes = encodeStunMessage({ class: 'request', method: 1, transactionId, attributes: [], ...(cookie ? { cookie } : {}) });
        const outcome = respondTo(bytes, from, { ip: 0, port: 0 }, full);
        const modern = cookie === undefined;
        const mapped = { family: from.family, address: from.address, port: from.port };
        const expected = encodeStunMessage(
          {
            class: 'success',
            method: 1,
            transactionId,
            ...(cookie ? { cookie } : {}),
            attributes: [
              { name: modern ? 'XOR-MAPPED-ADDRESS' : 'MAPPED-ADDRESS', address: mapped },
              { name: modern ? 'RESPONSE-ORIGIN' : 'SOURCE-ADDRESS', address: grid['00']! },
              { name: modern ? 'OTHER-ADDRESS' : 'CHANGED-ADDRESS', address: grid['11']! },
              { name: 'SOFTWARE', value: 'test' },
            ],
          },
          { fingerprint: modern },
        );
        expect(outcome.action === 'reply' && outcome.bytes.toString('hex')).toBe(expected.toString('hex'));
      }
    }
  });
});

describe('rate limiting', () => {
  const options = { ratePerSecond: 10, burst: 2 };

  it('tokensAt: a full burst for a new source, refilled at the average rate, capped at the burst', () => {
    const rate = { perSecond: options.ratePerSecond, burst: options.burst };
    expect(tokensAt(fullBucket(rate, 0), rate, 0)).toBe(2);
    expect(tokensAt({ tokens: 0, refilledAtMs: 0 }, rate, 99)).toBeCloseTo(0.99);
    expect(tokensAt({ tokens: 0, refilledAtMs: 0 }, rate, 100)).toBe(1); // 10/s: one token per 100 ms
    expect(tokensAt({ tokens: 0.5, refilledAtMs: 0 }, rate, 60_000)).toBe(2);
    expect(tokensAt({ tokens: 1, refilledAtMs: 50 }, rate, 0)).toBe(1); // a clock that went back adds nothing
  });

  it('SourceRateLimiter: a burst, then the average rate', () => {
    const limiter = new SourceRateLimiter({ ...options, maxSources: 10 });
    expect([limiter.allow('a', 0), limiter.allow('a', 0), limiter.allow('a', 0)]).toEqual([true, true, false]);
    expect(limiter.allow('a', 99)).toBe(false);
    expect(limiter.allow('a', 199)).toBe(true);
    expect(limiter.allow('b', 199)).toBe(true); // another source has its own bucket
  });

  it('SourceRateLimiter keeps at most maxSources, forgetting the least recently seen', () => {
    const limiter = new SourceRateLimiter({ ...options, burst: 1, maxSources: 2 });
    expect(limiter.allow('a', 0)).toBe(true);
    expect(limiter.allow('a', 0)).toBe(false);
    expect(limiter.allow('b', 0)).toBe(true);
    expect(limiter.allow('c', 0)).toBe(true); // evicts a
    expect(limiter.size).toBe(2);
    expect(limiter.allow('a', 0)).toBe(true); // a starts over
  });
});

describe('isPlainBindingRequest (the allocation-free fast path)', () => {
  const optional = fc.oneof(
    fc.record({ name: fc.constant('SOFTWARE' as const), value: fc.string({ maxLength: 40 }) }),
    fc.record({
      name: fc.constant('UNKNOWN' as const),
      type: fc.constantFrom(0x8029, 0x802a, 0xc057, 0x0024, 0x0003, 0x802b),
      value: fc.uint8Array({ maxLength: 24 }),
    }),
  );

  it('accepts only what the full decoder would answer with a plain success', () => {
    fc.assert(
      fc.property(
        fc.array(optional, { maxLength: 4 }),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 2 }),
        (attributes, fingerprint, flips) => {
          const bytes = Buffer.from(
            encodeStunMessage({ class: 'request', method: 1, transactionId: new Uint8Array(12).fill(9), attributes }, { fingerprint }),
          );
          for (const [at, mask] of flips) bytes[at % bytes.length]! ^= mask;
          if (!isPlainBindingRequest(bytes)) return;
          const decoded = decodeStunMessage(bytes);
          expect(decoded.ok).toBe(true);
          if (!decoded.ok) return;
          expect(decoded.value).toMatchObject({ class: 'request', method: 1, hasMagicCookie: true });
          expect(decoded.value.attributes.every((a) => a.type >= 0x8000 && a.name !== 'OTHER-ADDRESS')).toBe(true);
          const outcome = respondTo(bytes, source, { ip: 0, port: 0 }, full);
          expect(reply(outcome).attributes[0]).toMatchObject({ name: 'XOR-MAPPED-ADDRESS', address: { address: source.address } });
        },
      ),
      { numRuns: 1000 },
    );
  });
});
