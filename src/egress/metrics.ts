// The egress client's Prometheus metrics, registered in the registry it is given (the session
// service's, so they appear on its GET /metrics) or in one of their own.
import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { DURATION_BUCKETS_S } from './constants.js';

export interface EgressMetrics {
  readonly registry: Registry;
  /** By purpose and outcome (2xx/4xx/5xx/other or the failure). */
  readonly requests: Counter<'purpose' | 'outcome'>;
  readonly duration: Histogram<'purpose'>;
  /** By the reason of the refusal (constants.ts BLOCK_REASONS). */
  readonly blocked: Counter<'reason'>;
  /** 1 while an origin's breaker is open; the series is removed when it closes, so only open
   *  origins have one (bounded by the origins a config and its plugins call). */
  readonly breakerOpen: Gauge<'origin'>;
}

/** The metric already in `registry` under `name` (a second client on one registry), or a new one. */
function reuse<T extends Metric>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createEgressMetrics(registry: Registry = new Registry()): EgressMetrics {
  const registers = [registry];
  return {
    registry,
    requests: reuse(
      registry,
      'punchthrough_egress_requests_total',
      () =>
        new Counter({
          name: 'punchthrough_egress_requests_total',
          help: 'Outbound calls to game backends, by purpose (auth, plugin, webhook, rpc) and outcome (2xx, 4xx, 5xx, other, or the failure: blocked, dns, connect, tls, timeout, tooLarge, redirect, circuitOpen, queueFull, aborted).',
          labelNames: ['purpose', 'outcome'],
          registers,
        }),
    ),
    duration: reuse(
      registry,
      'punchthrough_egress_duration_seconds',
      () =>
        new Histogram({
          name: 'punchthrough_egress_duration_seconds',
          help: 'Time of an outbound call from send to its result (queueing included), by purpose.',
          labelNames: ['purpose'],
          buckets: DURATION_BUCKETS_S,
          registers,
        }),
    ),
    blocked: reuse(
      registry,
      'punchthrough_egress_blocked_total',
      () =>
        new Counter({
          name: 'punchthrough_egress_blocked_total',
          help: 'Outbound calls refused by the policy, by reason (loopback, private, linkLocal, metadata, cgnat, uniqueLocal, multicast, unspecified, broadcast, documentation, reserved, scheme, userinfo, url, header, secret, redirect).',
          labelNames: ['reason'],
          registers,
        }),
    ),
    breakerOpen: reuse(
      registry,
      'punchthrough_egress_breaker_open',
      () =>
        new Gauge({
          name: 'punchthrough_egress_breaker_open',
          help: 'Origins whose circuit breaker is open (1), by origin; absent while closed.',
          labelNames: ['origin'],
          registers,
        }),
    ),
  };
}
