// CLI output: command events as JSON lines (--json) or readable lines, plus key=value flag parsing.
import type { Writable } from 'node:stream';
import { isPunchthroughError } from '../core/index.js';
import { UsageError, writeJson } from './io.js';

/**
 * One place that turns command events into output: a JSON object per line with --json,
 * otherwise a readable line (colored only on a TTY and never with NO_COLOR).
 */
export interface Output {
  readonly json: boolean;
  event(event: Record<string, unknown> & { event: string }, human: string): void;
  /** A transient status line on stderr (TTY only), overwritten by the next one. */
  status(text: string): void;
  failed(error: unknown): void;
}

export function createOutput(stdout: Writable, stderr: Writable & { isTTY?: boolean }, json: boolean, env: NodeJS.ProcessEnv): Output {
  const tty = Boolean(stderr.isTTY) && !json;
  const color = Boolean((stdout as Writable & { isTTY?: boolean }).isTTY) && !env.NO_COLOR;
  let statusShown = false;
  const clearStatus = (): void => {
    if (statusShown) stderr.write('\r\x1b[2K');
    statusShown = false;
  };
  return {
    json,
    event(event, human) {
      clearStatus();
      if (json) writeJson(stdout, event);
      else stdout.write(`${color ? human.replace(/^(\S+)/, '\x1b[1m$1\x1b[0m') : human}\n`);
    },
    status(text) {
      if (!tty) return;
      stderr.write(`\r\x1b[2K${text}`);
      statusShown = true;
    },
    failed(error) {
      const code = isPunchthroughError(error) ? error.code : 'FAILED';
      const message = (error as Error).message;
      this.event({ event: 'failed', code, message }, `failed    ${code}: ${message}`);
    },
  };
}

/** `key=value` flags into a property map (values are strings, the same on host and client). */
export function keyValues(flag: string, values: readonly string[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of values ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new UsageError(`--${flag} takes key=value, got "${entry}"`);
    result[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return result;
}
