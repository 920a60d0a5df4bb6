// The SDK's choice of relay carrier: WebSocket first only when forced and offered; a fall back only from UDP, only in auto, only on RELAY_TIMEOUT.
import { describe, expect, it } from 'vitest';
import { fallBackAfter, firstCarrier } from '../../../client-sdk/relay-transport.js';

const URL = 'ws://203.0.113.1:7071/v1/relay';

describe('relay carrier choice', () => {
  it('starts on the WebSocket only when forced and the grant names one', () => {
    expect(firstCarrier('websocket', URL)).toBe('websocket');
    expect(firstCarrier('websocket', undefined)).toBe('udp');
    expect(firstCarrier('auto', URL)).toBe('udp');
    expect(firstCarrier('udp', URL)).toBe('udp');
  });

  it('falls back in auto after a UDP bind with no answer, when offered a WebSocket', () => {
    expect(fallBackAfter({ mode: 'auto', wsUrl: URL, carrier: 'udp' }, 'RELAY_TIMEOUT')).toBe(true);
  });

  it('does not fall back on a refusal, without a wsUrl, in udp mode, or when already on the WebSocket', () => {
    for (const code of ['TICKET_INVALID', 'TICKET_EXPIRED', 'TICKET_REVOKED', 'RELAY_FULL', 'SESSION_FULL', 'UNSUPPORTED_VERSION'] as const) {
      expect(fallBackAfter({ mode: 'auto', wsUrl: URL, carrier: 'udp' }, code)).toBe(false);
    }
    expect(fallBackAfter({ mode: 'auto', wsUrl: undefined, carrier: 'udp' }, 'RELAY_TIMEOUT')).toBe(false);
    expect(fallBackAfter({ mode: 'udp', wsUrl: URL, carrier: 'udp' }, 'RELAY_TIMEOUT')).toBe(false);
    expect(fallBackAfter({ mode: 'auto', wsUrl: URL, carrier: 'websocket' }, 'RELAY_TIMEOUT')).toBe(false);
    expect(fallBackAfter({ mode: 'websocket', wsUrl: URL, carrier: 'websocket' }, 'RELAY_TIMEOUT')).toBe(false);
  });
});
