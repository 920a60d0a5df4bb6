// The `cloud` command: runs the session service, STUN server and relay in one process.
import { isIP, isIPv4 } from 'node:net';
import { relayDefaults } from '../relay/index.js';
import { DEFAULT_STUN_PORT } from '../stun-server/index.js';
import { cloudDefaults, createCloud, proxyMatcher, type CloudWithExternalRelay, type SessionServiceOptions } from '../src/index.js';
import { createLogger, formatEndpoint, parseEndpoint, type UdpEndpoint } from '../core/index.js';
import { ExitCode, UsageError, intFlag, parseFlags, writeJson, type CliCommand, reportStartFailure } from './io.js';
import { RELAY_SECRET_ENV, RELAY_TOKEN_ENV, checkedRelaySecret } from './relay-secret.js';
import { loadConfigFile } from './config-file.js';
import { ADMIN_TOKEN_ENV } from './constants.js';

const usage = `Usage: punchthrough cloud [--host H] [--public-ip IP] [--http-port N] [--stun-port N]
                         [--stun-alt-port N] [--stun-alt-host IP] [--relay-port N | --relay-endpoint IP:PORT]
                         [--relay-ws-port N] [--relay-ws-url URL]
                         [--trusted-proxy ADDR]... [--metrics-port N] [--metrics-host H]
                         [--reconnect-grace-ms N] [--config FILE] [--admin-token T] [--no-ipv6] [--json]
                         [--redis-url URL [--node-id ID] [--failover-grace-ms N]]
                         [--no-embedded-relay] [--region R] [--relay-policy auto|required]

Runs the whole cloud in one process: the session service (HTTP + signaling WebSocket), the
STUN server (with an alternate port for NAT behaviour discovery) and the relay, on the
in-memory store. Stops cleanly on SIGINT or SIGTERM: sessions are told the cloud is going away.

Options:
  --host H           address to listen on (default ${cloudDefaults.DEFAULT_CLOUD_HOST})
  --public-ip IP     address advertised to peers for STUN and the relay (default: --host when
                     it is a specific address, else this machine's first non-internal IPv4)
  --http-port N      HTTP + WebSocket port (default ${cloudDefaults.DEFAULT_HTTP_PORT}; 0 picks a free port)
  --stun-port N      STUN port (default ${DEFAULT_STUN_PORT})
  --stun-alt-port N  RFC 5780 alternate STUN port (default ${cloudDefaults.DEFAULT_STUN_ALT_PORT}): SDKs learn whether
                     their NAT's mapping and filtering depend on the port
  --stun-alt-host IP a second IPv4 address of this machine for STUN (needs a specific --host):
                     SDKs get RFC 5780's full NAT answer (full versus restricted cone)
  --relay-port N     relay port (default ${relayDefaults.DEFAULT_RELAY_PORT})
  --relay-endpoint IP:PORT  hand peers this external relay (\`punchthrough relay\`) instead of
                     the built-in one, which then does not start; needs ${RELAY_SECRET_ENV},
                     the same secret the relay was given
  --relay-ws-port N  the built-in relay also carries its frames over WebSocket on this TCP
                     port (path /v1/relay; 0 picks a free port), for peers whose network drops
                     UDP; grants name it as wsUrl (default: no WebSocket)
  --relay-ws-url URL the wsUrl grants name instead (wss://… behind a TLS proxy, or an external
                     relay's --ws-port); docs/operations.md
  --trusted-proxy ADDR  a reverse proxy (address or CIDR) whose X-Forwarded-For names the
                     client; per-address limits then count that client; repeatable
  --metrics-port N   serve /metrics on this port only, not on the HTTP port
  --metrics-host H   address of the metrics listener (default ${cloudDefaults.DEFAULT_METRICS_HOST})
  --reconnect-grace-ms N  how long a peer whose signaling dropped is held for its rejoin,
                     ms (default 10000; 0 drops it at once)
  --config FILE      per-app custom authentication and plugins, and the egress policy, from a
                     JSON file ({"apps": {"<appId>|*": {"auth": …, "plugins": …}}, "egress": …});
                     "$env:NAME" values are read from the environment (docs/configuration.md)
  --admin-token T    serve the admin endpoints (/v1/admin/…: webhook deliveries, dead letters,
                     replay, test send; /v1/stats, the data of the /dashboard page) to
                     "Authorization: Bearer T"; ≥ 16 characters; prefer
                     ${ADMIN_TOKEN_ENV} (a flag shows in the process list)
  --redis-url URL    cluster mode: share sessions with the other cloud processes on this Redis
                     (or Valkey) ≥ 7.0: redis://[user:pass@]host:port, rediss://… or
                     unix:///path/redis.sock (also "redis" in --config). Run the processes behind
                     one load balancer; SIGTERM then drains (peers rejoin elsewhere, code 1012)
  --node-id ID       this process's id in the cluster (default hostname-pid); unique per process
  --failover-grace-ms N  how long the peers of a dead or draining node are held for their
                     rejoin on another node, ms (default 10000)
  --no-embedded-relay  with a relay fleet (${RELAY_TOKEN_ENV} set): only the relays that
                     report to this cloud carry relayed traffic; the built-in one does not start
  --region R         this cloud's region: fleet relays that declare it are preferred
  --relay-policy P   with a fleet, when no relay is eligible: auto (start the session without a
                     relay grant, default) or required (refuse it with RELAY_FULL)
  --no-ipv6          IPv4 only; by default STUN and the relay also listen on IPv6
                     (${cloudDefaults.DEFAULT_CLOUD_HOST6}) when --host is the IPv4 wildcard, and peers get the IPv6
                     STUN endpoint when this machine has a global IPv6 address
  --json             one JSON object per line on stdout; the first is
                     {"event":"ready","http":"http://IP:${cloudDefaults.DEFAULT_HTTP_PORT}","stun":"IP:${DEFAULT_STUN_PORT}","relay":"IP:${relayDefaults.DEFAULT_RELAY_PORT}"}
  --help             this text

Environment:
  ${RELAY_SECRET_ENV}  relay ticket secret (≥ ${relayDefaults.MIN_TICKET_SECRET_BYTES} bytes), to share with standalone relays;
                 generated at start when unset.
  ${RELAY_TOKEN_ENV}  relay registration token (≥ 16 characters): relays started with
                 --register report to POST /v1/relays/report with it and new sessions are
                 spread over them by load (needs ${RELAY_SECRET_ENV}, the fleet's master secret;
                 docs/operations.md, "A fleet of relays").
  ${cloudDefaults.METRICS_TOKEN_ENV}  when set, /metrics needs "Authorization: Bearer <token>".
  ${ADMIN_TOKEN_ENV}  the admin token, as --admin-token (the flag wins).
  LOG_LEVEL      pino level for the logs on stderr (default info).`;

export const cloudCommand: CliCommand = {
  summary: 'run the cloud: session service + STUN server + relay',
  usage,
  async run(args, io) {
    const { values } = parseFlags(args, {
      host: { type: 'string' },
      'public-ip': { type: 'string' },
      'http-port': { type: 'string' },
      'stun-port': { type: 'string' },
      'stun-alt-port': { type: 'string' },
      'stun-alt-host': { type: 'string' },
      'relay-port': { type: 'string' },
      'relay-endpoint': { type: 'string' },
      'relay-ws-port': { type: 'string' },
      'relay-ws-url': { type: 'string' },
      'trusted-proxy': { type: 'string', multiple: true },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string' },
      'reconnect-grace-ms': { type: 'string' },
      config: { type: 'string' },
      'admin-token': { type: 'string' },
      'no-ipv6': { type: 'boolean', default: false },
      'redis-url': { type: 'string' },
      'node-id': { type: 'string' },
      'failover-grace-ms': { type: 'string' },
      'no-embedded-relay': { type: 'boolean', default: false },
      region: { type: 'string' },
      'relay-policy': { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const trustedProxies = values['trusted-proxy'] ?? [];
    const adminToken = values['admin-token'] ?? (io.env[ADMIN_TOKEN_ENV] || undefined);
    try {
      proxyMatcher(trustedProxies);
    } catch (error) {
      throw new UsageError(`--trusted-proxy: ${(error as Error).message.replace(/^trustedProxies: /, '')}`);
    }
    const secret = checkedRelaySecret(io.env[RELAY_SECRET_ENV] || undefined, RELAY_SECRET_ENV);
    const relayEndpoint = externalRelay(values['relay-endpoint'], values['relay-port'], secret);
    const fleet = fleetOptions(io.env[RELAY_TOKEN_ENV] || undefined, secret, values['no-embedded-relay'], values.region, values['relay-policy']);
    const config = values.config === undefined ? {} : await loadConfigFile(values.config, io.env);
    const cluster = clusterOptions(values['redis-url'] ?? config.redis, values['node-id'], values['failover-grace-ms']);
    const logger = createLogger({ name: 'cloud' });
    let cloud: CloudWithExternalRelay;
    try {
      cloud = await createCloud({
        host: values.host ?? cloudDefaults.DEFAULT_CLOUD_HOST,
        ...(values['public-ip'] ? { publicIp: values['public-ip'] } : {}),
        httpPort: intFlag('http-port', values['http-port'], cloudDefaults.DEFAULT_HTTP_PORT),
        stunPort: intFlag('stun-port', values['stun-port'], DEFAULT_STUN_PORT),
        stunAltPort: intFlag('stun-alt-port', values['stun-alt-port'], cloudDefaults.DEFAULT_STUN_ALT_PORT),
        ...(values['stun-alt-host'] ? { stunAltHost: stunAltHost(values['stun-alt-host']) } : {}),
        relayPort: intFlag('relay-port', values['relay-port'], relayDefaults.DEFAULT_RELAY_PORT),
        ...(relayEndpoint ? { relayEndpoint } : {}),
        ...(values['relay-ws-port'] === undefined ? {} : { relayWsPort: intFlag('relay-ws-port', values['relay-ws-port'], 0) }),
        ...(values['relay-ws-url'] ? { relayWsUrl: values['relay-ws-url'] } : {}),
        ...(secret ? { relaySecret: secret } : {}),
        ...fleet,
        ipv6: !values['no-ipv6'],
        ...(values['metrics-port'] === undefined ? {} : { metricsPort: intFlag('metrics-port', values['metrics-port'], 0) }),
        ...(values['metrics-host'] ? { metricsHost: values['metrics-host'] } : {}),
        ...(cluster ? { cluster } : {}),
        session: {
          ...(config.apps ? { apps: config.apps as NonNullable<SessionServiceOptions['apps']> } : {}),
          ...(config.egress ? { egress: config.egress } : {}),
          trustedProxies,
          ...(values['reconnect-grace-ms'] === undefined ? {} : { reconnectGraceMs: intFlag('reconnect-grace-ms', values['reconnect-grace-ms'], 0, 0, 3_600_000) }),
          ...(io.env[cloudDefaults.METRICS_TOKEN_ENV] ? { metricsToken: io.env[cloudDefaults.METRICS_TOKEN_ENV] } : {}),
          ...(adminToken ? { adminToken } : {}),
        },
        logger,
      });
    } catch (error) {
      if (error instanceof UsageError) throw error;
      return reportStartFailure(io, values.json, 'cloud', error, `cannot start the cloud: ${(error as Error).message}`);
    }
    const ready = {
      http: cloud.httpUrl,
      stun: formatEndpoint(cloud.stun),
      relay: formatEndpoint(cloud.relay),
      ...(cloud.metricsEndpoint ? { metrics: `http://${formatEndpoint(cloud.metricsEndpoint)}/metrics` } : {}),
    };
    if (values.json) writeJson(io.stdout, { event: 'ready', ...ready });
    else io.stdout.write(`cloud ready\n  http   ${ready.http}\n  stun   ${ready.stun}\n  relay  ${ready.relay}\n`);
    const signal = await io.stopSignal;
    logger.info({ signal }, cluster ? 'stopping: draining this node (its peers rejoin on the others)' : 'stopping: telling sessions the cloud is going away');
    await cloud.close();
    if (values.json) writeJson(io.stdout, { event: 'closed' });
    return ExitCode.ok;
  },
};

/** `--redis-url` (or the config's `redis`), `--node-id`, `--failover-grace-ms`: cluster mode, or undefined. */
function clusterOptions(url: string | undefined, nodeId: string | undefined, grace: string | undefined) {
  if (url === undefined) {
    if (nodeId !== undefined || grace !== undefined) throw new UsageError('--node-id and --failover-grace-ms need --redis-url (cluster mode)');
    return undefined;
  }
  if (!/^(rediss?|unix):/.test(url)) throw new UsageError(`--redis-url: expected redis://host:port, rediss://… or unix:///path, got "${url}"`);
  if (nodeId !== undefined && !/^[A-Za-z0-9._:-]{1,64}$/.test(nodeId)) throw new UsageError(`--node-id: 1-64 of letters, digits and . _ : -, got "${nodeId}"`);
  return {
    redisUrl: url,
    ...(nodeId === undefined ? {} : { nodeId }),
    ...(grace === undefined ? {} : { failoverGraceMs: intFlag('failover-grace-ms', grace, 0, 0, 600_000) }),
  };
}

/** The relay fleet's options from the registration token and flags (docs/operations.md, "A fleet of relays"). */
function fleetOptions(token: string | undefined, secret: string | undefined, noEmbedded: boolean | undefined, region: string | undefined, policy: string | undefined) {
  if (token === undefined) {
    if (noEmbedded || region !== undefined || policy !== undefined) throw new UsageError(`--no-embedded-relay, --region and --relay-policy need ${RELAY_TOKEN_ENV} (a relay fleet)`);
    return {};
  }
  if (token.length < 16) throw new UsageError(`${RELAY_TOKEN_ENV} must be at least 16 characters`);
  if (secret === undefined) throw new UsageError(`${RELAY_TOKEN_ENV} needs ${RELAY_SECRET_ENV}: each fleet relay's ticket key derives from it`);
  if (region !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(region)) throw new UsageError(`--region: 1-64 of letters, digits and . _ -, got "${region}"`);
  if (policy !== undefined && policy !== 'auto' && policy !== 'required') throw new UsageError(`--relay-policy: auto or required, got "${policy}"`);
  return {
    relayRegistrationToken: token,
    ...(noEmbedded ? { embeddedRelay: false } : {}),
    ...(region === undefined ? {} : { region }),
    ...(policy === undefined ? {} : { relayPolicy: policy }),
  };
}

/** A usage error, not a failed start, for an address that is not IPv4. */
function stunAltHost(value: string): string {
  if (isIPv4(value)) return value;
  throw new UsageError(`--stun-alt-host: expected an IPv4 address, got "${value}"`);
}

/** `--relay-endpoint IP:PORT`: an IP literal (what peers are sent) and a port, with the shared secret. */
function externalRelay(flag: string | undefined, relayPort: string | undefined, secret: string | undefined): UdpEndpoint | undefined {
  if (flag === undefined) return undefined;
  const endpoint = parseEndpoint(flag);
  if (!endpoint || isIP(endpoint.address) === 0 || endpoint.port === 0) {
    throw new UsageError(`--relay-endpoint takes IP:PORT (an IPv6 address in brackets), got "${flag}"`);
  }
  if (relayPort !== undefined) throw new UsageError('--relay-endpoint replaces the built-in relay: drop --relay-port');
  if (secret === undefined) {
    throw new UsageError(`--relay-endpoint needs ${RELAY_SECRET_ENV}: the relay verifies the cloud's tickets with the secret it was given`);
  }
  return endpoint;
}

export default cloudCommand;
