// STUN credential keys, FINGERPRINT and MESSAGE-INTEGRITY computation and checking.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { err, ok, type Result } from '../../core/index.js';
import { saslprep } from './saslprep.js';
import type { StunMessage } from './types.js';
import { AttributeType, FINGERPRINT_XOR, HEADER_LENGTH_BYTES } from './wire.js';

/** Short-term credential key (RFC 8489 §9.1.1): the password after SASLprep, as UTF-8. */
export function shortTermKey(password: string): Result<Uint8Array, string> {
  const prepared = saslprep(password);
  return prepared.ok ? ok(Buffer.from(prepared.value, 'utf8')) : prepared;
}

/**
 * Long-term credential key for MESSAGE-INTEGRITY (RFC 5389 §15.4, RFC 5769 §2.4):
 * MD5(username ":" realm ":" SASLprep(password)).
 */
export function longTermKey(username: string, realm: string, password: string): Result<Uint8Array, string> {
  const prepared = saslprep(password);
  if (!prepared.ok) return prepared;
  return ok(createHash('md5').update(`${username}:${realm}:${prepared.value}`, 'utf8').digest());
}

/** CRC-32 of `bytes` XOR 0x5354554e, as FINGERPRINT carries it. */
export function fingerprintOf(bytes: Uint8Array): number {
  return (crc32(bytes) ^ FINGERPRINT_XOR) >>> 0;
}

/**
 * HMAC over `message[0, end)` with the header's length field replaced by `lengthField`
 * (RFC 8489 §14.5: the length counts up to the end of the integrity attribute itself).
 */
export function hmacOver(
  algorithm: 'sha1' | 'sha256',
  key: Uint8Array,
  message: Uint8Array,
  end: number,
  lengthField: number,
): Buffer {
  const header = Buffer.from(message.subarray(0, HEADER_LENGTH_BYTES));
  header.writeUInt16BE(lengthField, 2);
  return createHmac(algorithm, key).update(header).update(message.subarray(HEADER_LENGTH_BYTES, end)).digest();
}

export type IntegrityFailure = 'missing' | 'mismatch';

/**
 * Checks MESSAGE-INTEGRITY-SHA256 when present, else MESSAGE-INTEGRITY, over the received
 * bytes (never a re-encoding, which would hide any difference in what was actually sent).
 */
export function verifyMessageIntegrity(message: StunMessage, key: Uint8Array): Result<true, IntegrityFailure> {
  const sha256 = message.attributes.find((a) => a.type === AttributeType.MESSAGE_INTEGRITY_SHA256);
  const sha1 = message.attributes.find((a) => a.type === AttributeType.MESSAGE_INTEGRITY);
  const attribute = sha256 ?? sha1;
  if (!attribute || !('hmac' in attribute)) return err('missing');
  const received = attribute.hmac;
  const end = attribute.offset;
  const lengthField = end + 4 + received.length - HEADER_LENGTH_BYTES;
  const expected = hmacOver(sha256 ? 'sha256' : 'sha1', key, message.raw, end, lengthField).subarray(
    0,
    received.length,
  );
  return timingSafeEqual(expected, received) ? ok(true) : err('mismatch');
}
