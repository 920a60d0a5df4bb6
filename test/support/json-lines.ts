import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export type JsonLine = Record<string, unknown>;

export interface FollowedProcess {
  lines: JsonLine[];
  /** Resolves with the first stdout JSON line (seen so far or later) matching `predicate`. */
  waitFor(predicate: (line: JsonLine) => boolean, what: string): Promise<JsonLine>;
  stderr(): string;
}

/** Follows a child's JSON-lines stdout; waiting fails with its stderr if it exits first. */
export function followJsonLines(child: ChildProcessWithoutNullStreams): FollowedProcess {
  const lines: JsonLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let exited = false;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as JsonLine);
    } catch {
      lines.push({ raw: text });
    }
    for (const wake of [...waiters]) wake();
  });
  child.on('exit', () => {
    exited = true;
    for (const wake of [...waiters]) wake();
  });
  return {
    lines,
    stderr: () => stderr,
    waitFor(predicate, what) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find(predicate);
          if (found) {
            waiters.delete(check);
            resolve(found);
          } else if (exited) {
            waiters.delete(check);
            reject(new Error(`${what}: the process exited first; stderr:\n${stderr}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}
