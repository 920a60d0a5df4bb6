// X25519 key generation never deadlocks the process: Node 20's JWK export of a generated key could hang forever when a garbage collection ran inside it (client-sdk/peer/key-schedule.ts says why); a child process generates keys in a tight loop and must finish.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROUNDS = 100_000;
/**
 * ~7 s here. A 1 MiB young generation makes collections frequent, so some land inside the key
 * calls: with the old export, 3 runs of 4 hung (one of 4 with the default size).
 */
const DEADLINE_MS = 50_000;

describe('ephemeral key generation under garbage collection', () => {
  it(`generates ${ROUNDS} key pairs without hanging`, async () => {
    const child = spawn(process.execPath, ['--max-semi-space-size=1', '--import', 'tsx', fileURLToPath(new URL('../../support/key-churn.ts', import.meta.url)), String(ROUNDS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    clearTimeout(timer);
    expect({ code, signal, out }, 'the child hung (killed at the deadline) or failed').toEqual({ code: 0, signal: null, out: 'done\n' });
  }, DEADLINE_MS + 10_000);
});
