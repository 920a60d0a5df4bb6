// The logger of the CLI's runners: pino on stderr, minus the lines the CLI prints as stdout events.
import { createLogger, type Logger } from '../core/index.js';

/**
 * The runner's log messages that say what a stdout event of the command already says, so a
 * failure is printed once (as its event), not again as a log line on stderr.
 */
export const MESSAGES_PRINTED_AS_EVENTS: ReadonlySet<string> = new Set([
  'start failed', // `failed`
  'signaling connection lost; connected peers carry on', // `signaling-lost`
  'relay bind failed; direct paths only', // `relay-error`
  'the cloud closed the session', // `session-closed`
  'the server removed this runner from the session', // `shutdown` (kicked) and `failed`
]);

/** A logger for the runners of `host`, `client` and `demo` (`level` defaults to LOG_LEVEL, else info). */
export function runnerLogger(name: string, level?: string): Logger {
  return createLogger({
    name,
    ...(level ? { level } : {}),
    hooks: {
      logMethod(args, method) {
        const message = args.find((arg): arg is string => typeof arg === 'string');
        if (message !== undefined && MESSAGES_PRINTED_AS_EVENTS.has(message)) return;
        method.apply(this, args);
      },
    },
  });
}
