// Logging: pino loggers that write to stderr, and a silent logger for libraries and tests.
import { destination, pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export interface LoggerFactoryOptions {
  /** Component name, shown on every line. */
  name?: string;
  /** pino level; 'silent' turns logging off. Default: `info`, or `LOG_LEVEL` when set. */
  level?: LoggerOptions['level'];
  /** Human-friendly output (pino-pretty). Default: when stderr is a TTY. */
  pretty?: boolean;
  /** pino hooks, e.g. a `logMethod` that drops lines a caller reports some other way. */
  hooks?: LoggerOptions['hooks'];
}

/** Structured logs to stderr (stdout is reserved for data). */
export function createLogger(options: LoggerFactoryOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const base: LoggerOptions = { level, ...(options.name ? { name: options.name } : {}), ...(options.hooks ? { hooks: options.hooks } : {}) };
  if (pretty) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: !process.env.NO_COLOR },
      },
    });
  }
  return pino(base, destination({ fd: 2, sync: false }));
}

/** A logger that writes nothing: the default for library code and tests. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
