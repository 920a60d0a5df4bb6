import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI_PATH = fileURLToPath(new URL('../../bin/punchthrough.js', import.meta.url));

export interface SpawnedCli {
  child: ChildProcessWithoutNullStreams;
  /** Every stdout line parsed as JSON so far (non-JSON lines are kept as `{ raw }`). */
  lines: Array<Record<string, unknown>>;
  /** Resolves with the first stdout JSON line matching `predicate`. */
  waitFor(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (signal exits map to 128+n like a shell). */
  exited: Promise<number>;
  stderr(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code. */
  stop(): Promise<number>;
}

/** Spawns `punchthrough <args>` (the built bin) and follows its JSON-lines stdout. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): SpawnedCli {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      lines.push({ raw: line });
    }
    for (const wake of waiters) wake();
  });
  let done = false;
  const exited = new Promise<number>((resolve) => {
    // 'close' (not 'exit') so every stdout line has been read before waiters give up.
    child.on('close', (code, signal) => {
      done = true;
      resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15));
      for (const wake of waiters) wake();
    });
  });
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find(predicate);
          if (found) {
            cleanup();
            resolve(found);
          } else if (done) {
            cleanup();
            reject(new Error(`process exited before the expected line; stdout=${JSON.stringify(lines)} stderr=${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for a line; stdout=${JSON.stringify(lines)} stderr=${stderr}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (!done) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        const code = await exited;
        clearTimeout(killer);
        return code;
      }
      return exited;
    },
  };
}

/** `punchthrough cloud --json` on 127.0.0.1 with every port chosen by the kernel. */
export function spawnLoopbackCloud(): SpawnedCli {
  return spawnCli(['cloud', '--host', '127.0.0.1', '--http-port', '0', '--stun-port', '0', '--stun-alt-port', '0', '--relay-port', '0', '--json']);
}
