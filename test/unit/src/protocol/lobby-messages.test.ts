// The lobby's wire messages: LOBBY_SUBSCRIBE, its result and LOBBY_UPDATE, JOIN_RANDOM's `create`,
// and the session id in lobby entries, round-tripped and checked against hostile shapes.
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { EventType, ReplyType, RequestType, createSignalingCodec, type Request, type ServerMessage } from '../../../../src/protocol/index.js';

const codec = createSignalingCodec({ maxFrameBytes: 64 * 1024 });
const loose = new Packr({ useRecords: false });
const entry = { name: 'a', sessionId: 's1', players: 1, maxPlayers: 4, properties: { rank: 5, ok: true } };

describe('lobby messages', () => {
  it('round-trip', () => {
    const requests: Request[] = [
      { type: RequestType.LOBBY_SUBSCRIBE, id: 1 },
      { type: RequestType.LOBBY_SUBSCRIBE, id: 2, filter: { rank: 5 }, limit: 10 },
      { type: RequestType.LOBBY_SUBSCRIBE, id: 3, subscribe: false },
      { type: RequestType.JOIN_RANDOM, id: 4, filter: { q: 'duel' }, create: { name: 'n', maxPlayers: 2, properties: { x: 1 }, lobbyKeys: ['x'] } },
    ];
    for (const request of requests) expect(codec.decodeRequest(codec.encode(request))).toEqual({ ok: true, value: request });
    const messages: ServerMessage[] = [
      { type: ReplyType.RESPONSE, id: 1, request: RequestType.LOBBY_SUBSCRIBE, result: { sessions: [entry], more: true } },
      { type: ReplyType.RESPONSE, id: 2, request: RequestType.LIST, result: { sessions: [entry] } },
      { type: EventType.LOBBY_UPDATE, sessions: [entry] },
    ];
    for (const message of messages) expect(codec.decodeServerMessage(codec.encode(message))).toEqual({ ok: true, value: message });
  });

  it('takes a lobby entry without a session id (a service before it)', () => {
    const { sessionId: _omitted, ...old } = entry;
    expect(codec.decodeServerMessage(codec.encode({ type: EventType.LOBBY_UPDATE, sessions: [old] } as ServerMessage)).ok).toBe(true);
  });

  it('refuses hostile shapes', () => {
    const requests: unknown[] = [
      { type: RequestType.LOBBY_SUBSCRIBE, id: 1, limit: 0 },
      { type: RequestType.LOBBY_SUBSCRIBE, id: 1, limit: 1001 },
      { type: RequestType.LOBBY_SUBSCRIBE, id: 1, subscribe: 'yes' },
      { type: RequestType.LOBBY_SUBSCRIBE, id: 1, filter: { a: { nested: 1 } } },
      { type: RequestType.JOIN_RANDOM, id: 1, create: 'yes' },
      { type: RequestType.JOIN_RANDOM, id: 1, create: { maxPlayers: -1 } },
      { type: RequestType.JOIN_RANDOM, id: 1, create: { name: 'x'.repeat(300) } },
    ];
    for (const request of requests) expect(codec.decodeRequest(loose.pack(request)).ok, JSON.stringify(request)).toBe(false);
    const events: unknown[] = [
      { type: EventType.LOBBY_UPDATE },
      { type: EventType.LOBBY_UPDATE, sessions: [{ ...entry, players: -1 }] },
      { type: EventType.LOBBY_UPDATE, sessions: [{ ...entry, sessionId: 7 }] },
      { type: EventType.LOBBY_UPDATE, sessions: Array.from({ length: 1001 }, () => ({ name: 'a', players: 0, maxPlayers: 1, properties: {} })) },
    ];
    for (const event of events) expect(codec.decodeServerMessage(loose.pack(event)).ok).toBe(false);
  });
});
