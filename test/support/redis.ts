// A private redis-server per test file: temp directory, unix socket only, no persistence, killed on exit.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type RedisClientType } from '@redis/client';

/** Debian's package path (`apt-get install redis-server`; .ci/run installs it). */
export const REDIS_SERVER = '/usr/bin/redis-server';

export const REDIS_MISSING = `redis-server is not installed at ${REDIS_SERVER} (apt-get install redis-server); .ci/run installs it so this runs in CI`;

/** True when the redis-server binary is there and runs. */
export function redisAvailable(): boolean {
  return existsSync(REDIS_SERVER) && spawnSync(REDIS_SERVER, ['--version']).status === 0;
}

export type TestRedisClient = RedisClientType;

export interface TestRedis {
  /** The unix socket it listens on (no TCP: `--port 0`). */
  socketPath: string;
  /** Its process id (for SIGSTOP/SIGCONT tests and the no-orphan check). */
  pid: number;
  child: ChildProcess;
  /** A connected client (RESP3, as the product uses); closed by stop() if not before. */
  client(options?: { commandTimeoutMs?: number; disableOfflineQueue?: boolean }): Promise<TestRedisClient>;
  /** Every key matching `pattern` (SCAN, not KEYS), sorted. */
  keys(pattern?: string): Promise<string[]>;
  /** FLUSHALL: a clean database between tests of one file. */
  flush(): Promise<void>;
  /** Closes the clients, SIGTERM then SIGKILL, removes the directory. Idempotent. */
  stop(): Promise<void>;
}

/** One PING over a raw socket: resolves true on +PONG. */
function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'punchthrough-redis-'));
  const socketPath = join(dir, 'redis.sock');
  const args = ['--port', '0', '--unixsocket', socketPath, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'];
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A test runner that dies without calling stop() must not leave a server behind.
  const onExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  const clients: TestRedisClient[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.all(clients.map((c) => (c.isOpen ? c.close().catch(() => undefined) : undefined)));
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT'); // a test may have paused it
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(killer);
      }
      process.off('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    })());

  // Ready when it answers PING: poll the socket instead of sleeping a guessed startup time.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`redis-server exited before answering:\n${output}`);
    }
    if (existsSync(socketPath) && (await ping(socketPath))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not answer PING within 10 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  const client = async (options: { commandTimeoutMs?: number; disableOfflineQueue?: boolean } = {}): Promise<TestRedisClient> => {
    const made = createClient({
      socket: { path: socketPath, reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 500) },
      RESP: 3,
      ...(options.disableOfflineQueue ? { disableOfflineQueue: true } : {}),
      ...(options.commandTimeoutMs === undefined ? {} : { commandOptions: { timeout: options.commandTimeoutMs } }),
    }) as unknown as TestRedisClient;
    made.on('error', () => undefined); // reconnects are the client's business; tests assert on replies
    await made.connect();
    clients.push(made);
    return made;
  };

  let admin: TestRedisClient | undefined;
  const adminClient = async (): Promise<TestRedisClient> => (admin ??= await client());
  return {
    socketPath,
    pid: child.pid!,
    child,
    client,
    async keys(pattern = '*') {
      const c = await adminClient();
      const found: string[] = [];
      for await (const batch of c.scanIterator({ MATCH: pattern, COUNT: 1000 })) found.push(...batch);
      return found.sort();
    },
    async flush() {
      await (await adminClient()).flushAll();
    },
    stop,
  };
}
