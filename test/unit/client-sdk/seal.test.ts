// AEAD seal/open, the replay window, the key schedule and the pair sealer (docs/protocols.md, sealed peer packets).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openPacket, sealPacket } from '../../../client-sdk/peer/aead.js';
import { generateEphemeral, handshakeKeys, sessionKeys } from '../../../client-sdk/peer/key-schedule.js';
import { PeerPacketType, readHeader, SEAL_OVERHEAD_BYTES } from '../../../client-sdk/peer/packets.js';
import { ReplayWindow } from '../../../client-sdk/peer/replay-window.js';
import { PairSealer } from '../../../client-sdk/peer/sealer.js';
import { OTHER_SECRET, SECRET } from '../../support/sealed-packets.js';

const data = (size: number) => ({ type: PeerPacketType.DATA, from: 2, to: 1, payload: randomBytes(size) }) as const;

describe('AEAD seal and open', () => {
  it.each([0, 64, 1200])('round-trips a %i-byte payload, encrypted, with the header in clear', (size) => {
    const key = randomBytes(32);
    const packet = data(size);
    const sealed = sealPacket(key, packet, 77);
    expect(sealed.length).toBe(size + SEAL_OVERHEAD_BYTES);
    expect(readHeader(sealed)).toEqual({ ok: true, header: { type: PeerPacketType.DATA, from: 2, to: 1, counter: 77 } });
    if (size >= 16) expect(Buffer.from(sealed).includes(packet.payload.subarray(0, 16))).toBe(false);
    expect(openPacket(key, sealed, 77)).toEqual(Buffer.from(packet.payload));
  });

  it('fails on any flipped bit of header, body or tag, on a wrong key and on a wrong counter', () => {
    const key = randomBytes(32);
    const sealed = sealPacket(key, data(64), 5);
    for (let i = 0; i < sealed.length; i++) {
      const tampered = Uint8Array.from(sealed);
      tampered[i] = tampered[i]! ^ 0x01;
      // The receiver takes the nonce's counter from the (tampered) header.
      const read = readHeader(tampered);
      const counter = read.ok ? read.header.counter : 5;
      expect(openPacket(key, tampered, counter), `byte ${i}`).toBeUndefined();
    }
    expect(openPacket(randomBytes(32), sealed, 5)).toBeUndefined();
    expect(openPacket(key, sealed, 6)).toBeUndefined();
    expect(openPacket(key, sealed.subarray(0, 20), 5)).toBeUndefined();
  });
});

describe('replay window', () => {
  it('takes any first counter, then each counter once, in any order inside the window', () => {
    const window = new ReplayWindow(128);
    expect(window.check(1_000)).toBe(true);
    window.mark(1_000);
    expect(window.check(1_000)).toBe(false);
    expect(window.check(999)).toBe(true);
    window.mark(999);
    expect(window.check(999)).toBe(false);
    expect(window.check(1_005)).toBe(true);
    window.mark(1_005);
    // 1001…1004 were skipped, not seen: still welcome once.
    for (const c of [1_003, 1_001, 1_004, 1_002]) {
      expect(window.check(c)).toBe(true);
      window.mark(c);
      expect(window.check(c)).toBe(false);
    }
  });

  it('refuses counters at or beyond the window size below the top; a check alone never moves it', () => {
    const window = new ReplayWindow(128);
    window.mark(500);
    expect(window.check(500 - 127)).toBe(true);
    expect(window.check(500 - 128)).toBe(false);
    expect(window.check(2 ** 50)).toBe(true);
    expect(window.top).toBe(500);
    expect(window.check(-1)).toBe(false);
    expect(window.check(0.5)).toBe(false);
    expect(window.check(2 ** 53)).toBe(false);
  });

  it('forgets old bits as the top moves: a jump bigger than the window clears it, a small one clears what it passes', () => {
    const window = new ReplayWindow(32);
    for (let c = 0; c < 32; c++) window.mark(c);
    window.mark(40);
    expect([33, 35, 39].map((c) => window.check(c))).toEqual([true, true, true]);
    expect([31, 40].map((c) => window.check(c))).toEqual([false, false]);
    window.mark(1_000);
    expect([969, 999].map((c) => window.check(c))).toEqual([true, true]);
    expect(window.check(968)).toBe(false);
    expect(() => new ReplayWindow(30)).toThrow(RangeError);
  });
});

describe('key schedule', () => {
  it('derives one handshake key per direction, bound to the secret and both actors', () => {
    const keys = handshakeKeys(SECRET, 2, 1);
    expect(keys).toEqual(handshakeKeys(SECRET, 2, 1));
    expect(keys.clientToServer).not.toEqual(keys.serverToClient);
    expect(handshakeKeys(SECRET, 3, 1).clientToServer).not.toEqual(keys.clientToServer);
    expect(handshakeKeys(SECRET, 1, 2).clientToServer).not.toEqual(keys.clientToServer);
    expect(handshakeKeys(OTHER_SECRET, 2, 1).clientToServer).not.toEqual(keys.clientToServer);
    expect(() => handshakeKeys(new Uint8Array(16), 2, 1)).toThrow(RangeError);
  });

  it('gives both ends the same session keys, and refuses unusable public keys', () => {
    const client = generateEphemeral();
    const server = generateEphemeral();
    const common = { pairSecret: SECRET, clientPublic: client.publicKey, serverPublic: server.publicKey, clientActor: 2, serverActor: 1 };
    const a = sessionKeys({ ...common, own: client, peerPublic: server.publicKey });
    const b = sessionKeys({ ...common, own: server, peerPublic: client.publicKey });
    expect(a).toBeDefined();
    expect(a).toEqual(b);
    expect(sessionKeys({ ...common, pairSecret: OTHER_SECRET, own: client, peerPublic: server.publicKey })).not.toEqual(a);
    // The all-zero point and other low-order points give an all-zero shared secret.
    expect(sessionKeys({ ...common, own: client, peerPublic: new Uint8Array(32) })).toBeUndefined();
    expect(sessionKeys({ ...common, own: client, peerPublic: Uint8Array.of(1, ...new Uint8Array(31)) })).toBeUndefined();
    expect(sessionKeys({ ...common, own: client, peerPublic: new Uint8Array(31) })).toBeUndefined();
  });
});

describe('pair sealer', () => {
  const pair = (clientSecret = SECRET, serverSecret = SECRET) => ({
    client: new PairSealer({ role: 'client', self: 2, peer: 1, pairSecret: clientSecret, counterBase: 1 }),
    server: new PairSealer({ role: 'server', self: 1, peer: 2, pairSecret: serverSecret, counterBase: 2 }),
  });

  it('opens handshake packets with the pair secret alone and session packets after the exchange, each once', () => {
    const { client, server } = pair();
    const connect = client.seal({ type: PeerPacketType.CONNECT, from: 2, to: 1, attempt: 0, publicKey: client.publicKey, challenge: new Uint8Array(8) });
    expect(server.open(connect)).toMatchObject({ ok: true, packet: { type: PeerPacketType.CONNECT, attempt: 0 } });
    expect(server.open(connect)).toEqual({ ok: false, reason: 'replay' });
    const early = client.seal({ type: PeerPacketType.PING, from: 2, to: 1, seq: 0 });
    expect(server.open(early)).toEqual({ ok: false, reason: 'malformed' }); // a server never receives pings
    expect(() => client.seal(data(1))).toThrow();
    expect(server.establish(client.publicKey)).toBe('established');
    expect(client.establish(server.publicKey)).toBe('established');
    expect(server.establish(client.publicKey)).toBe('same');
    expect(server.establish(generateEphemeral().publicKey)).toBe('other');
    const sealed = client.seal(data(64));
    const opened = server.open(sealed);
    expect(opened.ok).toBe(true);
    expect(server.open(sealed)).toEqual({ ok: false, reason: 'replay' });
    // Session counters start at 0 under their own keys; handshake ones at the random base.
    expect(readHeader(sealed)).toMatchObject({ ok: true, header: { counter: 0 } });
    expect(readHeader(connect)).toMatchObject({ ok: true, header: { counter: 2 ** 20 } });
  });

  it('drops what another pair sealed (wrong secret) as unauthenticated', () => {
    const { client, server } = pair(SECRET, OTHER_SECRET);
    const connect = client.seal({ type: PeerPacketType.CONNECT, from: 2, to: 1, attempt: 0, publicKey: client.publicKey, challenge: new Uint8Array(8) });
    expect(server.open(connect)).toEqual({ ok: false, reason: 'auth' });
    // An authentic packet from this pair with from/to rewritten does not open either.
    const { client: c2, server: s2 } = pair();
    const moved = Uint8Array.from(c2.seal({ type: PeerPacketType.CONNECT, from: 2, to: 1, attempt: 0, publicKey: c2.publicKey, challenge: new Uint8Array(8) }));
    moved[5] = 3;
    expect(s2.open(moved)).toEqual({ ok: false, reason: 'auth' });
  });
});
