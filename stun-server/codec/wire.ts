/**
 * RFC 8489 / RFC 5780 wire numbers. Protocol facts, not tunables, so they live with the codec
 * rather than in stun-server/constants.ts.
 */

/** The fixed value in bytes 4..7 of every RFC 5389+ message (absent in RFC 3489 messages). */
export const MAGIC_COOKIE = 0x2112a442;
export const HEADER_LENGTH_BYTES = 20;
export const TRANSACTION_ID_BYTES = 12;
/** XORed into the CRC-32 of FINGERPRINT so it differs from other protocols' CRCs (RFC 8489 §14.7). */
export const FINGERPRINT_XOR = 0x5354554e;

export const StunClass = {
  request: 0b00,
  indication: 0b01,
  success: 0b10,
  error: 0b11,
} as const;
export type StunClassName = keyof typeof StunClass;

export const StunMethod = {
  binding: 0x001,
} as const;

/** Attribute type numbers. Below 0x8000: comprehension-required; from 0x8000: optional. */
export const AttributeType = {
  MAPPED_ADDRESS: 0x0001,
  /** RFC 5780 §7.2 (comprehension-required, so an RFC 8489-only server answers 420). */
  CHANGE_REQUEST: 0x0003,
  /** RFC 3489 §11.2.5: where the response was sent from (RESPONSE-ORIGIN's predecessor). */
  SOURCE_ADDRESS: 0x0004,
  /** RFC 3489 §11.2.3: the server's alternate address (OTHER-ADDRESS's predecessor). */
  CHANGED_ADDRESS: 0x0005,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  REALM: 0x0014,
  NONCE: 0x0015,
  MESSAGE_INTEGRITY_SHA256: 0x001c,
  XOR_MAPPED_ADDRESS: 0x0020,
  PADDING: 0x0026,
  RESPONSE_PORT: 0x0027,
  SOFTWARE: 0x8022,
  ALTERNATE_SERVER: 0x8023,
  FINGERPRINT: 0x8028,
  RESPONSE_ORIGIN: 0x802b,
  OTHER_ADDRESS: 0x802c,
} as const;

/** Error response codes this project sends or understands (RFC 8489 §14.8, RFC 5780 §7.1). */
export const StunErrorCode = {
  badRequest: 400,
  unauthenticated: 401,
  unknownAttribute: 420,
  serverError: 500,
} as const;

/** Limits on variable-length attributes (RFC 8489 §14.3, §14.8, §14.9, §14.10, §14.14). */
export const MAX_USERNAME_BYTES = 513;
/** "fewer than 128 characters (which can be as long as 763 bytes)". */
export const MAX_TEXT_BYTES = 763;

export const ADDRESS_FAMILY_IPV4 = 0x01;
export const ADDRESS_FAMILY_IPV6 = 0x02;
