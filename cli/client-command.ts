// The `client` command: runs a game client that sends game updates and measures their echoes.
import { NetworkRunner, type PeerConnectedEvent } from '../client-sdk/index.js';
import {
  CLI_ECHO_GRACE_MS,
  CLI_MIN_ECHO_RATIO,
  DEFAULT_CLI_APP_ID,
  DEFAULT_CLI_UPDATE_INTERVAL_MS,
  DEFAULT_CLI_UPDATES,
} from './constants.js';
import { formatEndpoint } from '../core/index.js';
import { requireCloud } from './host-command.js';
import { ExitCode, intFlag, parseFlags, type CliCommand } from './io.js';
import { createOutput, keyValues, type Output } from './output.js';
import { reportProgress, reportRunnerEvents, runnerEnded } from './runner-events.js';
import { runnerLogger } from './runner-logger.js';
import { percentile } from './percentile.js';

const usage = `Usage: punchthrough client --cloud URL [--session NAME] [--filter key=value]... [--updates N]
                          [--interval-ms N] [--force-relay] [--app-id ID] [--app-version V]
                          [--no-ipv6] [--discover-nat] [--json]

Runs a game client: a NetworkRunner in client mode that joins a session, connects to its host
(directly through NATs, or through the relay), sends game updates, waits for the host's echoes,
then leaves. Exits 0 when it connected and at least ${CLI_MIN_ECHO_RATIO * 100}% of the updates came back.

Options:
  --cloud URL         the cloud's session service, e.g. http://127.0.0.1:7070 (required)
  --session NAME      session to join (default: join at random, with --filter)
  --filter key=value  random join: a lobby property the session must have; repeatable;
                      typed as the host's --prop (rank=5 finds the number 5)
  --updates N         game updates to send (default ${DEFAULT_CLI_UPDATES})
  --interval-ms N     pause between updates (default ${DEFAULT_CLI_UPDATE_INTERVAL_MS})
  --force-relay       connect through the relay only (no direct attempts)
  --app-id ID         application id, as the host's (default ${DEFAULT_CLI_APP_ID})
  --app-version V     application version, as the host's (default 1)
  --no-ipv6           IPv4 only: no IPv6 socket, no IPv6 candidates (IPv6 is on by default)
  --discover-nat      measure this end's NAT after the start (prints nat-type)
  --json              one JSON object per line on stdout: progress, reflexive, attempt,
                      connected, updates, path-changed, relay-error, signaling-lost,
                      cloud-lost, cloud-restored, session-closed, player-joined, player-inactive, player-left,
                      session-properties, nat-type, warning, shutdown, failed
  --help              this text`;

/** A game update: sequence number and send time, echoed back by the host. */
const UPDATE_BYTES = 12;

export const clientCommand: CliCommand = {
  summary: 'run a game client (client mode) that measures echoed game updates',
  usage,
  async run(args, io) {
    const { values } = parseFlags(args, {
      cloud: { type: 'string' },
      session: { type: 'string' },
      filter: { type: 'string', multiple: true },
      updates: { type: 'string' },
      'interval-ms': { type: 'string' },
      'force-relay': { type: 'boolean', default: false },
      'app-id': { type: 'string' },
      'app-version': { type: 'string' },
      'no-ipv6': { type: 'boolean', default: false },
      'discover-nat': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    const cloudUrl = requireCloud(values.cloud);
    const filter = keyValues('filter', values.filter);
    const updates = intFlag('updates', values.updates, DEFAULT_CLI_UPDATES, 0, 1_000_000);
    const intervalMs = intFlag('interval-ms', values['interval-ms'], DEFAULT_CLI_UPDATE_INTERVAL_MS, 0, 60_000);
    const out = createOutput(io.stdout, io.stderr, values.json, io.env);
    const runner = new NetworkRunner({
      cloudUrl,
      appId: values['app-id'] ?? DEFAULT_CLI_APP_ID,
      appVersion: values['app-version'] ?? '1',
      forceRelay: values['force-relay'],
      ...(values['no-ipv6'] ? { ipv6: false } : {}),
      discoverNat: values['discover-nat'],
      logger: runnerLogger('client'),
    });
    const ended = runnerEnded(runner);
    reportProgress(runner, out);
    reportRunnerEvents(runner, out);
    runner.on('attempt', (attempt) => {
      out.event({ event: 'attempt', n: attempt.n, path: attempt.path }, `attempt   ${attempt.n} via ${attempt.path} (+${Math.round(attempt.ms)} ms)`);
      out.status(`connecting: attempt ${attempt.n + 1}, ${attempt.path}…`);
    });
    let server: PeerConnectedEvent | undefined;
    try {
      const started = await Promise.race([
        runner.startGame({
          mode: 'client',
          ...(values.session ? { sessionName: values.session } : {}),
          ...(Object.keys(filter).length > 0 ? { filter } : {}),
        }),
        io.stopSignal.then(() => undefined),
      ]);
      server = started?.server;
    } catch (error) {
      out.failed(error);
      await runner.shutdown();
      return ExitCode.failure;
    }
    if (!server) {
      await runner.shutdown();
      return ExitCode.failure;
    }
    const remote = formatEndpoint(server.remote);
    out.event(
      {
        event: 'connected',
        path: server.path,
        remote,
        attempt: server.attempt,
        ms: Math.round(server.ms),
        sinceStartMs: Math.round(server.sinceStartMs),
      },
      `connected to ${remote} via ${server.path} at attempt ${server.attempt}, ${Math.round(server.ms)} ms after the host's addresses (${Math.round(server.sinceStartMs)} ms since start)`,
    );
    // The runner may end on its own meanwhile (kicked, session closed, cloud gone): stop sending.
    let end: Error | undefined;
    const stop = Promise.race([io.stopSignal, ended.then((error) => ((end = error), 'ended'))]);
    const echoed = await exchangeUpdates(runner, server.peerId, updates, intervalMs, stop, out);
    if (end) out.failed(end);
    await runner.shutdown();
    return !end && echoed >= Math.ceil(updates * CLI_MIN_ECHO_RATIO) ? ExitCode.ok : ExitCode.failure;
  },
};

/** Sends `count` updates and collects their echoes; reports and returns how many came back. */
async function exchangeUpdates(
  runner: NetworkRunner,
  peerId: string,
  count: number,
  intervalMs: number,
  stop: Promise<string>,
  out: Output,
): Promise<number> {
  const rtts: number[] = [];
  const seen = new Set<number>();
  let allEchoed: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allEchoed = resolve));
  runner.on('message', ({ peerId: from, data }) => {
    if (from !== peerId || data.byteLength !== UPDATE_BYTES) return;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const seq = view.getUint32(0);
    if (seq >= count || seen.has(seq)) return;
    seen.add(seq);
    rtts.push(performance.now() - view.getFloat64(4));
    if (seen.size === count) allEchoed();
  });
  let stopped = false;
  void stop.then(() => (stopped = true));
  let sent = 0;
  for (; sent < count && !stopped; sent++) {
    const update = new Uint8Array(UPDATE_BYTES);
    const view = new DataView(update.buffer);
    view.setUint32(0, sent);
    view.setFloat64(4, performance.now());
    runner.send(peerId, update);
    if (intervalMs > 0) await sleep(intervalMs);
  }
  if (count > 0) await Promise.race([done, sleep(CLI_ECHO_GRACE_MS), stop]);
  rtts.sort((a, b) => a - b);
  const round = (value: number | undefined): number | null => (value === undefined ? null : Math.round(value * 100) / 100);
  const summary = { sent, echoed: seen.size, rttP50Ms: round(percentile(rtts, 0.5)), rttP99Ms: round(percentile(rtts, 0.99)) };
  out.event(
    { event: 'updates', ...summary },
    `updates   ${summary.echoed}/${summary.sent} echoed, RTT p50 ${summary.rttP50Ms ?? '-'} ms, p99 ${summary.rttP99Ms ?? '-'} ms`,
  );
  return seen.size;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export default clientCommand;
