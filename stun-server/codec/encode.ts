// STUN message encoding into one buffer, with optional MESSAGE-INTEGRITY and FINGERPRINT.
import { fingerprintOf, hmacOver } from './integrity.js';
import { ipToBytes } from './ip.js';
import type { StunAddress, StunAttributeInit, StunMessageInit } from './types.js';
import {
  ADDRESS_FAMILY_IPV4,
  ADDRESS_FAMILY_IPV6,
  AttributeType,
  HEADER_LENGTH_BYTES,
  MAGIC_COOKIE,
  MAX_TEXT_BYTES,
  MAX_USERNAME_BYTES,
  StunClass,
  TRANSACTION_ID_BYTES,
} from './wire.js';

export interface EncodeOptions {
  /** Adds MESSAGE-INTEGRITY (HMAC-SHA1) keyed with this (see shortTermKey / longTermKey). */
  integrityKey?: Uint8Array;
  /** Adds MESSAGE-INTEGRITY-SHA256 (full 32 bytes) keyed with this. */
  integritySha256Key?: Uint8Array;
  /** Adds FINGERPRINT as the last attribute. */
  fingerprint?: boolean;
}

const TYPE_OF: Record<Exclude<StunAttributeInit['name'], 'UNKNOWN'>, number> = {
  'MAPPED-ADDRESS': AttributeType.MAPPED_ADDRESS,
  'XOR-MAPPED-ADDRESS': AttributeType.XOR_MAPPED_ADDRESS,
  'RESPONSE-ORIGIN': AttributeType.RESPONSE_ORIGIN,
  'OTHER-ADDRESS': AttributeType.OTHER_ADDRESS,
  'ALTERNATE-SERVER': AttributeType.ALTERNATE_SERVER,
  'SOURCE-ADDRESS': AttributeType.SOURCE_ADDRESS,
  'CHANGED-ADDRESS': AttributeType.CHANGED_ADDRESS,
  SOFTWARE: AttributeType.SOFTWARE,
  USERNAME: AttributeType.USERNAME,
  REALM: AttributeType.REALM,
  NONCE: AttributeType.NONCE,
  'ERROR-CODE': AttributeType.ERROR_CODE,
  'UNKNOWN-ATTRIBUTES': AttributeType.UNKNOWN_ATTRIBUTES,
  'CHANGE-REQUEST': AttributeType.CHANGE_REQUEST,
  'RESPONSE-PORT': AttributeType.RESPONSE_PORT,
  PADDING: AttributeType.PADDING,
};

/** Bit layout of the 14-bit message type (RFC 8489 §5): method bits interleaved with C0, C1. */
export function messageType(stunClass: number, method: number): number {
  return (
    (method & 0x000f) |
    ((method & 0x0070) << 1) |
    ((method & 0x0f80) << 2) |
    ((stunClass & 0b01) << 4) |
    ((stunClass & 0b10) << 7)
  );
}

/**
 * Encodes a message into one freshly allocated buffer (sized first, written once, so the
 * server's hot path does no intermediate copies). Throws RangeError on a caller error (a
 * malformed address, an oversized text, a 12-byte id that is not 12 bytes): encoding input
 * is ours, not the network's.
 */
export function encodeStunMessage(message: StunMessageInit, options: EncodeOptions = {}): Buffer {
  if (message.transactionId.length !== TRANSACTION_ID_BYTES) {
    throw new RangeError(`transaction id must be ${TRANSACTION_ID_BYTES} bytes`);
  }
  const values = message.attributes.map((attribute) => attributeValue(attribute, message.transactionId));
  let size = HEADER_LENGTH_BYTES;
  for (const [, value] of values) size += 4 + ((value.length + 3) & ~3);
  if (options.integrityKey) size += 24;
  if (options.integritySha256Key) size += 36;
  if (options.fingerprint) size += 8;
  if (size - HEADER_LENGTH_BYTES > 0xffff) throw new RangeError('message exceeds 65535 bytes of attributes');

  const out = Buffer.alloc(size);
  out.writeUInt16BE(messageType(StunClass[message.class], message.method), 0);
  out.writeUInt32BE((message.cookie ?? MAGIC_COOKIE) >>> 0, 4);
  out.set(message.transactionId, 8);
  let offset = HEADER_LENGTH_BYTES;
  for (const [type, value] of values) {
    offset = writeAttribute(out, offset, type, value);
  }
  const seal = (type: number, algorithm: 'sha1' | 'sha256', key: Uint8Array, bytes: number): void => {
    const lengthField = offset + 4 + bytes - HEADER_LENGTH_BYTES;
    offset = writeAttribute(out, offset, type, hmacOver(algorithm, key, out, offset, lengthField));
  };
  if (options.integrityKey) seal(AttributeType.MESSAGE_INTEGRITY, 'sha1', options.integrityKey, 20);
  if (options.integritySha256Key) seal(AttributeType.MESSAGE_INTEGRITY_SHA256, 'sha256', options.integritySha256Key, 32);
  if (options.fingerprint) {
    out.writeUInt16BE(offset + 8 - HEADER_LENGTH_BYTES, 2);
    const crc = fingerprintOf(out.subarray(0, offset));
    out.writeUInt16BE(AttributeType.FINGERPRINT, offset);
    out.writeUInt16BE(4, offset + 2);
    out.writeUInt32BE(crc, offset + 4);
    offset += 8;
  }
  out.writeUInt16BE(offset - HEADER_LENGTH_BYTES, 2);
  return out;
}

function writeAttribute(out: Buffer, offset: number, type: number, value: Uint8Array): number {
  out.writeUInt16BE(type, offset);
  out.writeUInt16BE(value.length, offset + 2);
  out.set(value, offset + 4);
  return offset + 4 + ((value.length + 3) & ~3); // padding stays zero (Buffer.alloc)
}

function attributeValue(attribute: StunAttributeInit, transactionId: Uint8Array): [number, Uint8Array] {
  switch (attribute.name) {
    case 'UNKNOWN':
      return [attribute.type, attribute.value];
    case 'MAPPED-ADDRESS':
    case 'RESPONSE-ORIGIN':
    case 'OTHER-ADDRESS':
    case 'ALTERNATE-SERVER':
    case 'SOURCE-ADDRESS':
    case 'CHANGED-ADDRESS':
      return [TYPE_OF[attribute.name], encodeAddress(attribute.address, undefined)];
    case 'XOR-MAPPED-ADDRESS':
      return [TYPE_OF[attribute.name], encodeAddress(attribute.address, transactionId)];
    case 'SOFTWARE':
    case 'USERNAME':
    case 'REALM':
    case 'NONCE': {
      const value = Buffer.from(attribute.value, 'utf8');
      const limit = attribute.name === 'USERNAME' ? MAX_USERNAME_BYTES : MAX_TEXT_BYTES;
      if (value.length > limit) throw new RangeError(`${attribute.name} exceeds ${limit} bytes`);
      return [TYPE_OF[attribute.name], value];
    }
    case 'ERROR-CODE': {
      const { code } = attribute;
      if (!Number.isInteger(code) || code < 300 || code > 699) throw new RangeError(`error code ${code} out of range`);
      const reason = Buffer.from(attribute.reason, 'utf8');
      if (reason.length > MAX_TEXT_BYTES) throw new RangeError('ERROR-CODE reason too long');
      const value = Buffer.alloc(4 + reason.length);
      value[2] = Math.floor(code / 100);
      value[3] = code % 100;
      value.set(reason, 4);
      return [TYPE_OF[attribute.name], value];
    }
    case 'UNKNOWN-ATTRIBUTES': {
      const value = Buffer.alloc(2 * attribute.types.length);
      attribute.types.forEach((type, i) => value.writeUInt16BE(type, 2 * i));
      return [TYPE_OF[attribute.name], value];
    }
    case 'CHANGE-REQUEST':
      return [
        TYPE_OF[attribute.name],
        Uint8Array.of(0, 0, 0, (attribute.changeIp ? 0x04 : 0) | (attribute.changePort ? 0x02 : 0)),
      ];
    case 'RESPONSE-PORT':
      return [TYPE_OF[attribute.name], Uint8Array.of(attribute.port >> 8, attribute.port & 0xff, 0, 0)];
    case 'PADDING':
      return [TYPE_OF[attribute.name], new Uint8Array(attribute.length)];
  }
}

/** MAPPED-ADDRESS value layout; XORed with the magic cookie and `xorId` when given (§14.2). */
export function encodeAddress(address: StunAddress, xorId: Uint8Array | undefined): Uint8Array {
  const ip = ipToBytes(address.address);
  if (!ip || (ip.length === 4) !== (address.family === 'IPv4')) {
    throw new RangeError(`"${address.address}" is not an ${address.family} address`);
  }
  if (!Number.isInteger(address.port) || address.port < 0 || address.port > 0xffff) {
    throw new RangeError(`port ${address.port} out of range`);
  }
  const value = new Uint8Array(4 + ip.length);
  value[1] = ip.length === 4 ? ADDRESS_FAMILY_IPV4 : ADDRESS_FAMILY_IPV6;
  const port = xorId ? address.port ^ (MAGIC_COOKIE >>> 16) : address.port;
  value[2] = port >> 8;
  value[3] = port & 0xff;
  for (let i = 0; i < ip.length; i++) {
    const mask = !xorId ? 0 : i < 4 ? (MAGIC_COOKIE >>> (24 - 8 * i)) & 0xff : xorId[i - 4]!;
    value[4 + i] = ip[i]! ^ mask;
  }
  return value;
}
