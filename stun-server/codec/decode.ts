// STUN message decoding: never throws on received bytes, returns a typed error instead.
import { err, ok, type Result } from '../../core/index.js';
import { fingerprintOf } from './integrity.js';
import { bytesToIp } from './ip.js';
import type {
  AddressAttributeName,
  StunAddress,
  StunAttribute,
  StunAttributeInit,
  StunDecodeError,
  StunDecodeErrorReason,
  StunHeader,
  StunMessage,
  StunSealAttribute,
  TextAttributeName,
} from './types.js';
import {
  ADDRESS_FAMILY_IPV4,
  ADDRESS_FAMILY_IPV6,
  AttributeType,
  HEADER_LENGTH_BYTES,
  MAGIC_COOKIE,
  MAX_TEXT_BYTES,
  MAX_USERNAME_BYTES,
  type StunClassName,
} from './wire.js';

const CLASS_NAMES: readonly StunClassName[] = ['request', 'indication', 'success', 'error'];

const ADDRESS_NAMES: ReadonlyMap<number, AddressAttributeName> = new Map([
  [AttributeType.MAPPED_ADDRESS, 'MAPPED-ADDRESS'],
  [AttributeType.XOR_MAPPED_ADDRESS, 'XOR-MAPPED-ADDRESS'],
  [AttributeType.RESPONSE_ORIGIN, 'RESPONSE-ORIGIN'],
  [AttributeType.OTHER_ADDRESS, 'OTHER-ADDRESS'],
  [AttributeType.ALTERNATE_SERVER, 'ALTERNATE-SERVER'],
  [AttributeType.SOURCE_ADDRESS, 'SOURCE-ADDRESS'],
  [AttributeType.CHANGED_ADDRESS, 'CHANGED-ADDRESS'],
]);

const TEXT_LIMITS: ReadonlyMap<number, [TextAttributeName, number]> = new Map([
  [AttributeType.SOFTWARE, ['SOFTWARE', MAX_TEXT_BYTES]],
  [AttributeType.USERNAME, ['USERNAME', MAX_USERNAME_BYTES]],
  [AttributeType.REALM, ['REALM', MAX_TEXT_BYTES]],
  [AttributeType.NONCE, ['NONCE', MAX_TEXT_BYTES]],
]);

const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const u32 = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

/**
 * True when a datagram can only be STUN (RFC 8489 §5, RFC 7983): first two bits 00, the magic
 * cookie, a length that is a multiple of 4 and matches the datagram. Cheap enough to run on
 * every packet of a socket that multiplexes STUN with other traffic.
 */
export function looksLikeStun(bytes: Uint8Array): boolean {
  return (
    bytes.length >= HEADER_LENGTH_BYTES &&
    (bytes[0]! & 0xc0) === 0 &&
    u32(bytes, 4) === MAGIC_COOKIE &&
    (bytes[3]! & 0x03) === 0 &&
    u16(bytes, 2) + HEADER_LENGTH_BYTES === bytes.length
  );
}

/** Reads only the 20-byte header (first two bits must be 00). */
export function decodeStunHeader(bytes: Uint8Array): Result<StunHeader, StunDecodeError> {
  const header = readHeader(bytes);
  if (header) return ok(header);
  return failure(
    'not-stun',
    bytes.length < HEADER_LENGTH_BYTES ? `${bytes.length} bytes is shorter than a header` : 'the first two bits are not 00',
  );
}

function readHeader(bytes: Uint8Array): StunHeader | undefined {
  if (bytes.length < HEADER_LENGTH_BYTES || (bytes[0]! & 0xc0) !== 0) return undefined;
  const type = u16(bytes, 0);
  return {
    class: CLASS_NAMES[((type & 0x0010) >> 4) | ((type & 0x0100) >> 7)]!,
    method: (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2),
    cookie: u32(bytes, 4),
    transactionId: bytes.subarray(8, HEADER_LENGTH_BYTES),
  };
}

/**
 * Decodes one STUN message (a whole UDP datagram). Never throws: hostile bytes give a typed
 * error. FINGERPRINT, when present, is verified over the received bytes; MESSAGE-INTEGRITY
 * needs a key, so callers check it with `verifyMessageIntegrity`. Attributes after
 * MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are ignored
 * (RFC 8489 §14.5). The message and its attributes view `bytes`; do not reuse the buffer.
 */
export function decodeStunMessage(bytes: Uint8Array): Result<StunMessage, StunDecodeError> {
  const header = readHeader(bytes);
  if (!header) return decodeStunHeader(bytes) as Result<never, StunDecodeError>;
  const length = u16(bytes, 2);
  if (length % 4 !== 0 || length + HEADER_LENGTH_BYTES !== bytes.length) {
    return failure('bad-length', `length field ${length} does not fit a ${bytes.length}-byte datagram`, header);
  }
  const attributes: StunAttribute[] = [];
  let afterIntegrity = false;
  let afterIntegritySha256 = false;
  let fingerprint: (StunAttribute & { name: 'FINGERPRINT' }) | undefined;
  for (let offset = HEADER_LENGTH_BYTES; offset < bytes.length; ) {
    const type = u16(bytes, offset);
    const valueLength = u16(bytes, offset + 2);
    const valueStart = offset + 4;
    const next = valueStart + ((valueLength + 3) & ~3);
    if (next > bytes.length) {
      return failure('bad-attribute', `attribute 0x${hex(type)} (${valueLength} bytes) overruns the message`, header);
    }
    if (fingerprint) return failure('bad-fingerprint', 'FINGERPRINT is not the last attribute', header);
    const ignored =
      (afterIntegrity && type !== AttributeType.MESSAGE_INTEGRITY_SHA256 && type !== AttributeType.FINGERPRINT) ||
      (afterIntegritySha256 && type !== AttributeType.FINGERPRINT);
    if (!ignored) {
      const fields = decodeAttribute(type, bytes, valueStart, valueLength, header.transactionId);
      if (!fields) return failure('bad-attribute', `attribute 0x${hex(type)} has a malformed value`, header);
      const attribute = Object.assign(fields, { type, offset }) as StunAttribute;
      attributes.push(attribute);
      if (type === AttributeType.MESSAGE_INTEGRITY) afterIntegrity = true;
      if (type === AttributeType.MESSAGE_INTEGRITY_SHA256) afterIntegritySha256 = true;
      if (attribute.name === 'FINGERPRINT') fingerprint = attribute;
    }
    offset = next;
  }
  if (fingerprint && fingerprintOf(bytes.subarray(0, fingerprint.offset)) !== fingerprint.crc) {
    return failure('bad-fingerprint', 'FINGERPRINT does not match the message', header);
  }
  return ok({
    class: header.class,
    method: header.method,
    cookie: header.cookie,
    transactionId: header.transactionId,
    hasMagicCookie: header.cookie === MAGIC_COOKIE,
    attributes,
    raw: bytes,
  });
}

function decodeAttribute(
  type: number,
  b: Uint8Array,
  start: number,
  length: number,
  transactionId: Uint8Array,
): StunAttributeInit | StunSealAttribute | undefined {
  const addressName = ADDRESS_NAMES.get(type);
  if (addressName) {
    const address = decodeAddress(b, start, length, type === AttributeType.XOR_MAPPED_ADDRESS ? transactionId : undefined);
    return address && { name: addressName, address };
  }
  const text = TEXT_LIMITS.get(type);
  if (text) {
    if (length > text[1]) return undefined;
    return { name: text[0], value: utf8(b, start, length) };
  }
  switch (type) {
    case AttributeType.ERROR_CODE: {
      const errorClass = b[start + 2]! & 0x07;
      const number = b[start + 3]!;
      if (length < 4 || length - 4 > MAX_TEXT_BYTES || errorClass < 3 || errorClass > 6 || number > 99) return undefined;
      return { name: 'ERROR-CODE', code: errorClass * 100 + number, reason: utf8(b, start + 4, length - 4) };
    }
    case AttributeType.UNKNOWN_ATTRIBUTES: {
      if (length % 2 !== 0) return undefined;
      const types: number[] = [];
      for (let i = 0; i < length; i += 2) types.push(u16(b, start + i));
      return { name: 'UNKNOWN-ATTRIBUTES', types };
    }
    case AttributeType.CHANGE_REQUEST: {
      if (length !== 4) return undefined;
      const flags = b[start + 3]!;
      return { name: 'CHANGE-REQUEST', changeIp: (flags & 0x04) !== 0, changePort: (flags & 0x02) !== 0 };
    }
    case AttributeType.RESPONSE_PORT:
      return length === 4 ? { name: 'RESPONSE-PORT', port: u16(b, start) } : undefined;
    case AttributeType.PADDING:
      return { name: 'PADDING', length };
    case AttributeType.MESSAGE_INTEGRITY:
      return length === 20 ? { name: 'MESSAGE-INTEGRITY', hmac: b.subarray(start, start + length) } : undefined;
    case AttributeType.MESSAGE_INTEGRITY_SHA256:
      return length >= 16 && length <= 32 && length % 4 === 0
        ? { name: 'MESSAGE-INTEGRITY-SHA256', hmac: b.subarray(start, start + length) }
        : undefined;
    case AttributeType.FINGERPRINT:
      return length === 4 ? { name: 'FINGERPRINT', crc: u32(b, start) } : undefined;
    default:
      return { name: 'UNKNOWN', type, value: b.subarray(start, start + length) };
  }
}

/** MAPPED-ADDRESS layout (RFC 8489 §14.1); XORed with the cookie and id when `xorId` is given. */
function decodeAddress(b: Uint8Array, start: number, length: number, xorId: Uint8Array | undefined): StunAddress | undefined {
  const family = b[start + 1];
  const size = family === ADDRESS_FAMILY_IPV4 ? 4 : family === ADDRESS_FAMILY_IPV6 ? 16 : 0;
  if (size === 0 || length !== 4 + size) return undefined;
  let port = u16(b, start + 2);
  if (!xorId) {
    return { family: size === 4 ? 'IPv4' : 'IPv6', address: bytesToIp(b, start + 4, size), port };
  }
  port ^= MAGIC_COOKIE >>> 16;
  const ip = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const mask = i < 4 ? (MAGIC_COOKIE >>> (24 - 8 * i)) & 0xff : xorId[i - 4]!;
    ip[i] = b[start + 4 + i]! ^ mask;
  }
  return { family: size === 4 ? 'IPv4' : 'IPv6', address: bytesToIp(ip, 0, size), port };
}

function utf8(b: Uint8Array, start: number, length: number): string {
  return Buffer.from(b.buffer, b.byteOffset + start, length).toString('utf8');
}

function hex(type: number): string {
  return type.toString(16).padStart(4, '0');
}

function failure(reason: StunDecodeErrorReason, message: string, header?: StunHeader): Result<never, StunDecodeError> {
  return err(header ? { reason, message, header } : { reason, message });
}
