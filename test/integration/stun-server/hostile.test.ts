import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { stunBinding } from '../../../client-sdk/index.js';
import { createNodeUdpSocketFactory, type UdpSocket } from '../../../core/index.js';
import { createStunServer, encodeStunMessage, type StunServer } from '../../../stun-server/index.js';
import { until } from '../../support/loopback.js';

const factory = createNodeUdpSocketFactory();
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function validRequest(next: () => number): Buffer {
  const transactionId = Uint8Array.from({ length: 12 }, () => Math.floor(next() * 256));
  return encodeStunMessage(
    { class: 'request', method: 1, transactionId, attributes: [{ name: 'SOFTWARE', value: 'hostile test' }] },
    { fingerprint: true },
  );
}

/** One hostile datagram of a random kind. */
function hostile(next: () => number): Buffer {
  const int = (n: number): number => Math.floor(next() * n);
  const valid = validRequest(next);
  switch (int(8)) {
    case 0: // random bytes, any length up to 600
      return Buffer.from(Uint8Array.from({ length: int(600) }, () => int(256)));
    case 1: // truncated valid request
      return valid.subarray(0, int(valid.length));
    case 2: {
      // wrong magic cookie: an RFC 3489-style request (still answerable) or garbage after it
      const copy = Buffer.from(valid);
      copy.writeUInt32BE(int(0xffffffff), 4);
      return copy;
    }
    case 3: {
      // lying length field
      const copy = Buffer.from(valid);
      copy.writeUInt16BE(int(0x10000), 2);
      return copy;
    }
    case 4: {
      // oversized attribute: SOFTWARE claims far more than the datagram holds
      const copy = Buffer.from(valid);
      copy.writeUInt16BE(800 + int(60000), 22);
      return copy;
    }
    case 5: {
      // flipped bytes anywhere (mostly breaks FINGERPRINT)
      const copy = Buffer.from(valid);
      copy[20 + int(copy.length - 20)]! ^= 1 + int(255);
      return copy;
    }
    case 6: // responses and indications: never answered
      return encodeStunMessage({
        class: int(2) ? 'success' : 'indication',
        method: 1,
        transactionId: valid.subarray(8, 20),
        attributes: [],
      });
    default: // an unknown comprehension-required attribute (420) or an unknown method (400)
      return encodeStunMessage({
        class: 'request',
        method: int(2) ? 1 : 2 + int(0xff0),
        transactionId: valid.subarray(8, 20),
        attributes: [{ name: 'UNKNOWN', type: int(0x8000), value: new Uint8Array(int(40)) }],
      });
  }
}

describe('STUN server under hostile traffic', () => {
  it('keeps answering valid requests, accounts for every datagram, never logs an error', async () => {
    const records: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        records.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    });
    const stun: StunServer = await createStunServer({
      ipv4: { host: '127.0.0.1', port: 0, alternatePort: 0 },
      rateLimit: false, // this test is about the decoder; rate limiting has its own test
      logger: pino({ level: 'debug' }, sink),
    });
    open.push(stun);
    const attacker: UdpSocket = await factory.bind({ type: 'udp4', address: '127.0.0.1' });
    const playerSocket: UdpSocket = await factory.bind({ type: 'udp4', address: '127.0.0.1' });
    open.push(attacker, playerSocket);
    let sent = 0;
    // Counts the player's sends too: under CPU contention its client may retransmit.
    const player: UdpSocket = {
      ...playerSocket,
      send(data, port, address) {
        sent++;
        playerSocket.send(data, port, address);
      },
    };
    let answers = 0;
    attacker.onMessage(() => answers++);
    playerSocket.onMessage(() => answers++);

    const next = random(0x5eed);
    const target = stun.address()!;
    const altPort = stun.endpoints()[1]!.port;
    let playerAnswers = 0;
    for (let batch = 0; batch < 100; batch++) {
      // Small batches, each waited for, so the kernel's receive buffer never overflows:
      // the test then knows exactly how many datagrams the server received.
      for (let i = 0; i < 50; i++) {
        attacker.send(hostile(next), next() < 0.8 ? target.port : altPort, target.address);
        sent++;
      }
      if (batch % 10 === 0) {
        const mapped = await stunBinding(player, target);
        expect(mapped).toMatchObject({ address: '127.0.0.1', port: player.address().port });
        playerAnswers++;
      }
      await until(() => stun.stats().received >= sent);
    }
    const stats = stun.stats();
    const dropped = Object.values(stats.drops).reduce((sum, n) => sum + n, 0);
    expect(playerAnswers).toBe(10);
    expect(stats.received).toBe(sent);
    expect(stats.successResponses + stats.errorResponses + dropped).toBe(stats.received);
    expect(stats.requests).toBe(stats.successResponses + stats.errorResponses);
    for (const reason of ['not-stun', 'malformed', 'bad-fingerprint', 'not-request'] as const) {
      expect(stats.drops[reason], reason).toBeGreaterThan(0);
    }
    expect(stats.errorResponses).toBeGreaterThan(0);
    await until(() => answers === stats.requests);
    expect(stats.socketErrors).toBe(0);
    expect(records.filter((record) => record.level >= 50)).toEqual([]);
  });
});
