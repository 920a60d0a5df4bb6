/**
 * The cloud's relay fleet: the table (reports over HTTP, or the cluster's Redis reader), the
 * issuers keyed per relay (tickets v2 from the master secret; the embedded relay keeps its own),
 * the report and admin endpoints, and the one-second failover and drain pass.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createTicketIssuer, deriveRelayKey, parseRelayReport, relayDefaults, type RelayStats } from '../../relay/index.js';
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import {
  FAILOVER_CHECK_MS,
  LOCAL_RELAY_ID,
  MAX_REPORT_BYTES,
  REPORTS_PER_SECOND,
  createMemoryRelayDirectory,
  createRelayFleet,
  entryOfReport,
  levelOfPct,
  registerFleetMetrics,
  relayRow,
  type FleetRelay,
  type MemoryRelayDirectory,
  type RelayDirectory,
  type RelayFleet,
  type RelayMover,
  type SessionIndex,
} from '../fleet/index.js';
import type { RelayTicketIssuer } from '../session/options.js';
import { createHttpRateLimit } from '../session/http-limits.js';
import { hasBearerToken } from '../session/service.js';

export interface CloudFleetOptions {
  /** Signs every fleet relay's tickets (each with its derived key). */
  masterSecret: string;
  /** Bearer token relays report with; without it the report endpoint is not served (404). */
  registrationToken?: string;
  /** The table: default in memory, fed by the report endpoint (cluster mode passes the Redis reader, with `local` already in it). */
  directory?: RelayDirectory;
  /** Sessions by relay. Default: in memory (cluster mode passes the Redis one). */
  index?: SessionIndex;
  /** Preferred regions in order (the cloud's region). Default: any. */
  regions?: readonly string[];
  policy?: 'auto' | 'required';
  /** The embedded relay, one relay of the fleet with id `local`. Default: none. */
  local?: { issuer: RelayTicketIssuer; stats: () => RelayStats; maxBindings: number };
  /** Only while this answers true does this process move sessions (cluster: the reaper holder). Default: always. */
  isMover?: () => boolean;
}

export interface CloudFleet {
  readonly fleet: RelayFleet;
  /** Serves POST /v1/relays/report (with a registration token) and GET /v1/admin/relays (with an admin token). */
  routes(app: FastifyInstance, adminToken: string | undefined): void;
  metrics(registry: Registry): void;
  /** Starts the failover and drain pass every FAILOVER_CHECK_MS. */
  start(move: RelayMover): void;
  close(): Promise<void>;
}

/** Uniform in [0, 1) from 48 random bits. */
const uniform = (): number => randomBytes(6).readUIntBE(0, 6) / 2 ** 48;

/** The embedded relay as an entry of the table (id `local`, never stale, its level from its live bindings). */
export function embeddedRelayEntry(clock: Clock, local: NonNullable<CloudFleetOptions['local']>, region: string | undefined): () => FleetRelay {
  return () => {
    const stats = local.stats();
    const bindingsPct = (stats.bindings / local.maxBindings) * 100;
    return {
      id: LOCAL_RELAY_ID,
      epoch: 0,
      endpoint: local.issuer.endpoint,
      ...(local.issuer.wsUrl ? { wsUrl: local.issuer.wsUrl } : {}),
      region: region ?? '',
      state: 'normal',
      level: levelOfPct(bindingsPct),
      bindingsPct,
      bindings: stats.bindings,
      sessions: stats.sessions,
      reportedAtMs: clock.wallTime(),
      receivedAt: clock.now(),
      assigned: 0,
      local: true,
    };
  };
}

export function createCloudFleet(env: { clock: Clock; logger: Logger }, options: CloudFleetOptions): CloudFleet {
  const { clock, logger } = env;
  const local = options.local;
  const localEntry = local ? embeddedRelayEntry(clock, local, options.regions?.[0]) : undefined;
  const memory: MemoryRelayDirectory | undefined = options.directory ? undefined : createMemoryRelayDirectory(localEntry ? { local: localEntry } : {});
  const directory = options.directory ?? memory!;
  const issuerFor = (relay: FleetRelay): RelayTicketIssuer => {
    if (relay.local && local) return local.issuer;
    const issuer = createTicketIssuer({ secret: deriveRelayKey(options.masterSecret, relay.id), relayId: relay.id, clock, ttlMs: relayDefaults.DEFAULT_TICKET_TTL_MS });
    return { endpoint: relay.endpoint, ...(relay.wsUrl ? { wsUrl: relay.wsUrl } : {}), issueTicket: (sessionId, actor) => issuer.issue(sessionId, actor) };
  };
  const fleet = createRelayFleet(env, {
    directory,
    ...(options.index ? { index: options.index } : {}),
    issuerFor,
    random: uniform,
    ...(options.regions ? { regions: options.regions } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
  });
  let timer: TimerHandle | undefined;
  let running: Promise<unknown> | undefined;

  return {
    fleet,
    routes(app, adminToken) {
      const token = options.registrationToken;
      if (token !== undefined && memory) {
        const perRelay = createHttpRateLimit(clock, REPORTS_PER_SECOND, REPORTS_PER_SECOND);
        app.post('/v1/relays/report', { bodyLimit: MAX_REPORT_BYTES }, async (request, reply) => {
          if (!hasBearerToken(request.headers.authorization, token)) {
            return reply.code(401).send({ code: 'NOT_ALLOWED', message: 'relay reports need Authorization: Bearer <relay registration token>' });
          }
          const parsed = parseRelayReport(request.body);
          const entry = parsed.ok ? entryOfReport(parsed.value) : undefined;
          if (!parsed.ok || !entry) return reply.code(400).send({ code: 'INVALID_REQUEST', message: parsed.ok ? 'endpoint must be host:port' : parsed.error });
          // Reserved even without an embedded relay: a relay named so would take v1 tickets.
          if (entry.id === LOCAL_RELAY_ID) return reply.code(400).send({ code: 'INVALID_REQUEST', message: `the relay id ${LOCAL_RELAY_ID} is the embedded relay's` });
          if (!perRelay(entry.id)) return reply.code(429).send({ code: 'RATE_LIMITED', message: `more than ${REPORTS_PER_SECOND} reports per second from relay ${entry.id}` });
          const accepted = memory.accept(entry, clock.now());
          if (accepted.ok) return { assigned: accepted.assigned };
          if (accepted.reason === 'old-epoch') return reply.code(409).send({ code: 'INVALID_REQUEST', message: 'a newer process of this relay id reports' });
          return reply.code(503).send({ code: 'LIMIT_EXCEEDED', message: 'the relay table is full' });
        });
      }
      if (adminToken !== undefined) {
        app.get('/v1/admin/relays', async (request, reply) => {
          if (!hasBearerToken(request.headers.authorization, adminToken)) {
            return reply.code(401).send({ code: 'NOT_ALLOWED', message: 'admin endpoints need Authorization: Bearer <admin token>' });
          }
          const now = clock.now();
          return { relays: directory.list(now).map((relay) => relayRow(relay, now)), policy: fleet.policy };
        });
      }
    },
    metrics(registry) {
      registerFleetMetrics(registry, fleet, clock);
    },
    start(move) {
      timer = clock.setInterval(() => {
        // One pass at a time: a slow store must not stack them.
        if (running || (options.isMover && !options.isMover())) return;
        running = fleet
          .check(move)
          .catch((error: unknown) => logger.error({ err: error }, 'relay failover pass failed'))
          .finally(() => (running = undefined));
      }, FAILOVER_CHECK_MS);
    },
    async close() {
      clock.clearInterval(timer);
      await running;
    },
  };
}
