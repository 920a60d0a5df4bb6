// A cluster node restarting, draining or fenced closes its sockets with 1012: the SDK tries its
// rejoin at once, not after the backoff. SERVICE_UNAVAILABLE (the node's store unreachable) is
// retried with the backoff within a budget; every other refusal fails at once.
import { describe, expect, it } from 'vitest';
import { ManualClock, PunchthroughError, createSilentLogger } from '../../../core/index.js';
import { CloudLink, type CloudLinkHooks } from '../../../client-sdk/cloud-link.js';
import { RestoreState } from '../../../client-sdk/cloud-restore.js';
import { signalingClosed } from '../../../client-sdk/signaling.js';
import { retryUnavailable } from '../../../client-sdk/unavailable-retry.js';
import type { JoinResult } from '../../../src/protocol/index.js';

const settings = { enabled: true, initialDelayMs: 250, maxDelayMs: 2_000, timeoutMs: 120_000, restoreWaitMs: 30_000 };

function link() {
  const clock = new ManualClock();
  const state = new RestoreState();
  state.entered({ session: { sessionId: 's', name: 'g' }, actor: 2, peerId: 'p', mode: 'client', created: false, rejoinToken: 't' } as unknown as JoinResult);
  const tries: number[] = [];
  const hooks: CloudLinkHooks = {
    emit: () => undefined,
    stopped: () => false,
    connect: async () => {
      tries.push(clock.now());
      throw new PunchthroughError('CLOUD_UNREACHABLE', 'refused');
    },
    adopt: () => ({ start: new Promise(() => undefined), dispose: () => undefined }),
    rejoined: () => undefined,
    pairs: () => ({ peerIds: [], secretFor: () => undefined }),
    shutdown: () => undefined,
    random: () => 0.5,
  };
  return { clock, tries, cloudLink: new CloudLink({ clock, logger: createSilentLogger() }, settings, state, hooks) };
}

describe('cluster reconnect (SDK)', () => {
  it('a close with 1012 tries the rejoin at once; the next tries back off as usual', async () => {
    const { clock, tries, cloudLink } = link();
    cloudLink.lost(signalingClosed('1012 this node is draining', 1012));
    await clock.advanceAsync(0);
    expect(tries).toEqual([0]);
    // The second try: half to all of 2 × 250 ms (random 0.5: 375 ms).
    await clock.advanceAsync(374);
    expect(tries).toHaveLength(1);
    await clock.advanceAsync(1);
    expect(tries).toHaveLength(2);
    cloudLink.stop();
  });

  it('any other close waits the backoff before the first try', async () => {
    const { clock, tries, cloudLink } = link();
    cloudLink.lost(signalingClosed('1001 going away', 1001));
    await clock.advanceAsync(150);
    expect(tries).toEqual([]);
    await clock.advanceAsync(100);
    expect(tries).toHaveLength(1);
    cloudLink.stop();
  });

  it('SERVICE_UNAVAILABLE is retried with the backoff until it succeeds; other refusals fail at once', async () => {
    const clock = new ManualClock();
    const retry = { clock, random: () => 0.5, initialDelayMs: 250, maxDelayMs: 2_000, budgetMs: 10_000 };
    let calls = 0;
    const flaky = retryUnavailable(retry, async () => {
      calls += 1;
      if (calls < 3) throw new PunchthroughError('SERVICE_UNAVAILABLE', 'redis is paused');
      return 'joined';
    });
    await clock.advanceAsync(0);
    expect(calls).toBe(1);
    await clock.advanceAsync(188);
    expect(calls).toBe(2);
    await clock.advanceAsync(375);
    await expect(flaky).resolves.toBe('joined');
    expect(calls).toBe(3);
    await expect(retryUnavailable(retry, async () => Promise.reject(new PunchthroughError('SESSION_FULL', 'full')))).rejects.toMatchObject({ code: 'SESSION_FULL' });
  });

  it('gives up with SERVICE_UNAVAILABLE once the budget is spent', async () => {
    const clock = new ManualClock();
    const retry = { clock, random: () => 1, initialDelayMs: 250, maxDelayMs: 2_000, budgetMs: 3_000 };
    const never = retryUnavailable(retry, async () => Promise.reject(new PunchthroughError('SERVICE_UNAVAILABLE', 'down')));
    const outcome = never.then(
      () => 'resolved',
      (error: PunchthroughError) => error.code,
    );
    await clock.advanceAsync(5_000);
    expect(await outcome).toBe('SERVICE_UNAVAILABLE');
  });
});

