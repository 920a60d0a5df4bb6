// The `host` command: runs a game host that echoes game updates back to clients.
import { NetworkRunner } from '../client-sdk/index.js';
import { formatEndpoint } from '../core/index.js';
import { cloudDefaults } from '../src/index.js';
import { DEFAULT_CLI_APP_ID } from './constants.js';
import { ExitCode, UsageError, intFlag, parseFlags, type CliCommand } from './io.js';
import { createOutput, keyValues } from './output.js';
import { reportProgress, reportRunnerEvents, runnerEnded } from './runner-events.js';
import { runnerLogger } from './runner-logger.js';

/** A session holds its host; the ceiling is the cloud's default limit (a cloud may lower it). */
const MIN_MAX_PLAYERS = 1;
const { DEFAULT_MAX_PLAYERS, DEFAULT_MAX_PLAYERS_LIMIT } = cloudDefaults;

const usage = `Usage: punchthrough host --cloud URL [--session NAME] [--max-players N] [--prop key=value]...
                        [--app-id ID] [--app-version V] [--no-ipv6] [--discover-nat] [--json]

Runs a game host: a NetworkRunner in server mode that creates a session on the cloud, accepts
clients (directly through NATs, or through the relay) and echoes every game update it receives
back to its sender. Runs until SIGINT or SIGTERM (exit 0), or until the runner shuts down on its
own with an error (exit 1).

Options:
  --cloud URL         the cloud's session service, e.g. http://127.0.0.1:7070 (required)
  --session NAME      session name (default: the cloud generates one; a taken name fails)
  --max-players N     players allowed, host included, ${MIN_MAX_PLAYERS}–${DEFAULT_MAX_PLAYERS_LIMIT} (default: the cloud's, ${DEFAULT_MAX_PLAYERS})
  --prop key=value    a session property, visible in the lobby; repeatable. Typed: 5 is a
                      number, true a boolean, "5" (quoted) a string, anything else a string
  --app-id ID         application id; clients must use the same (default ${DEFAULT_CLI_APP_ID})
  --app-version V     application version; clients must use the same (default 1)
  --no-ipv6           IPv4 only: no IPv6 socket, no IPv6 candidates (IPv6 is on by default)
  --discover-nat      measure this end's NAT after the start (prints nat-type)
  --json              one JSON object per line on stdout: progress, session, reflexive,
                      peer-connected, peer-disconnected, path-changed, relay-error,
                      signaling-lost, cloud-lost, cloud-restored, session-closed,
                      player-joined, player-inactive, player-left, session-properties,
                      nat-type, warning, shutdown, failed
  --help              this text`;

export const hostCommand: CliCommand = {
  summary: 'run a game host (server mode) that echoes game updates',
  usage,
  async run(args, io) {
    const { values } = parseFlags(args, {
      cloud: { type: 'string' },
      session: { type: 'string' },
      'max-players': { type: 'string' },
      prop: { type: 'string', multiple: true },
      'app-id': { type: 'string' },
      'app-version': { type: 'string' },
      'no-ipv6': { type: 'boolean', default: false },
      'discover-nat': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    const cloudUrl = requireCloud(values.cloud);
    const properties = keyValues('prop', values.prop);
    const maxPlayers = values['max-players'] === undefined ? undefined : intFlag('max-players', values['max-players'], 0, MIN_MAX_PLAYERS, DEFAULT_MAX_PLAYERS_LIMIT);
    const out = createOutput(io.stdout, io.stderr, values.json, io.env);
    const runner = new NetworkRunner({
      cloudUrl,
      appId: values['app-id'] ?? DEFAULT_CLI_APP_ID,
      appVersion: values['app-version'] ?? '1',
      ...(values['no-ipv6'] ? { ipv6: false } : {}),
      discoverNat: values['discover-nat'],
      logger: runnerLogger('host'),
    });
    const ended = runnerEnded(runner);
    reportProgress(runner, out);
    reportRunnerEvents(runner, out);
    runner.on('peerConnected', (peer) => {
      const remote = formatEndpoint(peer.remote);
      out.event(
        { event: 'peer-connected', peer: peer.peerId, actor: peer.actor, path: peer.path, remote, ms: Math.round(peer.ms) },
        `connected ${peer.peerId} (actor ${peer.actor}) via ${peer.path} from ${remote} after ${Math.round(peer.ms)} ms`,
      );
    });
    runner.on('peerDisconnected', (peer) => {
      out.event({ event: 'peer-disconnected', peer: peer.peerId, reason: peer.reason }, `left      ${peer.peerId} (${peer.reason})`);
    });
    runner.on('message', (message) => {
      runner.send(message.peerId, message.data);
    });
    try {
      const started = await Promise.race([
        runner.startGame({
          mode: 'server',
          ...(values.session ? { sessionName: values.session } : {}),
          ...(Object.keys(properties).length > 0 ? { sessionProperties: properties } : {}),
          ...(maxPlayers === undefined ? {} : { maxPlayers }),
        }),
        io.stopSignal.then(() => undefined),
      ]);
      if (!started) {
        await runner.shutdown();
        return ExitCode.ok;
      }
      out.event({ event: 'session', name: started.sessionName }, `session   ${started.sessionName} — clients join with --session ${started.sessionName}`);
    } catch (error) {
      out.failed(error);
      await runner.shutdown();
      return ExitCode.failure;
    }
    const end = await Promise.race([io.stopSignal.then(() => undefined), ended]);
    if (end) out.failed(end);
    await runner.shutdown();
    return end ? ExitCode.failure : ExitCode.ok;
  },
};

export function requireCloud(cloud: string | undefined): string {
  if (!cloud || !/^(https?|wss?):\/\//.test(cloud)) {
    throw new UsageError('--cloud URL is required (http://host:port of the cloud)');
  }
  return cloud;
}

export default hostCommand;
