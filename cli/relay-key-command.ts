// The `relay-key` command: prints one fleet relay's ticket key, derived from the master secret.
import { deriveRelayKey, relayDefaults, RELAY_ID_PATTERN } from '../relay/index.js';
import { ExitCode, UsageError, parseFlags, type CliCommand } from './io.js';
import { RELAY_KEY_ENV, RELAY_SECRET_ENV, checkedRelaySecret } from './relay-secret.js';

const usage = `Usage: punchthrough relay-key --relay-id ID [--json]

Prints the ticket key of relay ID (hex, 32 bytes): HKDF-SHA256 of the fleet's master secret
with the info "punchthrough relay " + ID. The master secret is read from $${RELAY_SECRET_ENV},
or else from the first line of stdin (never a flag: it would show in the process list). Give
the key to that relay only (--ticket-key-file F, or $${RELAY_KEY_ENV}); the cloud keeps the master
secret and signs each session's tickets with its relay's key (docs/operations.md).

Options:
  --relay-id ID  the relay (1..64 of letters, digits, . _ -)
  --json         {"relayId":"ID","key":"<hex>"} instead of the bare key
  --help         this text

Exit codes: 0 printed, 2 bad usage (no id, no secret, a secret under ${relayDefaults.MIN_TICKET_SECRET_BYTES} bytes).`;

/** Most bytes read from stdin: a secret is a line, not a file. */
const MAX_STDIN_BYTES = 4096;

async function firstLineOfStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  let text = '';
  for await (const chunk of process.stdin) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > MAX_STDIN_BYTES || text.includes('\n')) break;
  }
  process.stdin.destroy();
  const line = text.split(/\r?\n/)[0]?.trim();
  return line ? line : undefined;
}

export const relayKeyCommand: CliCommand = {
  summary: "print a fleet relay's ticket key, derived from the master secret",
  usage,
  async run(args, io) {
    const { values } = parseFlags(args, { 'relay-id': { type: 'string' }, json: { type: 'boolean', default: false } });
    const relayId = values['relay-id'];
    if (relayId === undefined) throw new UsageError('--relay-id is required');
    if (!RELAY_ID_PATTERN.test(relayId)) throw new UsageError('--relay-id must be 1..64 of letters, digits and . _ -');
    const fromEnv = io.env[RELAY_SECRET_ENV] || undefined;
    const secret = checkedRelaySecret(fromEnv ?? (await firstLineOfStdin()), fromEnv === undefined ? 'the secret on stdin' : RELAY_SECRET_ENV);
    if (secret === undefined) throw new UsageError(`no master secret: set ${RELAY_SECRET_ENV} or pipe it on stdin`);
    const key = Buffer.from(deriveRelayKey(secret, relayId)).toString('hex');
    io.stdout.write(values.json ? `${JSON.stringify({ relayId, key })}\n` : `${key}\n`);
    return ExitCode.ok;
  },
};
