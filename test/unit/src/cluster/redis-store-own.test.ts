// The Redis store's own-events path against a scripted client: what a commit reply without an inbox id, or no reply at all, does to the bus.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEnv, isPunchthroughError } from '../../../../core/index.js';
import { createRedisSessionStore, encodeSession, type OwnDeliveries, type RedisCommander } from '../../../../src/cluster/index.js';
import { admit } from '../../../../src/session/model.js';
import { placeOn } from '../../../../src/session/placement.js';
import { made } from '../../../support/session-store-conformance.js';

const entrant = (peerId: string) => ({ mode: 'client' as const, peerId, rejoinToken: `r-${peerId}`, pairSecret: new Uint8Array(32).fill(7) });

/** A session whose host is on node `a`, as the record a read returns. */
function hostedOnA() {
  const session = made('s1');
  return { ...session, members: session.members.map((m) => ({ ...m, node: 'a' })) };
}

/** A client that answers reads with the record and each commit with `commitReply` (undefined: never). */
function scripted(commitReply: unknown): RedisCommander {
  const record = encodeSession(hostedOnA());
  return {
    sendCommand: (args) => {
      if (args[1] === 'pt_get') return Promise.resolve([1, record]);
      if (args[1] === 'pt_commit') return commitReply === undefined ? new Promise(() => undefined) : Promise.resolve(commitReply);
      return Promise.reject(new Error(`unexpected ${args.join(' ')}`));
    },
  };
}

function recorder() {
  const calls: string[] = [];
  const own: OwnDeliveries = {
    ownSending: (sessionId) => void calls.push(`sending ${sessionId}`),
    deliverOwn: (sessionId, version, after, deliveries) => void calls.push(`own ${sessionId} v${version} after ${after} actors ${deliveries.map((d) => d.actor).join(',')}`),
    ownSettled: (sessionId, lost) => void calls.push(`settled ${sessionId} lost=${lost}`),
  };
  return { calls, own };
}

const joinOnA = (s: Parameters<typeof admit>[0]) => placeOn(admit(s, entrant('c1'), 0), 'a');

describe('redis store: own events', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a reply without an inbox id (a library of an earlier release) still hands the events over, unordered rather than lost', async () => {
    const { calls, own } = recorder();
    const store = await createRedisSessionStore(createEnv(), { client: scripted([2]), nodeId: 'a', incarnation: 'i', loadLibrary: false, own });
    await store.change('s1', joinOnA);
    expect(calls).toEqual(['sending s1', 'own s1 v2 after 0-0 actors 1']);
  });

  it('a commit that never answers fails its request in time and, past the wait, counts as lost (the members rejoin); a refusal settles unlost', async () => {
    vi.useFakeTimers();
    const { calls, own } = recorder();
    const store = await createRedisSessionStore(createEnv(), { client: scripted(undefined), nodeId: 'a', incarnation: 'i', loadLibrary: false, own, commandTimeoutMs: 1_000, ownReplyMaxWaitMs: 5_000 });
    const failed = store.change('s1', joinOnA).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await failed;
    expect(isPunchthroughError(error) && error.code).toBe('SERVICE_UNAVAILABLE');
    expect(calls).toEqual(['sending s1']);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(calls).toEqual(['sending s1', 'settled s1 lost=true']);
    vi.useRealTimers();

    const refused = recorder();
    const missing = await createRedisSessionStore(createEnv(), { client: scripted([-3]), nodeId: 'a', incarnation: 'i', loadLibrary: false, own: refused.own });
    expect(await missing.change('s1', joinOnA)).toBeUndefined();
    expect(refused.calls).toEqual(['sending s1', 'settled s1 lost=false']);
  });
});
