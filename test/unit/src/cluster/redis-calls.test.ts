// createCaller's failure rules and its observer: what a caller learns of a command it already gave up on.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isPunchthroughError } from '../../../../core/index.js';
import { createCaller, type RedisCommander } from '../../../../src/cluster/redis-calls.js';

// Stand-ins named like node-redis's error classes (the caller knows them by name only).
class ErrorReply extends Error {}
class ClientOfflineError extends Error {}
class SocketClosedUnexpectedlyError extends Error {}

/** A client whose next command settles when the test says so. */
function pendingClient(): { client: RedisCommander; answer(reply: unknown): void; fail(error: Error): void } {
  let settle: { resolve(reply: unknown): void; reject(error: Error): void } | undefined;
  return {
    client: { sendCommand: () => new Promise((resolve, reject) => void (settle = { resolve, reject })) },
    answer: (reply) => settle!.resolve(reply),
    fail: (error) => settle!.reject(error),
  };
}

describe('createCaller', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows the observer the reply before the call resolves, and a reply that came after the timeout', async () => {
    vi.useFakeTimers();
    const seen: Array<[unknown, boolean]> = [];
    const { client, answer } = pendingClient();
    const call = createCaller(client, 1_000).fcall('pt_commit', ['x'], (reply, lost) => void seen.push([reply, lost]));
    const outcome = call.then(
      () => 'resolved',
      (error: unknown) => (isPunchthroughError(error) ? error.code : 'other'),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await outcome).toBe('SERVICE_UNAVAILABLE');
    expect(seen).toEqual([]);
    answer([7, '0-0']);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([[[7, '0-0'], false]]);
  });

  it('tells a command that may have run (connection lost) from one that did not (an error reply, a client offline)', async () => {
    const cases: Array<[Error, boolean, string]> = [
      [new SocketClosedUnexpectedlyError('socket closed'), true, 'SERVICE_UNAVAILABLE'],
      [new ClientOfflineError('offline'), false, 'SERVICE_UNAVAILABLE'],
      [new ErrorReply('ERR in script'), false, 'ERR in script'],
    ];
    for (const [error, lost, rejected] of cases) {
      const seen: Array<[unknown, boolean]> = [];
      const { client, fail } = pendingClient();
      const call = createCaller(client, 1_000).call(['FCALL'], (reply, wasLost) => void seen.push([reply, wasLost]));
      fail(error);
      const reason = await call.catch((e: unknown) => e);
      expect(isPunchthroughError(reason) ? reason.code : (reason as Error).message).toBe(rejected);
      expect(seen).toEqual([[undefined, lost]]);
    }
  });
});
