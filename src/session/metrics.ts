// The session service's Prometheus metrics, in a registry of their own.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CONNECT_MS_BUCKETS } from '../constants.js';

/** The session service's Prometheus metrics, in a registry of their own (never the global one). */
export interface SessionMetrics {
  readonly registry: Registry;
  readonly connectedPeers: Gauge;
  readonly sessions: Gauge;
  readonly joins: Counter<'kind'>;
  readonly errors: Counter<'code'>;
  readonly framesDropped: Counter<'reason'>;
  readonly connectionsRefused: Counter<'reason'>;
  readonly handlerErrors: Counter;
  readonly hookErrors: Counter<'hook'>;
  readonly httpRateLimited: Counter;
  readonly connectMs: Histogram<'path'>;
  readonly natTypes: Counter<'nat_type'>;
  readonly natDiscovered: Counter<'nat_type' | 'mapping' | 'filtering'>;
}

export function createSessionMetrics(): SessionMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    connectedPeers: new Gauge({
      name: 'punchthrough_session_connected_peers',
      help: 'Open signaling WebSocket connections.',
      registers,
    }),
    sessions: new Gauge({ name: 'punchthrough_session_sessions', help: 'Sessions that exist.', registers }),
    joins: new Counter({
      name: 'punchthrough_session_joins_total',
      help: 'Peers that entered a session, by kind (create, join, random, rejoin).',
      labelNames: ['kind'],
      registers,
    }),
    errors: new Counter({
      name: 'punchthrough_session_errors_total',
      help: 'Error replies sent, by error code.',
      labelNames: ['code'],
      registers,
    }),
    framesDropped: new Counter({
      name: 'punchthrough_session_frames_dropped_total',
      help: 'Frames dropped without processing, by reason (malformed, too_large, text, rate_limited, invalid, outbound_too_large).',
      labelNames: ['reason'],
      registers,
    }),
    connectionsRefused: new Counter({
      name: 'punchthrough_session_connections_refused_total',
      help: 'Connections closed by a connection limit, by reason (too_many_connections, too_many_from_address, hello_timeout, send_buffer_full, http_too_many_from_address).',
      labelNames: ['reason'],
      registers,
    }),
    handlerErrors: new Counter({
      name: 'punchthrough_session_handler_errors_total',
      help: 'Unexpected failures while handling a connection (each closed that one connection).',
      registers,
    }),
    hookErrors: new Counter({
      name: 'punchthrough_session_hook_errors_total',
      help: 'Session hooks that threw or rejected (a refusal with a code is not counted), by hook.',
      labelNames: ['hook'],
      registers,
    }),
    httpRateLimited: new Counter({
      name: 'punchthrough_session_http_rate_limited_total',
      help: 'HTTP lobby requests refused with 429 by the per-address rate limit.',
      registers,
    }),
    connectMs: new Histogram({
      name: 'punchthrough_session_connect_ms',
      help: 'Time from receiving the server addresses to connecting, as clients report it, by path.',
      labelNames: ['path'],
      buckets: CONNECT_MS_BUCKETS,
      registers,
    }),
    natTypes: new Counter({
      name: 'punchthrough_session_nat_types_total',
      help: 'Address reports by the NAT type the peer discovered.',
      labelNames: ['nat_type'],
      registers,
    }),
    natDiscovered: new Counter({
      name: 'punchthrough_session_nat_discovered_total',
      help: "Peers' NAT discovery results (one per signaling connection) by name and by what was measured of mapping and filtering.",
      labelNames: ['nat_type', 'mapping', 'filtering'],
      registers,
    }),
  };
}
