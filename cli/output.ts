// CLI output: command events as JSON lines (--json) or readable lines, plus key=value flag parsing.
import type { Writable } from 'node:stream';
import type { Properties, PropertyValue } from '../client-sdk/index.js';
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

/**
 * `key=value` flags into a property map, typed the same way on host and client: a value that is
 * a number written as JavaScript writes it (`5`, `-2`, `0.5`) is that number, `true` and `false`
 * are booleans, a value in double quotes is the string inside them (`rank="5"`), and anything else
 * is a string (`1.10` and `007` stay strings: they would not read back as written).
 */
export function keyValues(flag: string, values: readonly string[] | undefined): Properties {
  const result: Properties = {};
  for (const entry of values ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new UsageError(`--${flag} takes key=value, got "${entry}"`);
    result[entry.slice(0, at)] = typedValue(entry.slice(at + 1));
  }
  return result;
}

/** A flag's value as the property value it spells (see {@link keyValues}). */
export function typedValue(text: string): PropertyValue {
  if (text === 'true' || text === 'false') return text === 'true';
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1);
  const number = Number(text);
  return text !== '' && Number.isFinite(number) && String(number) === text ? number : text;
}
