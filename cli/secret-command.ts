// The `secret` command: prints a new Standard Webhooks signing secret (`whsec_…`) for an app's
// backend calls (auth provider, plugins' HTTP, webhooks), so nobody invents one by hand.
import { randomBytes } from 'node:crypto';
import { generateWebhookSecret } from '../src/egress/index.js';
import { ExitCode, parseFlags, type CliCommand } from './io.js';

const usage = `Usage: punchthrough secret

Prints a new signing secret on stdout: "whsec_" and the base64 of 32 random bytes. Give it to
the cloud (in --config as "$env:NAME", never in the file itself) and to the game's backend,
which verifies every call with it (docs/egress.md, "Signing"). To rotate, configure the new
secret before the old one: the cloud signs with both until the old one is removed.

Options:
  --help  this text

Exit codes: 0 printed, 2 bad usage.`;

export const secretCommand: CliCommand = {
  summary: 'print a new whsec_ signing secret for calls to a game backend',
  usage,
  run(args, io) {
    parseFlags(args, {});
    io.stdout.write(`${generateWebhookSecret((size) => randomBytes(size))}\n`);
    return Promise.resolve(ExitCode.ok);
  },
};
