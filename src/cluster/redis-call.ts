/**
 * One Redis command with a deadline that covers the whole round trip. node-redis's own
 * `timeout` stops at the write (a command already sent to a paused server waits for ever), so
 * the deadline here races the reply; the late reply, if any, is read and discarded by the
 * client, which keeps replies aligned. Errors come out as SERVICE_UNAVAILABLE.
 */
import { ErrorReply } from '@redis/client';
import { PunchthroughError, type Clock } from '../../core/index.js';

/** What the cluster needs of a node-redis client (structural, so tests and wrappers fit). */
export interface RedisCommander {
  sendCommand(args: string[], options?: { timeout?: number }): Promise<unknown>;
}

export type RedisCall = (args: string[]) => Promise<unknown>;

/** A call that rejects with SERVICE_UNAVAILABLE after `timeoutMs` or on any client error. */
export function redisCall(client: RedisCommander, clock: Clock, timeoutMs: number): RedisCall {
  return (args) =>
    new Promise<unknown>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        reject(new PunchthroughError('SERVICE_UNAVAILABLE', `redis did not answer ${args[0]} within ${timeoutMs} ms`));
      }, timeoutMs);
      client.sendCommand(args, { timeout: timeoutMs }).then(
        (reply) => {
          clock.clearTimeout(timer);
          resolve(reply);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          // A script's own error reply (e.g. FENCED) is an answer, not an outage.
          if (error instanceof ErrorReply) return reject(error);
          reject(new PunchthroughError('SERVICE_UNAVAILABLE', `redis ${args[0]} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
        },
      );
    });
}

/** A stream entry id as two numbers, for ordering; undefined when malformed. */
export function parseStreamId(id: string): readonly [number, number] | undefined {
  const match = /^(\d{1,16})-(\d{1,16})$/.exec(id);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** Whether stream id `a` is before `b` (ids from parseStreamId). */
export function streamIdBefore(a: readonly [number, number], b: readonly [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
