// The STUN server's answer to each datagram, as a pure function: a response or a drop reason.
import type { UdpEndpoint } from '../core/index.js';
import {
  AttributeType,
  decodeStunMessage,
  encodeAddress,
  encodeStunMessage,
  fingerprintOf,
  HEADER_LENGTH_BYTES,
  MAGIC_COOKIE,
  MAX_TEXT_BYTES,
  messageType,
  StunClass,
  StunErrorCode,
  StunMethod,
  writeIpv4,
  type StunAttributeInit,
  type StunHeader,
} from './codec/index.js';

/** Why a datagram got no answer. Every received datagram is answered or counted under one of these. */
export type StunDropReason =
  /** Too short for a header, or the first two bits are not 00. */
  | 'not-stun'
  /** Looked like STUN but could not be decoded, and was not an RFC 5389+ request we could answer with 400. */
  | 'malformed'
  /** FINGERPRINT did not match: RFC 8489 §7.3 says to treat the datagram as not STUN. */
  | 'bad-fingerprint'
  /** A response or an indication: nothing to answer. */
  | 'not-request'
  /** The source IP exceeded its request rate. */
  | 'rate-limited';

export const STUN_DROP_REASONS: readonly StunDropReason[] = [
  'not-stun',
  'malformed',
  'bad-fingerprint',
  'not-request',
  'rate-limited',
];

/** Which of the server's (up to) two addresses and two ports a socket holds: 0 primary, 1 alternate. */
export interface SlotIndex {
  ip: 0 | 1;
  port: 0 | 1;
}

export interface ResponderConfig {
  /** SOFTWARE text for every response; undefined leaves it out. */
  software: string | undefined;
  /** The bound endpoint of slot (ip, port) in this address family, if the server has it. */
  slot(ip: 0 | 1, port: 0 | 1): UdpEndpoint | undefined;
  /**
   * Whether the bound addresses are specific (not a wildcard) and so can be advertised in
   * RESPONSE-ORIGIN / OTHER-ADDRESS (RFC 5780) and their RFC 3489 counterparts.
   */
  advertise: boolean;
}

export type StunOutcome =
  | { action: 'drop'; reason: StunDropReason }
  | {
      action: 'reply';
      kind: 'success' | 'error';
      bytes: Buffer;
      /** The slot whose socket sends the reply (another one after a CHANGE-REQUEST). */
      via: SlotIndex;
      to: { address: string; port: number };
    };

export type StunResponder = (datagram: Uint8Array, source: UdpEndpoint, on: SlotIndex) => StunOutcome;

/**
 * What to do with each datagram received on slot `on` from `source`: a pure function of its
 * inputs (it only caches the attributes every response from a slot repeats), so every RFC 8489
 * / RFC 5780 / RFC 3489 rule is unit-testable without sockets. Rate limiting happens before
 * this (it needs state).
 */
export function createStunResponder(config: ResponderConfig): StunResponder {
  const fixedTails = new Map<string, Uint8Array>();
  /** SOFTWARE and the RFC 5780 (or RFC 3489) server addresses, encoded once per (slots, dialect). */
  const fixedTail = (on: SlotIndex, via: SlotIndex, modern: boolean): Uint8Array => {
    const key = `${on.ip}${on.port}${via.ip}${via.port}${modern ? 1 : 0}`;
    let tail = fixedTails.get(key);
    if (!tail) {
      const attributes: StunAttributeInit[] = [];
      const other = config.advertise ? otherSlot(on, config) : undefined;
      if (other) {
        const sender = config.slot(via.ip, via.port)!;
        attributes.push(
          { name: modern ? 'RESPONSE-ORIGIN' : 'SOURCE-ADDRESS', address: sender },
          { name: modern ? 'OTHER-ADDRESS' : 'CHANGED-ADDRESS', address: other },
        );
      }
      if (config.software !== undefined) attributes.push({ name: 'SOFTWARE', value: config.software });
      tail = encodeStunMessage({ class: 'success', method: 0, transactionId: new Uint8Array(12), attributes }).subarray(
        HEADER_LENGTH_BYTES,
      );
      fixedTails.set(key, tail);
    }
    return tail;
  };

  return (datagram, source, on) => {
    if (isPlainBindingRequest(datagram)) {
      // The common case, answered without building a decoded message.
      return {
        action: 'reply',
        kind: 'success',
        bytes: encodeBindingSuccess(datagram, true, source, fixedTail(on, on, true)),
        via: on,
        to: { address: source.address, port: source.port },
      };
    }
    if (datagram.length < HEADER_LENGTH_BYTES || (datagram[0]! & 0xc0) !== 0) return { action: 'drop', reason: 'not-stun' };
    const decoded = decodeStunMessage(datagram);
    if (!decoded.ok) {
      const { reason, header } = decoded.error;
      if (reason === 'bad-fingerprint') return { action: 'drop', reason };
      // Only an RFC 5389+ request earns a 400: with the magic cookie it is surely STUN, and it
      // keeps random 00-prefixed garbage from drawing answers.
      if (header?.class === 'request' && header.cookie === MAGIC_COOKIE) {
        return errorReply(header, StunErrorCode.badRequest, 'Bad Request', [], source, on, config);
      }
      return { action: 'drop', reason: reason === 'not-stun' ? 'not-stun' : 'malformed' };
    }
    const message = decoded.value;
    if (message.class !== 'request') return { action: 'drop', reason: 'not-request' };
    if (message.method !== StunMethod.binding) {
      if (!message.hasMagicCookie) return { action: 'drop', reason: 'malformed' };
      return errorReply(message, StunErrorCode.badRequest, 'Unsupported method', [], source, on, config);
    }

    // RFC 8489 §6.3.1: unknown comprehension-required attributes get 420 listing them.
    const unknown: number[] = [];
    let change: { changeIp: boolean; changePort: boolean } | undefined;
    let responsePort: number | undefined;
    for (const attribute of message.attributes) {
      if (attribute.name === 'UNKNOWN' && attribute.type < 0x8000) unknown.push(attribute.type);
      else if (attribute.name === 'CHANGE-REQUEST') change = attribute;
      else if (attribute.name === 'RESPONSE-PORT') responsePort = attribute.port;
    }
    // RFC 5780 §6.1: a change the server cannot make (no alternate address/port) is a
    // CHANGE-REQUEST it does not understand, so a client learns the server lacks that test.
    const via: SlotIndex = change
      ? { ip: (change.changeIp ? 1 - on.ip : on.ip) as 0 | 1, port: (change.changePort ? 1 - on.port : on.port) as 0 | 1 }
      : on;
    if (!config.slot(via.ip, via.port)) unknown.push(AttributeType.CHANGE_REQUEST);
    if (unknown.length > 0) {
      return errorReply(message, StunErrorCode.unknownAttribute, 'Unknown Attribute', unknown, source, on, config);
    }
    if (responsePort === 0) return errorReply(message, StunErrorCode.badRequest, 'Bad RESPONSE-PORT', [], source, on, config);
    return {
      action: 'reply',
      kind: 'success',
      bytes: encodeBindingSuccess(message.raw, message.hasMagicCookie, source, fixedTail(on, via, message.hasMagicCookie)),
      via,
      to: { address: source.address, port: responsePort ?? source.port },
    };
  };
}

/**
 * The Binding success response, written straight into one buffer: header, the mapped address
 * (XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS for an RFC 3489 request, which also gets no
 * FINGERPRINT), the pre-encoded fixed attributes, FINGERPRINT. The hot path of the server.
 */
function encodeBindingSuccess(request: Uint8Array, modern: boolean, mapped: UdpEndpoint, fixed: Uint8Array): Buffer {
  const ipBytes = mapped.family === 'IPv4' ? 4 : 16;
  const addressEnd = HEADER_LENGTH_BYTES + 8 + ipBytes;
  const size = addressEnd + fixed.length + (modern ? 8 : 0);
  const out = Buffer.allocUnsafe(size);
  out.writeUInt16BE(messageType(StunClass.success, StunMethod.binding), 0);
  out.writeUInt16BE(size - HEADER_LENGTH_BYTES, 2);
  out.set(request.subarray(4, HEADER_LENGTH_BYTES), 4); // cookie (or RFC 3489 id word) and transaction id
  out.writeUInt16BE(modern ? AttributeType.XOR_MAPPED_ADDRESS : AttributeType.MAPPED_ADDRESS, HEADER_LENGTH_BYTES);
  out.writeUInt16BE(4 + ipBytes, HEADER_LENGTH_BYTES + 2);
  if (ipBytes === 4 && writeIpv4(mapped.address, out, HEADER_LENGTH_BYTES + 8)) {
    out.writeUInt16BE(0x0001, HEADER_LENGTH_BYTES + 4);
    out.writeUInt16BE(modern ? mapped.port ^ (MAGIC_COOKIE >>> 16) : mapped.port, HEADER_LENGTH_BYTES + 6);
    if (modern) out.writeUInt32BE((out.readUInt32BE(HEADER_LENGTH_BYTES + 8) ^ MAGIC_COOKIE) >>> 0, HEADER_LENGTH_BYTES + 8);
  } else {
    out.set(encodeAddress(mapped, modern ? request.subarray(8, HEADER_LENGTH_BYTES) : undefined), HEADER_LENGTH_BYTES + 4);
  }
  out.set(fixed, addressEnd);
  if (modern) {
    const end = addressEnd + fixed.length;
    out.writeUInt32BE(0x80280004, end); // FINGERPRINT header: type 0x8028, length 4
    out.writeUInt32BE(fingerprintOf(out.subarray(0, end)), end + 4);
  }
  return out;
}

/** Optional attributes the full decoder validates (addresses); their presence takes the full path. */
const VALIDATED_OPTIONAL = new Set<number>([
  AttributeType.ALTERNATE_SERVER,
  AttributeType.RESPONSE_ORIGIN,
  AttributeType.OTHER_ADDRESS,
]);

/**
 * True for an RFC 5389+ Binding request whose only attributes are optional ones that change
 * nothing in the answer (SOFTWARE, ICE's, ...) and a correct FINGERPRINT, if any: what nearly
 * every client sends. Reads the bytes in place and allocates nothing (bar the CRC's view).
 * Anything else returns false and takes the full decoder, which judges it.
 */
export function isPlainBindingRequest(b: Uint8Array): boolean {
  if (b.length < HEADER_LENGTH_BYTES || b[0] !== 0x00 || b[1] !== 0x01) return false;
  if (((b[2]! << 8) | b[3]!) + HEADER_LENGTH_BYTES !== b.length || (b.length & 3) !== 0) return false;
  if (((b[4]! << 24) | (b[5]! << 16) | (b[6]! << 8) | b[7]!) >>> 0 !== MAGIC_COOKIE) return false;
  for (let offset = HEADER_LENGTH_BYTES; offset < b.length; ) {
    const type = (b[offset]! << 8) | b[offset + 1]!;
    const length = (b[offset + 2]! << 8) | b[offset + 3]!;
    const next = offset + 4 + ((length + 3) & ~3);
    if (next > b.length) return false;
    if (type === AttributeType.FINGERPRINT) {
      const crc = ((b[offset + 4]! << 24) | (b[offset + 5]! << 16) | (b[offset + 6]! << 8) | b[offset + 7]!) >>> 0;
      return length === 4 && next === b.length && fingerprintOf(b.subarray(0, offset)) === crc;
    }
    if (type < 0x8000 || VALIDATED_OPTIONAL.has(type) || (type === AttributeType.SOFTWARE && length > MAX_TEXT_BYTES)) {
      return false;
    }
    offset = next;
  }
  return true;
}

/** RFC 5780 §7.4 OTHER-ADDRESS: the slot differing in both address and port, else in whichever the server has. */
function otherSlot(on: SlotIndex, config: ResponderConfig): UdpEndpoint | undefined {
  const flip = (bit: 0 | 1): 0 | 1 => (1 - bit) as 0 | 1;
  return config.slot(flip(on.ip), flip(on.port)) ?? config.slot(on.ip, flip(on.port)) ?? config.slot(flip(on.ip), on.port);
}

function errorReply(
  request: StunHeader,
  code: number,
  reason: string,
  unknown: number[],
  source: UdpEndpoint,
  on: SlotIndex,
  config: ResponderConfig,
): StunOutcome {
  const attributes: StunAttributeInit[] = [{ name: 'ERROR-CODE', code, reason }];
  if (unknown.length > 0) attributes.push({ name: 'UNKNOWN-ATTRIBUTES', types: unknown });
  if (config.software !== undefined) attributes.push({ name: 'SOFTWARE', value: config.software });
  const modern = request.cookie === MAGIC_COOKIE;
  return {
    action: 'reply',
    kind: 'error',
    bytes: encodeStunMessage(
      { class: 'error', method: request.method, cookie: request.cookie, transactionId: request.transactionId, attributes },
      { fingerprint: modern },
    ),
    via: on,
    to: { address: source.address, port: source.port },
  };
}
