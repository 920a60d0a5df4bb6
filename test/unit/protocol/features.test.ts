// Hello's features: a peer gets an error code newer than the first release only when it said it understands it.
import { describe, expect, it } from 'vitest';
import { EventType, Feature, RequestType, codeForPeer, eventForPeer, validateRequest, validateServerMessage } from '../../../src/protocol/index.js';

describe('protocol features', () => {
  it('a first-release code goes to every peer as it is', () => {
    expect(codeForPeer('SESSION_FULL', 'full', undefined)).toEqual({ code: 'SESSION_FULL', message: 'full' });
    expect(codeForPeer('SESSION_FULL', 'full', new Set())).toEqual({ code: 'SESSION_FULL', message: 'full' });
  });

  it('a newer code reaches a peer without codes-v2 as INVALID_REQUEST naming it', () => {
    expect(codeForPeer('AUTH_REQUIRED', 'send credentials', new Set())).toEqual({ code: 'INVALID_REQUEST', message: 'AUTH_REQUIRED: send credentials' });
    expect(codeForPeer('AUTH_REQUIRED', 'send credentials', new Set([Feature.CODES_V2]))).toEqual({ code: 'AUTH_REQUIRED', message: 'send credentials' });
  });

  it('hello accepts a bounded list of feature names, unknown ones included', () => {
    const hello = { type: RequestType.HELLO, id: 1, appId: 'a', appVersion: '1', protocolVersion: 1 };
    expect(validateRequest({ ...hello, features: ['codes-v2', 'from-the-future'] }).ok).toBe(true);
    expect(validateRequest({ ...hello, features: ['Bad Name'] }).ok).toBe(false);
    expect(validateRequest({ ...hello, features: Array.from({ length: 17 }, () => 'x') }).ok).toBe(false);
    expect(validateRequest({ ...hello, features: 'codes-v2' }).ok).toBe(false);
  });
});

describe('RELAY_CHANGED (42)', () => {
  const event = {
    type: EventType.RELAY_CHANGED,
    relay: { endpoint: { address: '10.0.0.2', port: 5056 }, ticket: new Uint8Array(40), expiresAtMs: 1_700_000_000_000, wsUrl: 'wss://relay.example/v1/relay' },
    reason: 'failover',
  } as const;

  it('is sent only to peers that announced relay-changed', () => {
    expect(eventForPeer(event, new Set([Feature.RELAY_CHANGED]))).toBe(event);
    expect(eventForPeer(event, new Set([Feature.CODES_V2, Feature.PLUGIN_EVENTS]))).toBeUndefined();
    expect(eventForPeer(event, undefined)).toBeUndefined();
  });

  it('validates: a grant as in START and a known reason', () => {
    expect(validateServerMessage(event).ok).toBe(true);
    expect(validateServerMessage({ ...event, reason: 'drain' }).ok).toBe(true);
    expect(validateServerMessage({ ...event, reason: 'whim' }).ok).toBe(false);
    expect(validateServerMessage({ ...event, relay: { ...event.relay, endpoint: 'nowhere' } }).ok).toBe(false);
    expect(validateServerMessage({ type: EventType.RELAY_CHANGED, reason: 'drain' }).ok).toBe(false);
  });
});
