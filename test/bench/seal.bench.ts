/**
 * npm run bench:seal — what sealing costs per peer packet and per connect (DESIGN.md §9):
 *
 * - seal and open of one DATA packet with a 64-byte and a 1,200-byte payload, µs per packet, for
 *   the AEAD in use (ChaCha20-Poly1305) and for AES-256-GCM (the alternative), beside the target
 *   (≤ 3 µs each) and beside the unsealed baseline: the same header and body encoding and
 *   decoding without the AEAD (what a packet cost before sealing);
 * - the handshake per connect, µs: one X25519 key pair, the X25519 agreement and the two HKDFs
 *   (handshake keys from the pair secret, session keys from the shared secret).
 *
 * Each figure is the median of 7 rounds (the machine is shared: the median resists a busy neighbour).
 */
import { randomBytes } from 'node:crypto';
import { openPacket, sealPacket, type PeerAead } from '../../client-sdk/peer/aead.js';
import { generateEphemeral, handshakeKeys, sessionKeys } from '../../client-sdk/peer/key-schedule.js';
import { bodyBytes, HEADER_BYTES, parseBody, PEER_AEAD, PeerPacketType, readHeader, writeBody, writeHeader, type PeerPacket } from '../../client-sdk/peer/packets.js';
import { median } from './median.js';

const ROUNDS = 7;
const TARGET_US = 3;

/** Median µs per call of `fn` over ROUNDS rounds of `n` calls, after a warm-up. */
function measure(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(i);
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    rounds.push(Number(process.hrtime.bigint() - start) / n / 1000);
  }
  return median(rounds);
}

/** The unsealed baseline: header + body into one buffer, and back. */
function encodePlain(packet: PeerPacket, counter: number): Uint8Array {
  const out = Buffer.allocUnsafe(HEADER_BYTES + bodyBytes(packet));
  writeHeader(out, packet.type, packet.from, packet.to, counter);
  writeBody(packet, out.subarray(HEADER_BYTES));
  return out;
}

function decodePlain(bytes: Uint8Array): PeerPacket | undefined {
  const header = { type: bytes[1]!, from: 0, to: 0, counter: 0 };
  return parseBody(header, bytes.subarray(HEADER_BYTES));
}

const fmt = (us: number) => us.toFixed(2).padStart(7);
const verdict = (us: number) => (us <= TARGET_US ? 'meets' : 'misses');

console.log(`seal/open per DATA packet, µs (median of ${ROUNDS}); target ≤ ${TARGET_US} µs each; AEAD in use: ${PEER_AEAD}`);
console.log('payload  aead                 seal    open   plain enc  plain dec   seal vs target  open vs target');
for (const size of [64, 1200]) {
  const packet: PeerPacket = { type: PeerPacketType.DATA, from: 2, to: 1, payload: randomBytes(size) };
  const plainEncode = measure(100_000, (i) => encodePlain(packet, i));
  const plain = encodePlain(packet, 1);
  const plainDecode = measure(100_000, () => decodePlain(plain));
  for (const aead of ['chacha20-poly1305', 'aes-256-gcm'] as PeerAead[]) {
    const key = randomBytes(32);
    const seal = measure(30_000, (i) => sealPacket(key, packet, i, aead));
    const sealed = sealPacket(key, packet, 7, aead);
    const counter = (readHeader(sealed) as { ok: true; header: { counter: number } }).header.counter;
    const open = measure(30_000, () => {
      if (!openPacket(key, sealed, counter, aead)) throw new Error('did not open');
    });
    console.log(
      `${String(size).padStart(5)} B  ${aead.padEnd(18)} ${fmt(seal)} ${fmt(open)}  ${fmt(plainEncode)}    ${fmt(plainDecode)}   ${verdict(seal).padStart(6)} (${(seal / TARGET_US).toFixed(2)}×)  ${verdict(open).padStart(6)} (${(open / TARGET_US).toFixed(2)}×)`,
    );
  }
}

const secret = randomBytes(32);
const peer = generateEphemeral();
const keygen = measure(2_000, () => generateEphemeral());
const own = generateEphemeral();
const handshakeHkdf = measure(10_000, () => handshakeKeys(secret, 2, 1));
const agreeAndDerive = measure(2_000, () =>
  sessionKeys({ own, peerPublic: peer.publicKey, pairSecret: secret, clientPublic: own.publicKey, serverPublic: peer.publicKey, clientActor: 2, serverActor: 1 }),
);
console.log('');
console.log(`handshake per connect, µs (median of ${ROUNDS}), each end:`);
console.log(`  X25519 key pair                    ${fmt(keygen)}`);
console.log(`  handshake keys (HKDF, pair secret)  ${fmt(handshakeHkdf)}`);
console.log(`  X25519 agreement + session HKDF     ${fmt(agreeAndDerive)}`);
console.log(`  total                               ${fmt(keygen + handshakeHkdf + agreeAndDerive)}`);
