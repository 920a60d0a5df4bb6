// Standard Webhooks signing with node:crypto, checked against the independent `standardwebhooks`
// package: one secret, several (rotation), GET's empty body, and the secret format.
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, isWebhookSecret, parseWebhookSecret, signatureHeaders } from '../../../../src/egress/signing.js';

const random = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 37 + 11) & 0xff);
const body = new TextEncoder().encode('{"UserId":"ünïcode","n":1}');
const now = () => Math.floor(Date.now() / 1000);

describe('Standard Webhooks signing', () => {
  it('is verified by the standardwebhooks package', () => {
    const secret = generateWebhookSecret(random);
    const headers = signatureHeaders('evt_1', now(), body, [parseWebhookSecret(secret)!]);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(Buffer.from(body), headers)).toEqual({ UserId: 'ünïcode', n: 1 });
    expect(() => new Webhook(secret).verify(Buffer.from('{"n":2}'), headers)).toThrow();
    expect(() => new Webhook(secret).verify(Buffer.from(body), { ...headers, 'webhook-id': 'evt_2' })).toThrow();
  });

  it('signs with every secret during a rotation, each entry verifying with its own secret', () => {
    const old = generateWebhookSecret(random);
    const next = generateWebhookSecret((size) => random(size).map((b) => b ^ 0x5a));
    const headers = signatureHeaders('evt_9', now(), body, [parseWebhookSecret(next)!, parseWebhookSecret(old)!]);
    const entries = headers['webhook-signature']!.split(' ');
    expect(entries).toHaveLength(2);
    for (const [i, secret] of [next, old].entries()) {
      expect(() => new Webhook(secret).verify(Buffer.from(body), { ...headers, 'webhook-signature': entries[i]! })).not.toThrow();
      expect(() => new Webhook(secret).verify(Buffer.from(body), { ...headers, 'webhook-signature': entries[1 - i]! })).toThrow();
      expect(() => new Webhook(secret).verify(Buffer.from(body), headers)).not.toThrow();
    }
  });

  it('signs the empty body of a GET', () => {
    const secret = generateWebhookSecret(random);
    const headers = signatureHeaders('evt_get', now(), new Uint8Array(0), [parseWebhookSecret(secret)!]);
    expect(() => new Webhook(secret).verify('', headers, { jsonParse: false })).not.toThrow();
  });
});

describe('whsec_ secrets', () => {
  it('are whsec_ and the base64 of 32 random bytes', () => {
    const secret = generateWebhookSecret(random);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(parseWebhookSecret(secret)).toEqual(random(32));
    expect(isWebhookSecret(secret)).toBe(true);
  });

  it('refuses a missing prefix, bad base64, too short or too long keys', () => {
    for (const bad of [Buffer.alloc(32).toString('base64'), 'whsec_!!!!', 'whsec_abc', `whsec_${Buffer.alloc(8).toString('base64')}`, `whsec_${Buffer.alloc(65).toString('base64')}`, 'whsec_']) {
      expect(parseWebhookSecret(bad), bad).toBeUndefined();
      expect(isWebhookSecret(bad)).toBe(false);
    }
    expect(isWebhookSecret(42)).toBe(false);
  });
});
