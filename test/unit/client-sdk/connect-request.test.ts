// The server's connect-request gate on a ManualClock: addresses wait for the game's decision,
// the newest addresses start the pair on an accept, a refusal asks for a kick, stale decisions
// (the client left meanwhile) are dropped, and a callback that throws, answers oddly or too late
// refuses.
import { describe, expect, it } from 'vitest';
import { ManualClock, createSilentLogger, flushAsync } from '../../../core/index.js';
import { EventType, type PeerAddressesEvent } from '../../../src/protocol/index.js';
import { ConnectRequests } from '../../../client-sdk/connect-request.js';
import { CONNECT_REQUEST_TIMEOUT_MS } from '../../../client-sdk/constants.js';
import type { ConnectRequestHandler } from '../../../client-sdk/types.js';

function addresses(peerId: string, actor: number, port = 5000, token?: Uint8Array): PeerAddressesEvent {
  return {
    type: EventType.PEER_ADDRESSES,
    peerId,
    actor,
    mode: 'client',
    local: [{ address: '10.0.0.2', port }],
    pairSecret: new Uint8Array(32),
    ...(token ? { connectionToken: token } : {}),
  };
}

function gate(handler: ConnectRequestHandler | undefined) {
  const clock = new ManualClock();
  const applied: { peerId: string; port: number; at: number }[] = [];
  const refused: { actor: number; reason: string }[] = [];
  const requests = new ConnectRequests({ clock, logger: createSilentLogger() }, handler, {
    apply: (event, at) => void applied.push({ peerId: event.peerId, port: event.local[0]!.port, at }),
    refuse: (actor, _peerId, reason) => void refused.push({ actor, reason }),
    stopped: () => false,
  });
  return { clock, requests, applied, refused };
}

describe('connect requests', () => {
  it('without a callback every client passes at once, and the server always does', () => {
    const { requests, applied } = gate(undefined);
    requests.addresses(addresses('a', 2), 0);
    expect(applied).toEqual([{ peerId: 'a', port: 5000, at: 0 }]);
    const guarded = gate(() => false);
    guarded.requests.addresses({ ...addresses('srv', 1), mode: 'server' }, 0);
    expect(guarded.applied).toHaveLength(1);
  });

  it('holds the addresses until an accept, then starts the pair with the newest at the accept time', async () => {
    let decide: (value: boolean) => void = () => undefined;
    const seen: unknown[] = [];
    const { clock, requests, applied } = gate((request) => {
      seen.push(request);
      return new Promise<boolean>((resolve) => (decide = resolve));
    });
    requests.addresses(addresses('a', 2, 5000, Uint8Array.of(4)), 0);
    clock.advance(100);
    requests.addresses(addresses('a', 2, 6000), 100);
    await flushAsync();
    expect(applied).toEqual([]);
    expect(seen).toEqual([{ peerId: 'a', actor: 2, token: Uint8Array.of(4) }]);
    decide(true);
    await flushAsync();
    expect(applied).toEqual([{ peerId: 'a', port: 6000, at: 100 }]);
    requests.addresses(addresses('a', 2, 7000), 200);
    expect(applied.map((a) => a.port)).toEqual([6000, 7000]);
  });

  it('refuses with the reason, and nothing more goes to the refused client', async () => {
    const { requests, applied, refused } = gate(() => ({ accept: false, reason: 'full of cheaters' }));
    requests.addresses(addresses('a', 2), 0);
    await flushAsync();
    requests.addresses(addresses('a', 2, 6000), 0);
    expect(refused).toEqual([{ actor: 2, reason: 'full of cheaters' }]);
    expect(applied).toEqual([]);
  });

  it('a throwing callback, an odd answer and a silent one all refuse; the silent one after the time bound', async () => {
    const answers: Record<number, () => unknown> = {
      2: () => {
        throw new Error('boom');
      },
      3: () => 'yes',
      4: () => new Promise(() => undefined),
      5: () => ({ accept: false, reason: 42 }),
    };
    const { clock, requests, refused } = gate(({ actor }) => answers[actor]!() as boolean);
    for (const actor of [2, 3, 4, 5]) requests.addresses(addresses(`p${actor}`, actor), 0);
    await flushAsync();
    expect(refused.map((r) => r.actor).sort()).toEqual([2, 3, 5]);
    expect(refused.find((r) => r.actor === 5)!.reason).toBe('');
    clock.advance(CONNECT_REQUEST_TIMEOUT_MS - 1);
    await flushAsync();
    expect(refused).toHaveLength(3);
    clock.advance(1);
    await flushAsync();
    expect(refused.map((r) => r.actor)).toContain(4);
  });

  it('drops a decision about a client that left meanwhile; its return is asked again', async () => {
    const deciders: ((value: boolean) => void)[] = [];
    const { requests, applied } = gate(() => new Promise<boolean>((resolve) => deciders.push(resolve)));
    requests.addresses(addresses('a', 2, 5000), 0);
    await flushAsync();
    requests.forget('a');
    requests.addresses(addresses('a', 2, 6000), 0);
    await flushAsync();
    deciders[0]!(true);
    await flushAsync();
    expect(applied).toEqual([]);
    deciders[1]!(true);
    await flushAsync();
    expect(applied.map((a) => a.port)).toEqual([6000]);
  });
});
