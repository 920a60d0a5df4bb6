// The `relay` command: runs the relay standalone.
import { createRelayServer, createRelayWebSocketServer, generateTicketSecret, relayDefaults, type RelayWebSocketServer } from '../relay/index.js';
import { createLogger, createRealClock, formatEndpoint } from '../core/index.js';
import { ExitCode, intFlag, parseFlags, writeJson, type CliCommand, reportStartFailure } from './io.js';
import { RELAY_SECRET_ENV, checkedRelaySecret } from './relay-secret.js';


const usage = `Usage: punchthrough relay [--host H] [--port 5055] [--secret S] [--ws-port N] [--trusted-proxy IP] [--json]

Runs the relay standalone: peers bind with a ticket the cloud issued, then exchange datagrams
with the other peers of their session through it. Stops cleanly on SIGINT or SIGTERM.

Options:
  --host H       address to listen on (default 0.0.0.0; an IPv6 literal listens on IPv6)
  --port P       UDP port (default ${relayDefaults.DEFAULT_RELAY_PORT}; 0 picks a free port)
  --secret S     ticket secret shared with the cloud, at least ${relayDefaults.MIN_TICKET_SECRET_BYTES} bytes
                 (default: $${RELAY_SECRET_ENV}, which keeps it out of the process list).
                 Without either, the relay generates a random secret and says so: it then
                 refuses every ticket the cloud signs, because it cannot verify them.
  --ws-port N     also carry relay frames over WebSocket on this TCP port, path
                 ${relayDefaults.RELAY_WS_PATH}, for peers whose network drops UDP (0 picks a free port;
                 default: no WebSocket). Put TLS in front with a reverse proxy and give the
                 cloud the public URL (createCloud's relayWsUrl); docs/operations.md
  --trusted-proxy IP
                 a reverse proxy in front of --ws-port whose X-Forwarded-For names the
                 client (per-address limits then count clients, not the proxy); repeatable
  --json         one JSON object per line on stdout; the first is
                 {"event":"ready","relay":"H:P"} (with "ws":"H:P/path" when --ws-port is on),
                 the last {"event":"closed","stats":{...}}
  --help         this text`;

export const relayCommand: CliCommand = {
  summary: 'run the relay (UDP, and WebSocket with --ws-port) standalone',
  usage,
  async run(args, io) {
    const { values } = parseFlags(args, {
      host: { type: 'string' },
      port: { type: 'string' },
      secret: { type: 'string' },
      'ws-port': { type: 'string' },
      'trusted-proxy': { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    });
    const port = intFlag('port', values.port, relayDefaults.DEFAULT_RELAY_PORT);
    const host = values.host ?? '0.0.0.0';
    let secret = checkedRelaySecret(values.secret ?? (io.env[RELAY_SECRET_ENV] || undefined), '--secret');
    const logger = createLogger({ name: 'relay' });
    if (secret === undefined) {
      secret = generateTicketSecret();
      logger.warn(
        `no --secret or ${RELAY_SECRET_ENV}: generated a random ticket secret; tickets signed by a cloud with another secret are refused`,
      );
    }
    const wsPort = values['ws-port'] === undefined ? undefined : intFlag('ws-port', values['ws-port'], 0);
    let server;
    let wsServer: RelayWebSocketServer | undefined;
    try {
      server = await createRelayServer({ secret, host, port, logger });
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
    const relay = formatEndpoint(server.address());
    const ws = wsServer ? `${formatEndpoint(wsServer.address())}${wsServer.path}` : undefined;
    if (values.json) writeJson(io.stdout, { event: 'ready', relay, ...(ws ? { ws } : {}) });
    else io.stdout.write(`relay listening on ${relay}${ws ? `, WebSocket on ${ws}` : ''}\n`);
    const signal = await io.stopSignal;
    logger.info({ signal }, 'stopping');
    const stats = server.stats();
    const wsStats = wsServer?.stats();
    await wsServer?.close();
    await server.close();
    if (values.json) writeJson(io.stdout, { event: 'closed', stats, ...(wsStats ? { ws: wsStats } : {}) });
    return ExitCode.ok;
  },
};

export default relayCommand;
