// The START event's relay grant: the optional wsUrl is read when it is a ws:// or wss:// URL, refused otherwise, and its absence changes nothing.
import { describe, expect, it } from 'vitest';
import { EventType, validateServerMessage } from '../../../../src/protocol/index.js';

const start = (relay: Record<string, unknown>) => ({
  type: EventType.START,
  session: {
    sessionId: 's',
    name: 'room',
    maxPlayers: 4,
    open: true,
    visible: true,
    properties: {},
    lobbyKeys: [],
    playerTtlMs: 0,
    emptySessionTtlMs: 0,
    peers: [],
  },
  actor: 2,
  peerId: 'p',
  mode: 'client',
  stunServers: [],
  relay: { endpoint: { address: '203.0.113.1', port: 5055 }, ticket: new Uint8Array(40), expiresAtMs: Date.now() + 60_000, ...relay },
});

describe('the relay grant', () => {
  it('the test grant is valid as it stands (so each refusal below is the wsUrl\'s)', () => {
    expect(validateServerMessage(start({})).ok).toBe(true);
  });

  it('carries a ws:// or wss:// wsUrl', () => {
    for (const wsUrl of ['ws://203.0.113.1:7071/v1/relay', 'wss://play.example.com/v1/relay']) {
      const parsed = validateServerMessage(start({ wsUrl }));
      expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
      expect(parsed.ok && parsed.value.type === EventType.START && parsed.value.relay?.wsUrl).toBe(wsUrl);
    }
  });

  it('is the same grant without one', () => {
    const parsed = validateServerMessage(start({}));
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && parsed.value.type === EventType.START && parsed.value.relay).not.toHaveProperty('wsUrl');
  });

  it('refuses a wsUrl that is not a WebSocket URL, or too long', () => {
    for (const wsUrl of ['http://example.com/v1/relay', 'ws://', 'javascript:alert(1)', 42, `wss://${'a'.repeat(600)}.example`, 'ws://a b/']) {
      expect(validateServerMessage(start({ wsUrl })).ok).toBe(false);
    }
  });
});
