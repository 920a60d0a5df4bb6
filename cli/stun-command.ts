// The `stun` command: runs the STUN server.
import { createLogger, formatEndpoint } from '../core/index.js';
import {
  createStunServer,
  DEFAULT_STUN_HOST_IPV4,
  DEFAULT_STUN_PORT,
  DEFAULT_STUN_RATE_PER_SECOND,
  MAX_STUN_WORKERS,
  type StunListenOptions,
  type StunServer,
} from '../stun-server/index.js';
import { ExitCode, intFlag, parseFlags, UsageError, writeJson, type CliCommand, reportStartFailure } from './io.js';
import { udpIoFlag, udpIoUsage } from './udp-io-flag.js';

const usage = `Usage: punchthrough stun [--host H] [--port ${DEFAULT_STUN_PORT}] [--alt-port P] [--alt-host H2] [--rate-limit N]
                        [--udp-io auto|batched|dgram] [--workers N] [--json]

Runs the STUN server (RFC 8489 Binding, RFC 3489 clients, RFC 5780 behaviour discovery).

  --host H       address to listen on (default ${DEFAULT_STUN_HOST_IPV4}); an IPv6 address listens on IPv6
  --port N       primary UDP port (default ${DEFAULT_STUN_PORT}; 0 picks a free one)
  --alt-port P   RFC 5780 alternate port (0 picks a free one); enables behaviour discovery
  --alt-host H2  RFC 5780 alternate address of this host, same family as --host (needs a specific --host)
  --rate-limit N Binding requests per second one source IP may make (default ${DEFAULT_STUN_RATE_PER_SECOND},
                 bursts of twice that); 0 turns the limit off
${udpIoUsage}
  --workers N    socket loops, one per thread (default 1): this thread and N-1 worker threads,
                 each with its own SO_REUSEPORT sockets on the same ports (needs the batched path)
  --json         one JSON object per line; the first is {"event":"ready","stun":"H:P","udpIo":"batched"}

Stops cleanly on SIGINT/SIGTERM.`;

export const stunCommand: CliCommand = {
  summary: 'run the STUN server',
  usage,
  async run(args, io) {
    const { values } = parseFlags(args, {
      host: { type: 'string' },
      port: { type: 'string' },
      'alt-port': { type: 'string' },
      'alt-host': { type: 'string' },
      'rate-limit': { type: 'string' },
      'udp-io': { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean' },
    });
    const rate = intFlag('rate-limit', values['rate-limit'], DEFAULT_STUN_RATE_PER_SECOND, 0, 1_000_000_000);
    const host = values.host ?? DEFAULT_STUN_HOST_IPV4;
    const listen: StunListenOptions = { host, port: intFlag('port', values.port, DEFAULT_STUN_PORT) };
    if (values['alt-port'] !== undefined) listen.alternatePort = intFlag('alt-port', values['alt-port'], 0);
    if (values['alt-host'] !== undefined) {
      if (values['alt-port'] === undefined) throw new UsageError('--alt-host needs --alt-port (RFC 5780 tests change both)');
      if (host === '0.0.0.0' || host === '::') throw new UsageError('--alt-host needs a specific --host (both addresses are advertised)');
      listen.alternateHost = values['alt-host'];
    }
    const udpIo = udpIoFlag(values['udp-io']);
    const workers = intFlag('workers', values.workers, 1, 1, MAX_STUN_WORKERS);
    const ipv6 = host.includes(':');
    const logger = createLogger({ name: 'stun' });
    let server: StunServer;
    try {
      server = await createStunServer({
        ipv4: ipv6 ? false : listen,
        ipv6: ipv6 ? listen : false,
        rateLimit: rate === 0 ? false : { ratePerSecond: rate, burst: 2 * rate },
        logger,
        ...(udpIo ? { udpIo } : {}),
        ...(workers === 1 ? {} : { workers }),
      });
    } catch (error) {
      const message = `cannot listen on ${formatEndpoint({ address: host, port: listen.port! })}: ${(error as Error).message}`;
      return reportStartFailure(io, values.json ?? false, 'stun', error, message);
    }
    const primary = server.address(ipv6 ? 'IPv6' : 'IPv4')!;
    if (values.json) {
      writeJson(io.stdout, { event: 'ready', stun: formatEndpoint(primary), udpIo: server.udpIo() });
    } else {
      for (const endpoint of server.endpoints()) io.stdout.write(`STUN ${endpoint.role} ${formatEndpoint(endpoint)}\n`);
    }
    const signal = await io.stopSignal;
    await server.close();
    const stats = server.stats();
    if (values.json) writeJson(io.stdout, { event: 'stopped', signal, stats });
    else io.stdout.write(`stopped (${signal}): ${stats.successResponses} responses, ${stats.errorResponses} errors\n`);
    return ExitCode.ok;
  },
};
