import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  EventType,
  PROTOCOL_VERSION,
  ReplyType,
  RequestType,
  createSignalingCodec,
  isDecodeError,
  type Request,
  type ServerMessage,
} from '../../../../src/protocol/index.js';

const codec = createSignalingCodec({ maxFrameBytes: 16 * 1024 });
const loose = new Packr({ useRecords: false });

describe('signaling codec', () => {
  it('round-trips every request type', () => {
    const requests: Request[] = [
      { type: RequestType.HELLO, id: 1, appId: 'game', appVersion: '1.0', protocolVersion: PROTOCOL_VERSION },
      { type: RequestType.CREATE, id: 2, name: 'room', maxPlayers: 4, properties: { map: 'a', n: 1 }, lobbyKeys: ['map'] },
      { type: RequestType.JOIN, id: 3, name: 'room', createIfNotExists: true },
      { type: RequestType.JOIN_RANDOM, id: 4, filter: { map: 'a' } },
      { type: RequestType.REJOIN, id: 5, sessionId: 's1', actor: 2, rejoinToken: 'x' },
      { type: RequestType.LEAVE, id: 6 },
      { type: RequestType.LIST, id: 7, limit: 10 },
      { type: RequestType.SET_PROPERTIES, id: 8, properties: { a: null }, expected: { a: 1 } },
      {
        type: RequestType.REPORT_ADDRESSES,
        id: 9,
        local: [{ address: '192.168.1.2', port: 5000 }],
        reflexive: { address: '::1', port: 6000 },
        natType: 'symmetric',
      },
      { type: RequestType.CONNECTED, id: 10, peerId: 'p', path: 'direct', ms: 12.5 },
    ];
    for (const request of requests) {
      const decoded = codec.decodeRequest(codec.encode(request));
      expect(decoded).toEqual({ ok: true, value: request });
    }
  });

  it('round-trips replies and events', () => {
    const messages: ServerMessage[] = [
      { type: ReplyType.RESPONSE, id: 1, request: RequestType.HELLO, result: { protocolVersion: 1, maxFrameBytes: 100 } },
      { type: ReplyType.ERROR, id: 2, code: 'SESSION_FULL', message: 'full' },
      { type: ReplyType.ERROR, code: 'INVALID_REQUEST', message: 'no id' },
      {
        type: EventType.PEER_ADDRESSES,
        peerId: 'p',
        actor: 2,
        mode: 'client',
        local: [{ address: '10.0.0.1', port: 1 }],
        pairSecret: new Uint8Array(32).fill(3),
      },
      { type: EventType.SESSION_CLOSED, sessionId: 's', reason: 'serverLeft' },
      { type: EventType.RELAY_TICKET, ticket: new Uint8Array(48).fill(7), expiresAtMs: 1_800_000_000_000 },
    ];
    for (const message of messages) {
      const decoded = codec.decodeServerMessage(codec.encode(message));
      expect(decoded.ok).toBe(true);
      if (decoded.ok) expect(decoded.value).toEqual(message);
    }
  });

  it('takes a pair secret of exactly 32 bytes in PEER_ADDRESSES', () => {
    const event = { type: EventType.PEER_ADDRESSES, peerId: 'p', actor: 2, mode: 'client', local: [] };
    expect(codec.decodeServerMessage(codec.encode({ ...event, pairSecret: new Uint8Array(32) } as ServerMessage)).ok).toBe(true);
    for (const size of [0, 16, 31, 33]) {
      expect(codec.decodeServerMessage(codec.encode({ ...event, pairSecret: new Uint8Array(size) } as ServerMessage)).ok, `${size}`).toBe(false);
    }
  });

  it('checks a RELAY_TICKET: a bounded binary ticket and an epoch expiry', () => {
    const event = { type: EventType.RELAY_TICKET, ticket: new Uint8Array(48), expiresAtMs: 1 };
    expect(codec.decodeServerMessage(codec.encode(event as ServerMessage)).ok).toBe(true);
    for (const bad of [{ ticket: 'text' }, { ticket: new Uint8Array(4096) }, { expiresAtMs: -1 }, { expiresAtMs: 1.5 }, { ticket: undefined }]) {
      expect(codec.decodeServerMessage(loose.pack({ ...event, ...bad })).ok, JSON.stringify(bad)).toBe(false);
    }
  });

  it('reports the id of a request that fails validation', () => {
    const decoded = codec.decodeRequest(loose.pack({ type: RequestType.CREATE, id: 7, maxPlayers: 'four' }));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', id: 7 } });
    if (!decoded.ok) expect(decoded.error.message).toContain('maxPlayers');
  });

  it('rejects unknown types, non-maps, bad endpoints and extension values', () => {
    const cases: unknown[] = [
      { type: 99, id: 1 },
      { type: '__proto__', id: 1 },
      [1, 2, 3],
      'hello',
      { type: RequestType.REPORT_ADDRESSES, id: 1, local: [{ address: 'example.com', port: 1 }] },
      { type: RequestType.REPORT_ADDRESSES, id: 1, local: [{ address: '1.2.3.4', port: 70000 }] },
      { type: RequestType.JOIN_RANDOM, id: 1, filter: { a: new Set([1]) } },
      { type: RequestType.JOIN_RANDOM, id: 1, filter: { a: { nested: 1 } } },
      { type: RequestType.LEAVE, id: 0 },
      { type: RequestType.LEAVE, id: 2 ** 40 },
    ];
    for (const value of cases) {
      const decoded = codec.decodeRequest(loose.pack(value));
      expect(decoded.ok, JSON.stringify(value)).toBe(false);
      if (!decoded.ok) expect(isDecodeError(decoded.error)).toBe(false);
    }
  });

  it('treats unparseable and oversized frames as decode errors', () => {
    const small = createSignalingCodec({ maxFrameBytes: 8 });
    const tooLarge = small.decode(new Uint8Array(9));
    expect(tooLarge).toMatchObject({ ok: false, error: { kind: 'frameTooLarge' } });
    for (const frame of [new Uint8Array([0x92, 0x01]), new Uint8Array(0), Uint8Array.of(0x01, 0x02)]) {
      const decoded = codec.decode(frame);
      expect(decoded.ok, Buffer.from(frame).toString('hex')).toBe(false);
    }
    const deep = new Uint8Array(16 * 1024).fill(0x91);
    expect(codec.decode(deep).ok).toBe(false);
    // Decodable but not a map: a validation error, answered rather than closed.
    const notAMap = codec.decodeRequest(Uint8Array.of(0x2a));
    expect(notAMap.ok).toBe(false);
    if (!notAMap.ok) expect(isDecodeError(notAMap.error)).toBe(false);
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (frame) => {
        codec.decodeRequest(frame);
        codec.decodeServerMessage(frame);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary msgpack values', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3 }), (value) => {
        let frame: Uint8Array;
        try {
          frame = loose.pack(value);
        } catch {
          return;
        }
        codec.decodeRequest(frame);
        codec.decodeServerMessage(frame);
      }),
      { numRuns: 1000 },
    );
  });
});
