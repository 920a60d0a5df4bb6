// The pure RFC 8489 / RFC 5780 codec: no I/O, never throws on received bytes.
export { decodeStunHeader, decodeStunMessage, looksLikeStun } from './decode.js';
export { encodeAddress, encodeStunMessage, messageType, type EncodeOptions } from './encode.js';
export {
  fingerprintOf,
  longTermKey,
  shortTermKey,
  verifyMessageIntegrity,
  type IntegrityFailure,
} from './integrity.js';
export { bytesToIp, ipToBytes, writeIpv4 } from './ip.js';
export { saslprep } from './saslprep.js';
export type {
  AddressAttributeName,
  StunAddress,
  StunAttribute,
  StunAttributeInit,
  StunDecodeError,
  StunDecodeErrorReason,
  StunHeader,
  StunMessage,
  StunMessageInit,
  StunSealAttribute,
  TextAttributeName,
} from './types.js';
export {
  AttributeType,
  HEADER_LENGTH_BYTES,
  MAGIC_COOKIE,
  MAX_TEXT_BYTES,
  StunClass,
  StunErrorCode,
  StunMethod,
  TRANSACTION_ID_BYTES,
  type StunClassName,
} from './wire.js';
