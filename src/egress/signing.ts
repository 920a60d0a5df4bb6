// Standard Webhooks signing (webhook-id, webhook-timestamp, webhook-signature) with node:crypto,
// and `whsec_` secrets: make, parse, check. docs/egress.md, "Signing".
import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import type { RandomBytes } from '../../core/index.js';
import { MAX_WEBHOOK_SECRET_BYTES, MIN_WEBHOOK_SECRET_BYTES, WEBHOOK_SECRET_BYTES } from './constants.js';

const PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A new secret: `whsec_` and the base64 of 32 random bytes. */
export function generateWebhookSecret(random: RandomBytes): string {
  return `${PREFIX}${Buffer.from(random(WEBHOOK_SECRET_BYTES)).toString('base64')}`;
}

/** The HMAC key of a `whsec_<base64>` secret, or undefined when it is not one (or too short). */
export function parseWebhookSecret(secret: string): Uint8Array | undefined {
  if (!secret.startsWith(PREFIX)) return undefined;
  const encoded = secret.slice(PREFIX.length);
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_WEBHOOK_SECRET_BYTES || key.length > MAX_WEBHOOK_SECRET_BYTES) return undefined;
  return new Uint8Array(key);
}

/** Whether `value` is a usable signing secret (for config validators). */
export function isWebhookSecret(value: unknown): value is string {
  return typeof value === 'string' && parseWebhookSecret(value) !== undefined;
}

/** One `v1,<base64 HMAC-SHA256(key, id.timestamp.body)>` entry. */
export function webhookSignature(key: Uint8Array, id: string, timestampS: number, body: Uint8Array): string {
  const hmac = createHmac('sha256', key);
  hmac.update(`${id}.${timestampS}.`);
  hmac.update(body);
  return `v1,${hmac.digest('base64')}`;
}

/**
 * The three signing headers. Every key signs (space-separated entries), so a receiver holding
 * either the old or the new secret verifies during a rotation. A GET signs the empty body.
 */
export function signatureHeaders(id: string, timestampS: number, body: Uint8Array, keys: readonly Uint8Array[]): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampS),
    'webhook-signature': keys.map((key) => webhookSignature(key, id, timestampS, body)).join(' '),
  };
}
