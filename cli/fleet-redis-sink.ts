// The Redis report sink of `punchthrough relay --redis-url`: SET pt:relay:<id> PX 3000, ZADD pt:relays, and take the assignment counter.
import { RELAY_REGISTRY_KEY, relayAssignedKey, relayDefaults, relayReportKey, type RelayReportSink } from '../relay/index.js';

/** What the sink needs of a node-redis client. */
interface SinkClient {
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  multi(): SinkMulti;
  readonly isOpen: boolean;
}

interface SinkMulti {
  addCommand(args: string[]): SinkMulti;
  exec(): Promise<unknown[]>;
}

export interface RedisReportSink extends RelayReportSink {
  close(): Promise<void>;
}

/** Commands fail fast while Redis is away: the next report, a second later, is the retry. */
const COMMAND_TIMEOUT_MS = 900;

/**
 * Connects to Redis (`redis://`, `rediss://` or `unix:///path`). @redis/client is loaded only
 * here, by a dynamic import, so a relay reporting over HTTP never loads it. Each report is one
 * MULTI: the report with a 3 s lifetime (three missed reports and it is gone), the relay's id in
 * the registry set scored by the report's time (how session nodes find every relay, dead ones
 * included, without a SCAN), and GETDEL of the assignment counter, which the session nodes INCR
 * per session placed here since this report.
 */
export async function createRedisReportSink(url: string, onError: (error: unknown) => void): Promise<RedisReportSink> {
  const { createClient } = await import('@redis/client');
  const reconnectStrategy = (retries: number): number => Math.min(50 * 2 ** retries, 1_000);
  const base = { RESP: 3 as const, disableOfflineQueue: true, commandOptions: { timeout: COMMAND_TIMEOUT_MS } };
  const options = url.startsWith('unix:')
    ? { ...base, socket: { path: url.replace(/^unix:(\/\/)?/, ''), reconnectStrategy } }
    : { ...base, url, socket: { reconnectStrategy } };
  const client = createClient(options) as unknown as SinkClient;
  client.on('error', onError);
  await client.connect();
  return {
    async send(report, json) {
      const replies = await client
        .multi()
        .addCommand(['SET', relayReportKey(report.id), json, 'PX', String(relayDefaults.FLEET_REPORT_TTL_MS)])
        .addCommand(['ZADD', RELAY_REGISTRY_KEY, String(report.reportedAtMs), report.id])
        .addCommand(['GETDEL', relayAssignedKey(report.id)])
        .exec();
      const taken = Number(replies[2] ?? 0);
      return Number.isSafeInteger(taken) && taken > 0 ? { assigned: taken } : {};
    },
    async close() {
      if (client.isOpen) await client.close();
    },
  };
}
