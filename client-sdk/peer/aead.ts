/**
 * Seals and opens one peer packet with the AEAD of packets.ts: the clear header is the
 * associated data, the nonce is the header's counter. Node cannot re-key a cipher object, so
 * each call creates one (the dominant cost; `npm run bench:seal`).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AEAD_TAG_BYTES, bodyBytes, HEADER_BYTES, PEER_AEAD, writeBody, writeHeader, type PeerPacket } from './packets.js';

/** The two AEADs node:crypto offers for this; the benchmark measures both (`npm run bench:seal`). */
export type PeerAead = 'chacha20-poly1305' | 'aes-256-gcm';

/** 96-bit nonce: four zero bytes, then the 64-bit counter. */
function nonceOf(counter: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(Math.floor(counter / 2 ** 32), 4);
  nonce.writeUInt32BE(counter >>> 0, 8);
  return nonce;
}

/** Header, encrypted body and tag of `packet`, sealed under `key` with `counter`. */
export function sealPacket(key: Uint8Array, packet: PeerPacket, counter: number, aead: PeerAead = PEER_AEAD): Uint8Array {
  const size = bodyBytes(packet);
  const out = Buffer.allocUnsafe(HEADER_BYTES + size + AEAD_TAG_BYTES);
  writeHeader(out, packet.type, packet.from, packet.to, counter);
  const plain = out.subarray(HEADER_BYTES, HEADER_BYTES + size);
  writeBody(packet, plain);
  // Both AEADs take the same calls; the cast only picks one of node's per-mode typings.
  const cipher = createCipheriv(aead as 'chacha20-poly1305', key, nonceOf(counter), { authTagLength: AEAD_TAG_BYTES });
  cipher.setAAD(out.subarray(0, HEADER_BYTES), { plaintextLength: size });
  cipher.update(plain).copy(out, HEADER_BYTES);
  cipher.final();
  cipher.getAuthTag().copy(out, HEADER_BYTES + size);
  return out;
}

/**
 * The plaintext body of sealed `bytes` (whose header says `counter`), or undefined when the tag
 * does not verify. Never throws.
 */
export function openPacket(key: Uint8Array, bytes: Uint8Array, counter: number, aead: PeerAead = PEER_AEAD): Buffer | undefined {
  const end = bytes.length - AEAD_TAG_BYTES;
  if (end < HEADER_BYTES) return undefined;
  try {
    const decipher = createDecipheriv(aead as 'chacha20-poly1305', key, nonceOf(counter), { authTagLength: AEAD_TAG_BYTES });
    decipher.setAAD(bytes.subarray(0, HEADER_BYTES), { plaintextLength: end - HEADER_BYTES });
    decipher.setAuthTag(bytes.subarray(end));
    const plain = decipher.update(bytes.subarray(HEADER_BYTES, end));
    decipher.final();
    return plain;
  } catch {
    return undefined;
  }
}
