// The fleet side of `punchthrough relay`: its flags, ticket key, reporting to the registry, pid file and drain.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import {
  RELAY_ID_PATTERN,
  createFleetReporter,
  createHttpReportSink,
  deriveRelayKey,
  relayDefaults,
  relayReportUrl,
  type FleetReporter,
  type RelayReportSink,
  type RelayServer,
} from '../relay/index.js';
import { createRealClock, formatEndpoint, type Logger } from '../core/index.js';
import { createRedisReportSink, type RedisReportSink } from './fleet-redis-sink.js';
import { UsageError, intFlag } from './io.js';
import { RELAY_KEY_ENV, RELAY_SECRET_ENV, RELAY_TOKEN_ENV, checkedRelaySecret, parseRelayKey } from './relay-secret.js';

/** The relay command's fleet flags (merged into its parseFlags options). */
export const fleetFlags = {
  'relay-id': { type: 'string' },
  region: { type: 'string' },
  register: { type: 'string' },
  'registration-token': { type: 'string' },
  'redis-url': { type: 'string' },
  'public-ip': { type: 'string' },
  'ws-url': { type: 'string' },
  'ticket-key-file': { type: 'string' },
  'capacity-pps': { type: 'string' },
  'max-bindings': { type: 'string' },
  'drain-timeout-ms': { type: 'string' },
  'pid-file': { type: 'string' },
  drain: { type: 'boolean', default: false },
} as const;

export type FleetFlagValues = { [K in keyof typeof fleetFlags]?: (typeof fleetFlags)[K]['type'] extends 'boolean' ? boolean : string };

/** The region a relay reports when given none. */
export const DEFAULT_REGION = 'default';

export interface FleetConfig {
  relayId: string;
  region: string;
  registry: { kind: 'http'; url: string; token: string } | { kind: 'redis'; url: string } | undefined;
  publicIp: string | undefined;
  wsUrl: string | undefined;
  capacityPps: number;
}

/** The ticket key the relay verifies with, and the relay id its tickets must name (undefined: `local`). */
export interface RelayKeying {
  /** Undefined: none given to a relay without an id, which then generates one. */
  secret: string | Uint8Array | undefined;
  relayId: string | undefined;
  /** Where the key came from, for the start log. */
  source: 'key' | 'derived' | 'secret' | 'generated';
}

/** Reads and checks the fleet flags; undefined without --relay-id. Throws UsageError on bad combinations. */
export function fleetConfig(values: FleetFlagValues, env: NodeJS.ProcessEnv): FleetConfig | undefined {
  const relayId = values['relay-id'];
  const fleetOnly = ['region', 'register', 'registration-token', 'redis-url', 'ticket-key-file', 'ws-url', 'public-ip', 'capacity-pps'] as const;
  if (relayId === undefined) {
    const stray = fleetOnly.find((flag) => values[flag] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --relay-id`);
    return undefined;
  }
  if (!RELAY_ID_PATTERN.test(relayId)) throw new UsageError('--relay-id must be 1..64 of letters, digits and . _ -');
  const region = values.region ?? DEFAULT_REGION;
  if (!RELAY_ID_PATTERN.test(region)) throw new UsageError('--region must be 1..64 of letters, digits and . _ -');
  if (values.register !== undefined && values['redis-url'] !== undefined) throw new UsageError('give --register or --redis-url, not both');
  let registry: FleetConfig['registry'];
  if (values.register !== undefined) {
    try {
      relayReportUrl(values.register);
    } catch (error) {
      throw new UsageError(`--register: ${(error as Error).message}`);
    }
    const token = values['registration-token'] ?? (env[RELAY_TOKEN_ENV] || undefined);
    if (token === undefined) throw new UsageError(`--register needs --registration-token or ${RELAY_TOKEN_ENV}`);
    registry = { kind: 'http', url: values.register, token };
  } else if (values['redis-url'] !== undefined) {
    registry = { kind: 'redis', url: values['redis-url'] };
  } else if (values['registration-token'] !== undefined) {
    throw new UsageError('--registration-token needs --register');
  }
  const wsUrl = values['ws-url'];
  if (wsUrl !== undefined && !/^wss?:\/\/[^/\s]+/.test(wsUrl)) throw new UsageError('--ws-url must be a ws:// or wss:// URL');
  return {
    relayId,
    region,
    registry,
    publicIp: values['public-ip'],
    wsUrl,
    capacityPps: intFlag('capacity-pps', values['capacity-pps'], relayDefaults.DEFAULT_CAPACITY_PPS, 1, 100_000_000),
  };
}

/**
 * The relay's ticket key. With --relay-id: its own key (--ticket-key-file or PUNCHTHROUGH_RELAY_KEY,
 * hex), or derived here from the master secret (--secret or PUNCHTHROUGH_RELAY_SECRET). Without:
 * the shared secret as before, or a generated one.
 */
export function relayKeying(relayId: string | undefined, values: FleetFlagValues & { secret?: string }, env: NodeJS.ProcessEnv): RelayKeying {
  const secret = checkedRelaySecret(values.secret ?? (env[RELAY_SECRET_ENV] || undefined), '--secret');
  const keyFile = values['ticket-key-file'];
  const keyText = keyFile === undefined ? env[RELAY_KEY_ENV] || undefined : readKeyFile(keyFile);
  if (relayId === undefined) {
    if (keyText !== undefined && keyFile === undefined) throw new UsageError(`${RELAY_KEY_ENV} needs --relay-id (a key belongs to one relay)`);
    return { secret, relayId, source: secret === undefined ? 'generated' : 'secret' };
  }
  if (keyText !== undefined) {
    if (values.secret !== undefined) throw new UsageError('give the relay its key or the master secret, not both');
    const key = parseRelayKey(keyText);
    if (!key) throw new UsageError(`the relay key must be ${relayDefaults.MIN_TICKET_SECRET_BYTES * 2}..128 hex digits (punchthrough relay-key prints it)`);
    return { secret: key, relayId, source: 'key' };
  }
  if (secret === undefined) {
    throw new UsageError(`--relay-id needs the relay's key (--ticket-key-file, ${RELAY_KEY_ENV}) or the master secret (--secret, ${RELAY_SECRET_ENV})`);
  }
  return { secret: deriveRelayKey(secret, relayId), relayId, source: 'derived' };
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--ticket-key-file: ${(error as Error).message}`);
  }
}

/** The address peers are told: --public-ip, the bound host when specific, else the first non-internal IPv4. */
export function advertisedHost(publicIp: string | undefined, boundHost: string): string {
  if (publicIp !== undefined) return publicIp;
  if (boundHost !== '0.0.0.0' && boundHost !== '::' && boundHost !== '') return boundHost;
  for (const list of Object.values(networkInterfaces())) {
    const found = list?.find((entry) => entry.family === 'IPv4' && !entry.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}

export interface RunningFleet {
  reporter: FleetReporter;
  close(): Promise<void>;
}

/** Starts reporting (to the registry, or nowhere when the relay has none: then only draining uses it). */
export async function startReporting(
  config: FleetConfig | undefined,
  server: RelayServer,
  ws: { port: number; path: string } | undefined,
  options: { host: string; maxBindings: number; drainTimeoutMs: number },
  logger: Logger,
): Promise<RunningFleet> {
  let redis: RedisReportSink | undefined;
  let sink: RelayReportSink = { send: () => Promise.resolve({}) };
  if (config?.registry?.kind === 'http') sink = createHttpReportSink({ url: config.registry.url, token: config.registry.token });
  if (config?.registry?.kind === 'redis') {
    let reported = false;
    redis = await createRedisReportSink(config.registry.url, (error) => {
      if (!reported) logger.warn({ err: error }, 'redis connection error; reconnecting');
      reported = true;
    });
    sink = redis;
  }
  const host = advertisedHost(config?.publicIp, options.host);
  const endpoint = formatEndpoint({ address: host, port: server.address().port });
  const wsUrl = config?.wsUrl ?? (ws ? `ws://${formatEndpoint({ address: host, port: ws.port })}${ws.path}` : undefined);
  const reporter = createFleetReporter(
    { clock: createRealClock(), logger },
    {
      relay: server,
      sink,
      id: config?.relayId ?? 'local',
      region: config?.region ?? DEFAULT_REGION,
      endpoint,
      ...(wsUrl === undefined ? {} : { wsUrl }),
      maxBindings: options.maxBindings,
      capacityPps: config?.capacityPps ?? relayDefaults.DEFAULT_CAPACITY_PPS,
      drainTimeoutMs: options.drainTimeoutMs,
    },
  );
  if (config?.registry) logger.info({ relayId: config.relayId, region: config.region, endpoint, wsUrl, registry: config.registry.kind }, 'reporting to the fleet registry every second');
  return {
    reporter,
    async close() {
      reporter.close();
      await redis?.close();
    },
  };
}

/** Writes this process's pid (for `--drain`); the returned function removes the file. */
export function writePidFile(path: string): () => void {
  writeFileSync(path, `${process.pid}\n`);
  return () => rmSync(path, { force: true });
}

/**
 * `--drain`: SIGUSR2 to the relay whose pid the file holds. Returns an error message, or
 * undefined when the signal was delivered.
 */
export function signalDrain(pidFile: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8').trim();
  } catch (error) {
    return `cannot read ${pidFile}: ${(error as Error).message}`;
  }
  if (!/^\d{1,10}$/.test(text) || Number(text) < 2) return `${pidFile} does not hold a process id`;
  try {
    process.kill(Number(text), 'SIGUSR2');
  } catch (error) {
    return `cannot signal process ${text}: ${(error as Error).message}`;
  }
  return undefined;
}

export { RELAY_KEY_ENV, RELAY_TOKEN_ENV };
