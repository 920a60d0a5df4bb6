import { describe, expect, it } from 'vitest';
import { retransmitSchedule, stunBinding } from '../../../../stun-server/client/index.js';
import { natTypeOf } from '../../../../client-sdk/index.js';
import {
  ManualClock,
  isPunchthroughError,
  type UdpEndpoint,
  type UdpMessageHandler,
  type UdpSocket,
} from '../../../../core/index.js';
import { decodeStunMessage, encodeStunMessage, type StunMessage } from '../../../../stun-server/codec/index.js';

/** A socket that records sends and lets the test deliver datagrams, shared with "game" handlers. */
function fakeSocket(): UdpSocket & { sent: Buffer[]; deliver(data: Uint8Array, from: UdpEndpoint): void; handlers: number } {
  const handlers = new Set<UdpMessageHandler>();
  const sent: Buffer[] = [];
  return {
    sent,
    get handlers() {
      return handlers.size;
    },
    address: () => ({ address: '10.0.0.2', port: 5000, family: 'IPv4' }),
    send: (data) => void sent.push(Buffer.from(data)),
    onMessage(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    onError: () => () => undefined,
    close: async () => undefined,
    deliver(data, from) {
      for (const handler of [...handlers]) handler(Buffer.from(data), from);
    },
  };
}

const SERVER = { address: '192.0.2.10', port: 3478 };
const FROM: UdpEndpoint = { ...SERVER, family: 'IPv4' };

function request(bytes: Buffer): StunMessage {
  const decoded = decodeStunMessage(bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.value;
}

function successFor(req: StunMessage, mapped = { family: 'IPv4' as const, address: '203.0.113.7', port: 40000 }): Buffer {
  return encodeStunMessage(
    {
      class: 'success',
      method: 1,
      transactionId: req.transactionId,
      attributes: [{ name: 'XOR-MAPPED-ADDRESS', address: mapped }],
    },
    { fingerprint: true },
  );
}

describe('retransmitSchedule (RFC 8489 §6.2.1)', () => {
  it('doubles the interval and waits lastWaitRtos × RTO after the last send', () => {
    expect(retransmitSchedule(500, 6, 16)).toEqual({
      sendAtMs: [0, 500, 1500, 3500, 7500, 15500, 31500],
      timeoutAtMs: 39500, // RFC 8489's own example
    });
    expect(retransmitSchedule(100, 4, 8).timeoutAtMs).toBe(2300); // our game-start default
  });
});

describe('stunBinding', () => {
  it('retransmits on schedule and resolves with the reflexive address, removing its handler', async () => {
    const clock = new ManualClock();
    const socket = fakeSocket();
    const result = stunBinding(socket, SERVER, { clock });
    expect(socket.sent).toHaveLength(1);
    await clock.advanceAsync(100);
    expect(socket.sent).toHaveLength(2);
    await clock.advanceAsync(200);
    expect(socket.sent).toHaveLength(3);
    const ids = socket.sent.map((b) => request(b).transactionId.toString());
    expect(new Set(ids).size).toBe(1); // retransmissions reuse the transaction id
    socket.deliver(successFor(request(socket.sent[0]!)), FROM);
    await expect(result).resolves.toMatchObject({ address: '203.0.113.7', port: 40000, family: 'IPv4', from: FROM });
    expect(socket.handlers).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('ignores game traffic, other transactions and corrupted responses', async () => {
    const clock = new ManualClock();
    const socket = fakeSocket();
    const gameSeen: number[] = [];
    socket.onMessage((data) => gameSeen.push(data.length));
    const result = stunBinding(socket, SERVER, { clock });
    const req = request(socket.sent[0]!);
    socket.deliver(Buffer.from('game packet'), FROM);
    socket.deliver(successFor({ ...req, transactionId: new Uint8Array(12).fill(9) }), FROM);
    const corrupted = successFor(req);
    corrupted[corrupted.length - 1]! ^= 0xff; // bad FINGERPRINT
    socket.deliver(corrupted, FROM);
    expect(socket.handlers).toBe(2); // still waiting
    socket.deliver(successFor(req, { family: 'IPv4', address: '198.51.100.1', port: 1 }), FROM);
    await expect(result).resolves.toMatchObject({ address: '198.51.100.1', port: 1 });
    expect(gameSeen).toHaveLength(4); // the game handler saw everything; nothing was swallowed
  });

  it('rejects with STUN_TIMEOUT after the last wait, having sent 1 + maxRetransmits requests', async () => {
    const clock = new ManualClock();
    const socket = fakeSocket();
    const result = stunBinding(socket, SERVER, { clock, initialRtoMs: 100, maxRetransmits: 4, lastWaitRtos: 8 });
    const outcome = result.catch((error: unknown) => error);
    await clock.advanceAsync(2299);
    expect(socket.sent).toHaveLength(5);
    expect(socket.handlers).toBe(1);
    await clock.advanceAsync(1);
    const error = await outcome;
    expect(isPunchthroughError(error) && error.code).toBe('STUN_TIMEOUT');
    expect(socket.handlers).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects with STUN_FAILED on an error response, and with the reason on abort', async () => {
    const clock = new ManualClock();
    const socket = fakeSocket();
    const failed = stunBinding(socket, SERVER, { clock, changeRequest: { changeIp: true, changePort: false } });
    const req = request(socket.sent[0]!);
    expect(req.attributes).toMatchObject([{ name: 'CHANGE-REQUEST', changeIp: true, changePort: false }, { name: 'FINGERPRINT' }]);
    socket.deliver(
      encodeStunMessage({
        class: 'error',
        method: 1,
        transactionId: req.transactionId,
        attributes: [{ name: 'ERROR-CODE', code: 420, reason: 'Unknown Attribute' }],
      }),
      FROM,
    );
    await expect(failed).rejects.toMatchObject({ code: 'STUN_FAILED', message: expect.stringMatching(/420/) });

    const controller = new AbortController();
    const aborted = stunBinding(socket, SERVER, { clock, signal: controller.signal });
    controller.abort(new Error('shutdown'));
    await expect(aborted).rejects.toThrow('shutdown');
    expect(socket.handlers).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('natTypeOf', () => {
  it('derives the classic label', () => {
    expect(natTypeOf(false, 'endpoint-independent', 'endpoint-independent')).toBe('open-internet');
    expect(natTypeOf(true, 'endpoint-independent', 'endpoint-independent')).toBe('full-cone');
    expect(natTypeOf(true, 'endpoint-independent', 'address-dependent')).toBe('restricted-cone');
    expect(natTypeOf(true, 'endpoint-independent', 'address-and-port-dependent')).toBe('port-restricted-cone');
    expect(natTypeOf(true, 'address-dependent', 'endpoint-independent')).toBe('symmetric');
  });
});
