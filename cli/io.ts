// What CLI commands share: the command and I/O shapes, exit codes, flag parsing and JSON output.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Writable } from 'node:stream';
import { isPunchthroughError } from '../core/index.js';

/** Where a command writes: data to stdout, human messages and logs to stderr. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal: Promise<string>;
}

export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/** Thrown for bad flags; main() prints the message and the command's usage, exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CliCommand {
  /** One line for the top-level help. */
  summary: string;
  /** Full usage text for `--help`. */
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs in strict mode, with its errors turned into UsageError. */
type ParsedFlags<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>
>;

export function parseFlags<T extends Options>(args: string[], options: T): ParsedFlags<T> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Parses a flag that must be an integer in [min, max]. */
export function intFlag(name: string, value: string | undefined, fallback: number, min = 0, max = 65535): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

/** Writes one JSON object per line. */
export function writeJson(stream: Writable, event: Record<string, unknown>): void {
  stream.write(`${JSON.stringify(event)}\n`);
}

/**
 * A server command that could not start: a `failed` event (with the error's code when it has
 * one) under --json, otherwise a line on stderr. Returns the failure exit code.
 */
export function reportStartFailure(io: CliIo, json: boolean, command: string, error: unknown, message: string): number {
  if (json) writeJson(io.stdout, { event: 'failed', ...(isPunchthroughError(error) ? { code: error.code } : {}), message });
  else io.stderr.write(`punchthrough ${command}: ${message}\n`);
  return ExitCode.failure;
}
