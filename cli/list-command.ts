// The `list` command: prints the cloud's lobby (open, visible sessions of an app), filtered.
import { NetworkRunner } from '../client-sdk/index.js';
import { DEFAULT_CLI_APP_ID } from './constants.js';
import { requireCloud } from './host-command.js';
import { ExitCode, intFlag, parseFlags, type CliCommand } from './io.js';
import { createOutput, keyValues } from './output.js';

const usage = `Usage: punchthrough list --cloud URL [--filter key=value]... [--limit N] [--offset N]
                        [--app-id ID] [--app-version V] [--json]

Prints the cloud's lobby: the open, visible sessions of the app id and version, with their
player count and lobby-visible properties, one per line (a "session" event each with --json).

Options:
  --cloud URL         the cloud's session service, e.g. http://127.0.0.1:7070 (required)
  --filter key=value  a lobby property the session must have; repeatable; typed as the host's
                      --prop (rank=5 finds the number 5, ranked=true the boolean)
  --limit N           at most N sessions (default: the cloud's page, 100)
  --offset N          skip the first N matching sessions (default 0)
  --app-id ID         application id, as the hosts' (default ${DEFAULT_CLI_APP_ID})
  --app-version V     application version, as the hosts' (default 1)
  --json              one JSON object per line on stdout: session, listed, failed
  --help              this text`;

export const listCommand: CliCommand = {
  summary: "print the cloud's lobby: open, visible sessions and their properties",
  usage,
  async run(args, io) {
    const { values } = parseFlags(args, {
      cloud: { type: 'string' },
      filter: { type: 'string', multiple: true },
      limit: { type: 'string' },
      offset: { type: 'string' },
      'app-id': { type: 'string' },
      'app-version': { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const cloudUrl = requireCloud(values.cloud);
    const filter = keyValues('filter', values.filter);
    const limit = values.limit === undefined ? undefined : intFlag('limit', values.limit, 0, 1, 1000);
    const offset = intFlag('offset', values.offset, 0, 0, 100_000);
    const out = createOutput(io.stdout, io.stderr, values.json, io.env);
    const runner = new NetworkRunner({ cloudUrl, appId: values['app-id'] ?? DEFAULT_CLI_APP_ID, appVersion: values['app-version'] ?? '1' });
    try {
      const sessions = await runner.listSessions({ ...(Object.keys(filter).length > 0 ? { filter } : {}), ...(limit ? { limit } : {}), offset });
      for (const session of sessions) {
        out.event(
          { event: 'session', name: session.name, id: session.id, players: session.playerCount, maxPlayers: session.maxPlayers, properties: session.properties },
          `session   ${session.name}  ${session.playerCount}/${session.maxPlayers}  ${JSON.stringify(session.properties)}`,
        );
      }
      out.event({ event: 'listed', count: sessions.length }, `listed    ${sessions.length} session${sessions.length === 1 ? '' : 's'}`);
      return ExitCode.ok;
    } catch (error) {
      out.failed(error);
      return ExitCode.failure;
    } finally {
      await runner.shutdown();
    }
  },
};

export default listCommand;
