import { describe, expect, it } from 'vitest';
import {
  AttributeType,
  decodeStunMessage,
  encodeStunMessage,
  longTermKey,
  looksLikeStun,
  saslprep,
  shortTermKey,
  verifyMessageIntegrity,
  type StunAttribute,
  type StunAttributeInit,
  type StunMessage,
} from '../../../../stun-server/codec/index.js';
import {
  LONG_TERM,
  SAMPLE_IPV4_RESPONSE,
  SAMPLE_IPV6_RESPONSE,
  SAMPLE_REQUEST,
  SHORT_TERM_PASSWORD,
  TRANSACTION_ID,
} from '../../../fixtures/rfc5769.js';

function decoded(bytes: Uint8Array): StunMessage {
  const result = decodeStunMessage(bytes);
  if (!result.ok) throw new Error(`decode failed: ${result.error.message}`);
  return result.value;
}

function key(password: string): Uint8Array {
  const result = shortTermKey(password);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

const names = (message: StunMessage): string[] => message.attributes.map((a) => a.name);

describe('RFC 5769 test vectors', () => {
  it('§2.1 sample request: attributes, integrity and fingerprint', () => {
    const message = decoded(SAMPLE_REQUEST);
    expect(message).toMatchObject({ class: 'request', method: 1, hasMagicCookie: true });
    expect(Buffer.from(message.transactionId)).toEqual(TRANSACTION_ID);
    expect(names(message)).toEqual([
      'SOFTWARE',
      'UNKNOWN',
      'UNKNOWN',
      'USERNAME',
      'MESSAGE-INTEGRITY',
      'FINGERPRINT',
    ]);
    expect(message.attributes[0]).toMatchObject({ value: 'STUN test client' });
    expect(message.attributes[1]).toMatchObject({ type: 0x0024 }); // PRIORITY (ICE)
    expect(message.attributes[2]).toMatchObject({ type: 0x8029 }); // ICE-CONTROLLED
    expect(message.attributes[3]).toMatchObject({ value: 'evtj:h6vY' });
    expect(verifyMessageIntegrity(message, key(SHORT_TERM_PASSWORD))).toEqual({ ok: true, value: true });
    expect(verifyMessageIntegrity(message, key('wrong'))).toEqual({ ok: false, error: 'mismatch' });
  });

  it('§2.2 sample IPv4 response', () => {
    const message = decoded(SAMPLE_IPV4_RESPONSE);
    expect(message.class).toBe('success');
    expect(names(message)).toEqual(['SOFTWARE', 'XOR-MAPPED-ADDRESS', 'MESSAGE-INTEGRITY', 'FINGERPRINT']);
    expect(message.attributes[0]).toMatchObject({ value: 'test vector' });
    expect(message.attributes[1]).toMatchObject({ address: { family: 'IPv4', address: '192.0.2.1', port: 32853 } });
    expect(verifyMessageIntegrity(message, key(SHORT_TERM_PASSWORD)).ok).toBe(true);
  });

  it('§2.3 sample IPv6 response', () => {
    const message = decoded(SAMPLE_IPV6_RESPONSE);
    expect(message.attributes[1]).toMatchObject({
      address: { family: 'IPv6', address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 },
    });
    expect(verifyMessageIntegrity(message, key(SHORT_TERM_PASSWORD)).ok).toBe(true);
  });

  it('§2.4 long-term credential request, with SASLprep of the password', () => {
    expect(saslprep(LONG_TERM.password)).toEqual({ ok: true, value: LONG_TERM.preparedPassword });
    const message = decoded(LONG_TERM.request);
    expect(Buffer.from(message.transactionId)).toEqual(LONG_TERM.transactionId);
    expect(message.attributes.slice(0, 3)).toMatchObject([
      { name: 'USERNAME', value: LONG_TERM.username },
      { name: 'NONCE', value: LONG_TERM.nonce },
      { name: 'REALM', value: LONG_TERM.realm },
    ]);
    const longTerm = longTermKey(LONG_TERM.username, LONG_TERM.realm, LONG_TERM.password);
    expect(longTerm.ok && verifyMessageIntegrity(message, longTerm.value)).toEqual({ ok: true, value: true });
  });

  it('re-encodes each vector to an equivalent message (integrity and fingerprint computed by the encoder)', () => {
    const credentials = key(SHORT_TERM_PASSWORD);
    for (const vector of [SAMPLE_REQUEST, SAMPLE_IPV4_RESPONSE, SAMPLE_IPV6_RESPONSE]) {
      const message = decoded(vector);
      const attributes = withoutSeals(message.attributes);
      const encoded = encodeStunMessage({ ...message, attributes }, { integrityKey: credentials, fingerprint: true });
      // The vectors pad text with spaces, we pad with zeros (RFC 8489 §14 lets the sender choose),
      // so the bytes differ only there; everything else must survive.
      expect(encoded.length).toBe(vector.length);
      const again = decoded(encoded);
      expect(withoutSeals(again.attributes).map(strip)).toEqual(attributes.map(strip));
      expect(verifyMessageIntegrity(again, credentials).ok).toBe(true);
    }
  });
});

function withoutSeals(attributes: readonly StunAttribute[]): StunAttributeInit[] {
  const out: StunAttributeInit[] = [];
  for (const attribute of attributes) {
    if (attribute.name !== 'MESSAGE-INTEGRITY' && attribute.name !== 'MESSAGE-INTEGRITY-SHA256' && attribute.name !== 'FINGERPRINT') {
      out.push(attribute as StunAttributeInit);
    }
  }
  return out;
}

function strip(attribute: StunAttributeInit): unknown {
  const { offset: _offset, ...rest } = attribute as StunAttributeInit & { offset?: number };
  return 'value' in rest && rest.value instanceof Uint8Array ? { ...rest, value: Buffer.from(rest.value).toString('hex') } : rest;
}

describe('decode failures are typed, never thrown', () => {
  it('rejects a corrupted fingerprint and a message that is not STUN', () => {
    const corrupted = Buffer.from(SAMPLE_IPV4_RESPONSE);
    corrupted[corrupted.length - 1]! ^= 1;
    expect(decodeStunMessage(corrupted)).toMatchObject({ ok: false, error: { reason: 'bad-fingerprint' } });
    expect(decodeStunMessage(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toMatchObject({
      ok: false,
      error: { reason: 'not-stun' },
    });
  });

  it('rejects a lying length field and an attribute that overruns, keeping the header for a 400', () => {
    const lying = Buffer.from(SAMPLE_REQUEST);
    lying.writeUInt16BE(0x0100, 2);
    expect(decodeStunMessage(lying)).toMatchObject({
      ok: false,
      error: { reason: 'bad-length', header: { class: 'request', method: 1 } },
    });
    const overrun = Buffer.from(SAMPLE_REQUEST);
    overrun.writeUInt16BE(0x0fff, 22); // SOFTWARE claims 4095 bytes
    expect(decodeStunMessage(overrun)).toMatchObject({ ok: false, error: { reason: 'bad-attribute' } });
  });

  it('flags a changed byte through MESSAGE-INTEGRITY, checked over the received bytes', () => {
    const tampered = Buffer.from(SAMPLE_IPV4_RESPONSE.subarray(0, SAMPLE_IPV4_RESPONSE.length - 8));
    tampered.writeUInt16BE(tampered.length - 20, 2);
    tampered[25]! ^= 0x20; // 't' -> 'T' in SOFTWARE
    expect(verifyMessageIntegrity(decoded(tampered), key(SHORT_TERM_PASSWORD))).toEqual({ ok: false, error: 'mismatch' });
  });
});

describe('looksLikeStun', () => {
  it('accepts RFC 5389+ messages only', () => {
    expect(looksLikeStun(SAMPLE_REQUEST)).toBe(true);
    const legacy = Buffer.from(SAMPLE_REQUEST);
    legacy.writeUInt32BE(0x01020304, 4);
    expect(looksLikeStun(legacy)).toBe(false);
    expect(looksLikeStun(Buffer.from([0x80, 0, 0, 0]))).toBe(false);
    expect(looksLikeStun(SAMPLE_REQUEST.subarray(0, 40))).toBe(false);
  });
});

describe('encoding', () => {
  it('writes RFC 5780 attributes and an error response that decode back', () => {
    const transactionId = new Uint8Array(12).fill(7);
    const bytes = encodeStunMessage(
      {
        class: 'error',
        method: 1,
        transactionId,
        attributes: [
          { name: 'ERROR-CODE', code: 420, reason: 'Unknown Attribute' },
          { name: 'UNKNOWN-ATTRIBUTES', types: [0x0003, 0x7777] },
          { name: 'CHANGE-REQUEST', changeIp: true, changePort: false },
          { name: 'RESPONSE-PORT', port: 4242 },
          { name: 'PADDING', length: 5 },
          { name: 'OTHER-ADDRESS', address: { family: 'IPv6', address: '::1', port: 3479 } },
        ],
      },
      { integritySha256Key: key('secret'), fingerprint: true },
    );
    const message = decoded(bytes);
    expect(message.attributes.map((a) => a.type)).toEqual([
      AttributeType.ERROR_CODE,
      AttributeType.UNKNOWN_ATTRIBUTES,
      AttributeType.CHANGE_REQUEST,
      AttributeType.RESPONSE_PORT,
      AttributeType.PADDING,
      AttributeType.OTHER_ADDRESS,
      AttributeType.MESSAGE_INTEGRITY_SHA256,
      AttributeType.FINGERPRINT,
    ]);
    expect(message.attributes[0]).toMatchObject({ code: 420, reason: 'Unknown Attribute' });
    expect(message.attributes[2]).toMatchObject({ changeIp: true, changePort: false });
    expect(verifyMessageIntegrity(message, key('secret')).ok).toBe(true);
  });
});
