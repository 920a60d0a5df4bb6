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
 * Each figure is the median of 7 rounds, the candidates taking turns round by round (the machine
 * is shared: the median resists a busy neighbour, the turns spread one over all candidates).
 */
import { randomBytes } from 'node:crypto';
import { openPacket, sealPacket, type PeerAead } from '../../client-sdk/peer/aead.js';
import { generateEphemeral, handshakeKeys, sessionKeys } from '../../client-sdk/peer/key-schedule.js';
import { bodyBytes, HEADER_BYTES, parseBody, PEER_AEAD, PeerPacketType, readHeader, writeBody, writeHeader, type PeerPacket } from '../../client-sdk/peer/packets.js';
import { median } from './median.js';

const ROUNDS = 7;
const TARGET_US = 3;

/** µs per call of `fn` over one round of `n` calls, after a short warm-up. */
function measureOnce(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < 1000; i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / n / 1000;
}

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

console.log(`seal/open per DATA packet, µs (median of ${ROUNDS} interleaved rounds); target ≤ ${TARGET_US} µs each; AEAD in use: ${PEER_AEAD}`);
console.log('payload  aead                 seal    open   plain enc  plain dec   seal vs target  open vs target');
const AEADS: PeerAead[] = ['chacha20-poly1305', 'aes-256-gcm'];
for (const size of [64, 1200]) {
  const packet: PeerPacket = { type: PeerPacketType.DATA, from: 2, to: 1, payload: randomBytes(size) };
  const plain = encodePlain(packet, 1);
  const cases = AEADS.map((aead) => {
    const key = randomBytes(32);
    const sealed = sealPacket(key, packet, 7, aead);
    const counter = (readHeader(sealed) as { ok: true; header: { counter: number } }).header.counter;
    return {
      aead,
      seal: (i: number) => sealPacket(key, packet, i, aead),
      open: () => {
        if (!openPacket(key, sealed, counter, aead)) throw new Error('did not open');
      },
    };
  });
  // The AEADs take turns round by round, so a busy neighbour slows both alike.
  const rounds = new Map<string, number[]>();
  const add = (name: string, us: number) => rounds.set(name, [...(rounds.get(name) ?? []), us]);
  for (let r = 0; r < ROUNDS; r++) {
    add('plain enc', measureOnce(100_000, (i) => encodePlain(packet, i)));
    add('plain dec', measureOnce(100_000, () => decodePlain(plain)));
    for (const c of cases) {
      add(`${c.aead} seal`, measureOnce(20_000, c.seal));
      add(`${c.aead} open`, measureOnce(20_000, c.open));
    }
  }
  const m = (name: string) => median(rounds.get(name)!);
  for (const { aead } of cases) {
    const seal = m(`${aead} seal`);
    const open = m(`${aead} open`);
    console.log(
      `${String(size).padStart(5)} B  ${aead.padEnd(18)} ${fmt(seal)} ${fmt(open)}  ${fmt(m('plain enc'))}    ${fmt(m('plain dec'))}   ${verdict(seal).padStart(6)} (${(seal / TARGET_US).toFixed(2)}×)  ${verdict(open).padStart(6)} (${(open / TARGET_US).toFixed(2)}×)`,
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
