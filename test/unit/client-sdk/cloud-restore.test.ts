// What a runner keeps to come back to a lost cloud: the reconnect options (checked), the restore
// token and proof, the session's current settings and the pair secrets (bounded).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveReconnect } from '../../../client-sdk/options.js';
import { RestoreState, restoreProofOf, restoreTokenOf } from '../../../client-sdk/cloud-restore.js';
import { MAX_RESTORE_SECRETS_PER_PEER } from '../../../client-sdk/constants.js';
import { EventType, RequestType, type Event, type JoinResult } from '../../../src/protocol/index.js';

const joined: JoinResult = {
  session: {
    sessionId: 'sid',
    name: 'room',
    maxPlayers: 3,
    open: true,
    visible: true,
    properties: { map: 'dust', mode: 'ctf' },
    lobbyKeys: ['map'],
    playerTtlMs: 0,
    emptySessionTtlMs: 0,
    peers: [],
  },
  actor: 1,
  peerId: 'host',
  mode: 'server',
  created: true,
  rejoinToken: 't',
};

const secret = (n: number) => new Uint8Array(32).fill(n);
const addresses = (peerId: string, actor: number, pairSecret: Uint8Array): Event => ({
  type: EventType.PEER_ADDRESSES,
  peerId,
  actor,
  mode: 'client',
  local: [],
  pairSecret,
});

describe('cloud reconnect options', () => {
  it('defaults, and INVALID_OPTIONS naming the field', () => {
    expect(resolveReconnect()).toEqual({ enabled: true, initialDelayMs: 250, maxDelayMs: 2_000, timeoutMs: 120_000, restoreWaitMs: 30_000 });
    expect(() => resolveReconnect({ timeoutMs: 0 })).toThrow(/cloudReconnect\.timeoutMs/);
    expect(() => resolveReconnect({ initialDelayMs: Number.NaN })).toThrow(/cloudReconnect\.initialDelayMs/);
    expect(() => resolveReconnect({ initialDelayMs: 5_000, maxDelayMs: 1_000 })).toThrow(/cloudReconnect\.maxDelayMs/);
    expect(() => resolveReconnect({ enabled: 'yes' as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});

describe('restore token', () => {
  it('is derived from the pair secret (not the secret itself); the proof is its SHA-256', () => {
    const token = restoreTokenOf(secret(1));
    expect(token).toHaveLength(32);
    expect(Buffer.from(token).equals(Buffer.from(secret(1)))).toBe(false);
    expect(Buffer.from(restoreTokenOf(secret(1))).equals(Buffer.from(token))).toBe(true);
    expect(Buffer.from(restoreTokenOf(secret(2))).equals(Buffer.from(token))).toBe(false);
    expect(Buffer.from(restoreProofOf(secret(1)))).toEqual(createHash('sha256').update(token).digest());
  });
});

describe('RestoreState', () => {
  it('restores the session as the events left it, with the clients whose link secret it knows', () => {
    const state = new RestoreState();
    state.entered(joined);
    state.observe({ type: EventType.PROPERTIES_CHANGED, actor: 1, properties: { mode: null, round: 2 }, lobbyKeys: ['map', 'round'], open: false, visible: true });
    state.observe(addresses('c2', 2, secret(2)));
    state.observe(addresses('c3', 3, secret(3)));
    state.observe(addresses('c4', 4, secret(4)));
    state.observe({ type: EventType.PEER_LEFT, peerId: 'c4', actor: 4, reason: 'left' });
    const inUse = (peerId: string) => state.secretOf(peerId, (s) => s[0] !== 3);
    const body = state.restoreRequest(['c2', 'c3', 'c4'], inUse)!;
    expect(body).toMatchObject({
      type: RequestType.RESTORE,
      sessionId: 'sid',
      name: 'room',
      peerId: 'host',
      maxPlayers: 3,
      open: false,
      properties: { map: 'dust', round: 2 },
      lobbyKeys: ['map', 'round'],
    });
    expect(body.clients).toEqual([{ actor: 2, peerId: 'c2', proof: restoreProofOf(secret(2)) }]);
  });

  it('keeps at most MAX_RESTORE_SECRETS_PER_PEER secrets per peer, the newest', () => {
    const state = new RestoreState();
    for (let n = 1; n <= 10; n++) state.observe(addresses('c2', 2, secret(n)));
    expect(state.secretOf('c2', (s) => s[0] === 10 - MAX_RESTORE_SECRETS_PER_PEER + 1)).toBeDefined();
    expect(state.secretOf('c2', (s) => s[0] === 10 - MAX_RESTORE_SECRETS_PER_PEER)).toBeUndefined();
  });
});
