/** Calls to Redis with the cluster's failure rules: a timeout or lost connection is SERVICE_UNAVAILABLE, a refused lease is FENCED. */
import { PunchthroughError } from '../../core/index.js';
import { FUNCTION_LIBRARY, REDIS_COMMAND_TIMEOUT_MS } from './constants.js';
import { LUA_LIBRARY } from './lua-library.js';

/**
 * What the store needs of a Redis client: `sendCommand` of @redis/client (5.x/6.x). Structural, so
 * this module never imports the client (cluster mode loads it with a dynamic import). Replies
 * are RESP3 as the client maps them: strings, numbers, arrays, null.
 */
export interface RedisCommander {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * This node lost its lease (or another incarnation holds it): nothing was written. The client
 * gets SERVICE_UNAVAILABLE (retryable): the session is intact and its retry, on this node once it
 * has registered again or on another, can succeed.
 */
export class FencedError extends PunchthroughError {
  readonly fenced = true;
  constructor(node: string) {
    super('SERVICE_UNAVAILABLE', `node ${node} is fenced: its lease is gone or held by another incarnation; nothing was written`);
    this.name = 'FencedError';
  }
}

/** Whether `error` is a fence refusal: the node must stop serving and re-register (new incarnation). */
export function isFenced(error: unknown): error is FencedError {
  return error instanceof FencedError;
}

/** Whether `error` is of one of node-redis's error classes, found by class name (this module never imports the client). */
function isOfClass(error: unknown, names: readonly string[]): boolean {
  for (let proto = error === null || typeof error !== 'object' ? null : Object.getPrototypeOf(error); proto; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name !== undefined && names.includes(name)) return true;
  }
  return false;
}

/** The server answered with an error: a bug, not an outage. */
const isErrorReply = (error: unknown): boolean => isOfClass(error, ['ErrorReply']);

/** The client refused the command without sending it (closed, or offline with no queue). */
const neverSent = (error: unknown): boolean => isOfClass(error, ['ClientClosedError', 'ClientOfflineError']);

/**
 * Sees a command's outcome even after the caller's timeout (a write Redis ran late still has
 * consequences: a commit's own events), before the call settles: the reply, or undefined with
 * `lost` true when the connection failed with the command unanswered (it may have run), false
 * when Redis answered with an error or the client refused to send it.
 */
export type CallObserver = (reply: unknown, lost: boolean) => void;

/** Runs the observer; its failure must not change the command's outcome (a landed write stays landed). */
function observe(observer: CallObserver | undefined, reply: unknown, lost: boolean): void {
  try {
    observer?.(reply, lost);
  } catch {
    // The observer's own bug: nothing here can report it better than leaving the outcome alone.
  }
}

export interface Caller {
  /** One command; rejects with SERVICE_UNAVAILABLE on a timeout or a lost connection. */
  call(args: string[], observer?: CallObserver): Promise<unknown>;
  /** FCALL of a library function with no declared keys. */
  fcall(name: string, args: readonly string[], observer?: CallObserver): Promise<unknown>;
  fcallRo(name: string, args: readonly string[]): Promise<unknown>;
}

/**
 * Wraps the client: each command races a timer (the client's own timeout may be longer or off),
 * so a request never waits on Redis more than `timeoutMs`. Real timers on purpose: Redis's
 * deadline is real time whatever clock the service's tests drive.
 */
export function createCaller(client: RedisCommander, timeoutMs: number = REDIS_COMMAND_TIMEOUT_MS): Caller {
  const call = (args: string[], observer?: CallObserver): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new PunchthroughError('SERVICE_UNAVAILABLE', `redis did not answer ${args[0]} within ${timeoutMs} ms`)), timeoutMs);
      timer.unref?.();
      client.sendCommand(args).then(
        (reply) => {
          clearTimeout(timer);
          observe(observer, reply, false);
          resolve(reply);
        },
        (error: unknown) => {
          clearTimeout(timer);
          const refused = isErrorReply(error);
          observe(observer, undefined, !refused && !neverSent(error));
          if (refused) return reject(error instanceof Error ? error : new Error(String(error)));
          reject(new PunchthroughError('SERVICE_UNAVAILABLE', `redis is unreachable (${error instanceof Error ? error.message : String(error)})`, { cause: error }));
        },
      );
    });
  return {
    call,
    fcall: (name, args, observer) => call(['FCALL', name, '0', ...args], observer),
    fcallRo: (name, args) => call(['FCALL_RO', name, '0', ...args]),
  };
}

/** Loads (or replaces) the Functions library: at start, before the first call. */
export async function loadLibrary(client: RedisCommander): Promise<void> {
  const loaded = await createCaller(client, 5_000).call(['FUNCTION', 'LOAD', 'REPLACE', LUA_LIBRARY]);
  if (loaded !== FUNCTION_LIBRARY) throw new Error(`redis loaded ${String(loaded)} instead of ${FUNCTION_LIBRARY}`);
}
