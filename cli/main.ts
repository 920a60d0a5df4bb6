// The CLI entry point: picks the command from argv, loads it on demand, returns the exit code.
import { ExitCode, UsageError, type CliCommand, type CliIo } from './io.js';
import { packageVersion } from './version.js';

/** Every command, loaded on demand so `punchthrough stun` does not load the session service. */
const commands: Record<string, () => Promise<CliCommand>> = {
  cloud: async () => (await import('./cloud-command.js')).cloudCommand,
  host: async () => (await import('./host-command.js')).hostCommand,
  client: async () => (await import('./client-command.js')).clientCommand,
  list: async () => (await import('./list-command.js')).listCommand,
  demo: async () => (await import('./demo-command.js')).demoCommand,
  stun: async () => (await import('./stun-command.js')).stunCommand,
  relay: async () => (await import('./relay-command.js')).relayCommand,
  'relay-key': async () => (await import('./relay-key-command.js')).relayKeyCommand,
  secret: async () => (await import('./secret-command.js')).secretCommand,
  webhooks: async () => (await import('./webhooks-command.js')).webhooksCommand,
};

/** The top-level help: each command with its own one-line summary (so every command is loaded). */
async function topLevelUsage(): Promise<string> {
  const names = Object.keys(commands);
  const width = Math.max(...names.map((name) => name.length));
  const summaries = await Promise.all(names.map(async (name) => (await commands[name]!()).summary));
  return [
    'Usage: punchthrough <command> [options]',
    '',
    'Commands:',
    ...names.map((name, i) => `  ${name.padEnd(width)}  ${summaries[i]}`),
    '',
    'Options:',
    '  --help     this text',
    '  --version  the package version',
    '',
    'Run `punchthrough <command> --help` for the options of a command.',
    'Exit codes: 0 ok, 1 failure, 2 bad usage.',
  ].join('\n');
}

function processIo(): CliIo {
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, stopSignal };
}

/** Runs the CLI; resolves to the process exit code (0 ok, 1 failure, 2 usage). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    (name ? io.stdout : io.stderr).write(`${await topLevelUsage()}\n`);
    return name ? ExitCode.ok : ExitCode.usage;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${packageVersion()}\n`);
    return ExitCode.ok;
  }
  const load = commands[name];
  if (!load) {
    io.stderr.write(`punchthrough: unknown command "${name}"\n\n${await topLevelUsage()}\n`);
    return ExitCode.usage;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return ExitCode.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`punchthrough ${name}: ${error.message}\n\n${command.usage}\n`);
      return ExitCode.usage;
    }
    io.stderr.write(`punchthrough ${name}: ${(error as Error).message}\n`);
    return ExitCode.failure;
  }
}
