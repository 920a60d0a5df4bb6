// The `relay` command: runs the relay standalone, alone or as one relay of a fleet.
import { createRelayServer, createRelayWebSocketServer, generateTicketSecret, relayDefaults, type RelayWebSocketServer } from '../relay/index.js';
import { createLogger, createRealClock, formatEndpoint } from '../core/index.js';
import { MAX_COALESCE_MICROS } from '../udp-native/index.js';
import { ExitCode, intFlag, parseFlags, writeJson, type CliCommand, reportStartFailure } from './io.js';
import { RELAY_SECRET_ENV } from './relay-secret.js';
import { udpIoFlag, udpIoUsage } from './udp-io-flag.js';
import { DEFAULT_REGION, RELAY_KEY_ENV, RELAY_TOKEN_ENV, fleetConfig, fleetFlags, relayKeying, signalDrain, startReporting, writePidFile } from './relay-fleet.js';

const usage = `Usage: punchthrough relay [--host H] [--port 5055] [--secret S] [--ws-port N] [--trusted-proxy IP] [--json]
                         [--relay-id ID [--region R] [--register URL [--registration-token T] | --redis-url URL]
                          [--ticket-key-file F] [--public-ip IP] [--ws-url URL] [--capacity-pps N]]
                         [--max-bindings N] [--pid-file F] [--drain-timeout-ms N] [--udp-io auto|batched|dgram]
                         [--coalesce-us N]
       punchthrough relay --drain --pid-file F

Runs the relay standalone: peers bind with a ticket the cloud issued, then exchange datagrams
with the other peers of their session through it. Stops cleanly on SIGINT or SIGTERM. SIGUSR2
(or \`punchthrough relay --drain\`) drains it: it reports "draining", takes no new sessions,
and exits 0 once no binding is left (or after --drain-timeout-ms).

Options:
  --host H       address to listen on (default 0.0.0.0; an IPv6 literal listens on IPv6)
  --port P       UDP port (default ${relayDefaults.DEFAULT_RELAY_PORT}; 0 picks a free port)
  --secret S     ticket secret shared with the cloud, at least ${relayDefaults.MIN_TICKET_SECRET_BYTES} bytes
                 (default: $${RELAY_SECRET_ENV}, which keeps it out of the process list).
                 Without either, the relay generates a random secret and says so: it then
                 refuses every ticket the cloud signs, because it cannot verify them.
                 With --relay-id it is the fleet's master secret: the relay derives its own key
                 from it (prefer --ticket-key-file, so a relay host never holds the master)
  --ws-port N     also carry relay frames over WebSocket on this TCP port, path
                 ${relayDefaults.RELAY_WS_PATH}, for peers whose network drops UDP (0 picks a free port;
                 default: no WebSocket). Put TLS in front with a reverse proxy and give the
                 cloud the public URL (createCloud's relayWsUrl); docs/operations.md
  --trusted-proxy IP
                 a reverse proxy in front of --ws-port whose X-Forwarded-For names the
                 client (per-address limits then count clients, not the proxy); repeatable
  --max-bindings N  bound peers at most (default ${relayDefaults.DEFAULT_MAX_BINDINGS}); also 100 % of the bindings load input
${udpIoUsage}
  --coalesce-us N  on the batched path, under load (a socket woken more than once per N µs),
                 read once per N µs instead of on every wake-up: less CPU per datagram, up to
                 N µs more latency (default ${relayDefaults.DEFAULT_UDP_COALESCE_MICROS}; 0 reads on every wake-up; at most ${MAX_COALESCE_MICROS})
  --pid-file F   write this process's id to F (removed at exit), for --drain
  --drain-timeout-ms N  a draining relay exits after this even with bindings left
                 (default ${relayDefaults.DEFAULT_DRAIN_TIMEOUT_MS}, 10 minutes)
  --drain        do not run a relay: tell the relay whose --pid-file is given to drain
                 (SIGUSR2), then exit 0 (1 when there is no such process)
  --json         one JSON object per line on stdout; the first is
                 {"event":"ready","relay":"H:P","udpIo":"batched"} (with "ws":"H:P/path" when --ws-port is on,
                 "relayId" with --relay-id), "draining" and "drained" on a drain, the last
                 {"event":"closed","stats":{...}}
  --help         this text

A relay of a fleet (docs/operations.md, "A fleet of relays"):
  --relay-id ID  this relay's id (1..64 of letters, digits, . _ -): tickets name it, and only
                 tickets for it bind here
  --region R     region reported to the cloud for its region preference (default ${DEFAULT_REGION})
  --register URL report every second to this cloud (POST URL/v1/relays/report)
  --registration-token T  its Bearer token (default: $${RELAY_TOKEN_ENV}; the cloud's relayRegistrationToken)
  --redis-url URL  report to the cloud's Redis instead (cluster mode): redis://…, rediss://…, unix:///path
  --ticket-key-file F  this relay's ticket key, hex (from \`punchthrough relay-key --relay-id ID\`;
                 or $${RELAY_KEY_ENV}); the relay then holds no other relay's key
  --public-ip IP address peers are told to send to (default: --host when specific, else this
                 machine's first non-internal IPv4)
  --ws-url URL   the WebSocket URL peers are told (default ws://public-ip:ws-port/v1/relay)
  --capacity-pps N  datagrams/s that count as 100 % load (default ${relayDefaults.DEFAULT_CAPACITY_PPS}; measure with npm run bench:relay)

Exit codes: 0 stopped or drained, 1 could not start (or --drain found no relay), 2 bad flags.`;

export const relayCommand: CliCommand = {
  summary: 'run the relay (UDP, and WebSocket with --ws-port) standalone, alone or in a fleet',
  usage,
  async run(args, io) {
    const { values } = parseFlags(args, {
      host: { type: 'string' },
      port: { type: 'string' },
      secret: { type: 'string' },
      'ws-port': { type: 'string' },
      'trusted-proxy': { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      'udp-io': { type: 'string' },
      'coalesce-us': { type: 'string' },
      ...fleetFlags,
    });
    if (values.drain) {
      const pidFile = values['pid-file'];
      if (pidFile === undefined) {
        io.stderr.write('punchthrough relay: --drain needs --pid-file (the file the running relay was given)\n');
        return ExitCode.usage;
      }
      const failure = signalDrain(pidFile);
      if (failure) {
        io.stderr.write(`punchthrough relay: ${failure}\n`);
        return ExitCode.failure;
      }
      if (values.json) writeJson(io.stdout, { event: 'drain-sent', pidFile });
      else io.stdout.write(`asked the relay in ${pidFile} to drain\n`);
      return ExitCode.ok;
    }
    const port = intFlag('port', values.port, relayDefaults.DEFAULT_RELAY_PORT);
    const host = values.host ?? '0.0.0.0';
    const fleet = fleetConfig(values, io.env);
    const keying = relayKeying(fleet?.relayId, values, io.env);
    const maxBindings = intFlag('max-bindings', values['max-bindings'], relayDefaults.DEFAULT_MAX_BINDINGS, 1, 100_000_000);
    const udpIo = udpIoFlag(values['udp-io']);
    const udpCoalesceMicros = intFlag('coalesce-us', values['coalesce-us'], relayDefaults.DEFAULT_UDP_COALESCE_MICROS, 0, MAX_COALESCE_MICROS);
    const drainTimeoutMs = intFlag('drain-timeout-ms', values['drain-timeout-ms'], relayDefaults.DEFAULT_DRAIN_TIMEOUT_MS, 0, 7 * 86_400_000);
    const logger = createLogger({ name: 'relay' });
    let secret = keying.secret;
    if (secret === undefined) {
      secret = generateTicketSecret();
      logger.warn(
        `no --secret or ${RELAY_SECRET_ENV}: generated a random ticket secret; tickets signed by a cloud with another secret are refused`,
      );
    }
    if (keying.source === 'derived') {
      logger.info({ relayId: fleet?.relayId }, 'derived this relay\'s ticket key from the master secret; this host holds the master secret (every relay\'s key): prefer --ticket-key-file');
    }
    const wsPort = values['ws-port'] === undefined ? undefined : intFlag('ws-port', values['ws-port'], 0);
    let server;
    let wsServer: RelayWebSocketServer | undefined;
    try {
      server = await createRelayServer({ secret, host, port, logger, maxBindings, udpCoalesceMicros, ...(udpIo ? { udpIo } : {}), ...(keying.relayId === undefined ? {} : { relayId: keying.relayId }) });
    } catch (error) {
      const message = `cannot listen on ${formatEndpoint({ address: host, port })}: ${(error as Error).message}`;
      return reportStartFailure(io, values.json, 'relay', error, message);
    }
    if (wsPort !== undefined) {
      try {
        const wsLogger = logger.child({ service: 'relay-ws' });
        wsServer = await createRelayWebSocketServer({ clock: createRealClock(), logger: wsLogger }, { relay: server, host, port: wsPort, trustedProxies: values['trusted-proxy'] ?? [] });
      } catch (error) {
        await server.close();
        const message = `cannot listen on ${formatEndpoint({ address: host, port: wsPort })} (TCP): ${(error as Error).message}`;
        return reportStartFailure(io, values.json, 'relay', error, message);
      }
    }
    const ws = wsServer ? { port: wsServer.address().port, path: wsServer.path } : undefined;
    const reporting = await startReporting(fleet, server, ws, { host, maxBindings, drainTimeoutMs }, logger);
    const removePidFile = values['pid-file'] === undefined ? undefined : writePidFile(values['pid-file']);
    // `on`, not `once`, until exit: a second SIGUSR2 (--drain run twice) must not meet the
    // signal's default action, which kills the process.
    let onDrain: () => void = () => undefined;
    const drainRequested = new Promise<string>((resolve) => {
      onDrain = () => resolve('SIGUSR2');
      process.on('SIGUSR2', onDrain);
    });

    const relay = formatEndpoint(server.address());
    const wsText = wsServer ? `${formatEndpoint(wsServer.address())}${wsServer.path}` : undefined;
    const id = fleet ? { relayId: fleet.relayId } : {};
    if (values.json) writeJson(io.stdout, { event: 'ready', relay, udpIo: server.udpIo(), ...(wsText ? { ws: wsText } : {}), ...id });
    else io.stdout.write(`relay ${fleet ? `${fleet.relayId} ` : ''}listening on ${relay}${wsText ? `, WebSocket on ${wsText}` : ''}\n`);

    const first = await Promise.race([io.stopSignal.then((signal) => ({ signal, drain: false })), drainRequested.then((signal) => ({ signal, drain: true }))]);
    if (first.drain) {
      if (values.json) writeJson(io.stdout, { event: 'draining', bindings: server.stats().bindings, ...id });
      const outcome = await Promise.race([reporting.reporter.drain(), io.stopSignal.then(() => 'stopped' as const)]);
      if (values.json) writeJson(io.stdout, { event: 'drained', outcome, ...id });
    } else {
      logger.info({ signal: first.signal }, 'stopping');
    }
    await reporting.close();
    const stats = server.stats();
    const wsStats = wsServer?.stats();
    await wsServer?.close();
    await server.close();
    removePidFile?.();
    process.removeListener('SIGUSR2', onDrain);
    if (values.json) writeJson(io.stdout, { event: 'closed', stats, ...(wsStats ? { ws: wsStats } : {}) });
    return ExitCode.ok;
  },
};

export default relayCommand;
