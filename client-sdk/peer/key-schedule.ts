/**
 * The pair's key schedule (packets.ts documents it): handshake keys from the cloud's pair
 * secret, session keys from an ephemeral X25519 exchange, both through HKDF-SHA256.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { PAIR_SECRET_BYTES, PUBLIC_KEY_BYTES } from './packets.js';

/** One key per direction of a client–server pair. */
export interface DirectionKeys {
  clientToServer: Buffer;
  serverToClient: Buffer;
}

export interface EphemeralKeyPair {
  privateKey: KeyObject;
  /** Raw 32-byte X25519 public key, as it travels in CONNECT and ACCEPT. */
  publicKey: Uint8Array;
}

const SALT = Buffer.from('punchthrough v1');
const KEY_BYTES = 32;

function actors(clientActor: number, serverActor: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeUInt32BE(clientActor >>> 0, 0);
  bytes.writeUInt32BE(serverActor >>> 0, 4);
  return bytes;
}

function split(okm: ArrayBuffer): DirectionKeys {
  const bytes = Buffer.from(okm);
  return { clientToServer: bytes.subarray(0, KEY_BYTES), serverToClient: bytes.subarray(KEY_BYTES, 2 * KEY_BYTES) };
}

/** Keys for PING, CONNECT and ACCEPT: only the two ends of the pair can derive them. */
export function handshakeKeys(pairSecret: Uint8Array, clientActor: number, serverActor: number): DirectionKeys {
  if (pairSecret.length !== PAIR_SECRET_BYTES) throw new RangeError(`a pair secret is ${PAIR_SECRET_BYTES} bytes`);
  const info = Buffer.concat([Buffer.from('handshake'), actors(clientActor, serverActor)]);
  return split(hkdfSync('sha256', pairSecret, SALT, info, 2 * KEY_BYTES));
}

// @types/node 20 lists only PEM and DER among the generation's encodings; Node takes every
// format `KeyObject.export` does, JWK included.
const generateJwkPair = generateKeyPairSync as unknown as (
  type: 'x25519',
  options: { publicKeyEncoding: { type: 'spki'; format: 'jwk' }; privateKeyEncoding: { type: 'pkcs8'; format: 'jwk' } },
) => { publicKey: JsonWebKey; privateKey: JsonWebKey };

// Raw keys cross node:crypto as JWK (RFC 8037 `OKP`/`X25519`, `x` = the raw key in base64url):
// measured ~100× faster to export and ~5× faster to import than SPKI DER in Node 20. Both keys
// are encoded by the generation itself and the private key is imported back, so no KeyObject of
// the generation job is ever exported: Node 20's JWK export holds the key's mutex while it
// allocates, and a garbage collection finalizing the finished job (its destructor takes the same
// mutex) then deadlocks the process for good (test/unit/client-sdk/key-schedule-gc.test.ts).
export function generateEphemeral(): EphemeralKeyPair {
  const { privateKey, publicKey } = generateJwkPair('x25519', {
    publicKeyEncoding: { type: 'spki', format: 'jwk' },
    privateKeyEncoding: { type: 'pkcs8', format: 'jwk' },
  });
  return {
    privateKey: createPrivateKey({ key: privateKey, format: 'jwk' }),
    publicKey: new Uint8Array(Buffer.from(publicKey.x ?? '', 'base64url')),
  };
}

/**
 * Keys for KEEPALIVE, DATA and DISCONNECT, or undefined when the peer's public key is not a
 * usable X25519 key (wrong size, or a low-order point whose shared secret is all zeros).
 */
export function sessionKeys(input: {
  own: EphemeralKeyPair;
  peerPublic: Uint8Array;
  pairSecret: Uint8Array;
  clientPublic: Uint8Array;
  serverPublic: Uint8Array;
  clientActor: number;
  serverActor: number;
}): DirectionKeys | undefined {
  if (input.peerPublic.length !== PUBLIC_KEY_BYTES) return undefined;
  let shared: Buffer;
  try {
    const x = Buffer.from(input.peerPublic).toString('base64url');
    const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
    shared = diffieHellman({ privateKey: input.own.privateKey, publicKey: peer });
  } catch {
    return undefined;
  }
  if (shared.every((b) => b === 0)) return undefined;
  const info = Buffer.concat([
    Buffer.from('session'),
    input.clientPublic,
    input.serverPublic,
    actors(input.clientActor, input.serverActor),
  ]);
  return split(hkdfSync('sha256', shared, input.pairSecret, info, 2 * KEY_BYTES));
}
