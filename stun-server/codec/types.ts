// The types of STUN messages, attributes and decode errors that the codec reads and writes.
import type { StunClassName } from './wire.js';

/** A transport address as STUN carries it. `family` follows Node's naming. */
export interface StunAddress {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
}

export type AddressAttributeName =
  | 'MAPPED-ADDRESS'
  | 'XOR-MAPPED-ADDRESS'
  | 'RESPONSE-ORIGIN'
  | 'OTHER-ADDRESS'
  | 'ALTERNATE-SERVER'
  | 'SOURCE-ADDRESS'
  | 'CHANGED-ADDRESS';

export type TextAttributeName = 'SOFTWARE' | 'USERNAME' | 'REALM' | 'NONCE';

/** An attribute a caller can ask the encoder to write. */
export type StunAttributeInit =
  | { name: AddressAttributeName; address: StunAddress }
  | { name: TextAttributeName; value: string }
  | { name: 'ERROR-CODE'; code: number; reason: string }
  | { name: 'UNKNOWN-ATTRIBUTES'; types: readonly number[] }
  | { name: 'CHANGE-REQUEST'; changeIp: boolean; changePort: boolean }
  | { name: 'RESPONSE-PORT'; port: number }
  /** `length` zero bytes; RFC 5780 §7.6 uses it to probe fragmentation. */
  | { name: 'PADDING'; length: number }
  /** Any attribute this codec has no type for, written verbatim. */
  | { name: 'UNKNOWN'; type: number; value: Uint8Array };

/** Attributes only the encoder computes (from `EncodeOptions`), seen when decoding. */
export type StunSealAttribute =
  | { name: 'MESSAGE-INTEGRITY' | 'MESSAGE-INTEGRITY-SHA256'; hmac: Uint8Array }
  | { name: 'FINGERPRINT'; crc: number };

/** A decoded attribute: its fields, its type number, and where it starts in the received bytes. */
export type StunAttribute = (StunAttributeInit | StunSealAttribute) & {
  /** The attribute type as received. */
  readonly type: number;
  /** Offset of the attribute header in `StunMessage.raw`. */
  readonly offset: number;
};

/** The 20-byte header every STUN message starts with. */
export interface StunHeader {
  class: StunClassName;
  method: number;
  /** Bytes 4..7: the magic cookie, or the first word of an RFC 3489 128-bit transaction id. */
  cookie: number;
  /** Bytes 8..19 (12 bytes). */
  transactionId: Uint8Array;
}

export interface StunMessageInit extends Omit<StunHeader, 'cookie'> {
  /** Default MAGIC_COOKIE; set it to echo an RFC 3489 request's full 128-bit id. */
  cookie?: number;
  attributes: readonly StunAttributeInit[];
}

export interface StunMessage extends StunHeader {
  /** False for an RFC 3489 message (bytes 4..7 are not the magic cookie). */
  readonly hasMagicCookie: boolean;
  readonly attributes: readonly StunAttribute[];
  /** The received bytes; integrity checks run over these, never over a re-encoding. */
  readonly raw: Uint8Array;
}

export type StunDecodeErrorReason =
  /** Shorter than a header, or the first two bits are not 00: not STUN at all. */
  | 'not-stun'
  /** The header's length field disagrees with the datagram or is not a multiple of 4. */
  | 'bad-length'
  /** An attribute overruns the message or its value is malformed or oversized. */
  | 'bad-attribute'
  /** FINGERPRINT is present but does not match the received bytes, or is not last. */
  | 'bad-fingerprint';

export interface StunDecodeError {
  reason: StunDecodeErrorReason;
  /** Human-readable detail for logs. */
  message: string;
  /** The header, when it was readable: lets a server answer a malformed request with 400. */
  header?: StunHeader;
}
