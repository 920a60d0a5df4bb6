// Prometheus metrics of custom authentication, registered in the session service's registry.
import { Counter, Histogram, type Registry } from 'prom-client';

/** Every outcome label of punchthrough_auth_requests_total. */
export type AuthMetricOutcome =
  | 'ok'
  | 'continue'
  | 'failed'
  | 'unavailable_rejected'
  | 'unavailable_allowed'
  | 'anonymous'
  | 'token_ok'
  | 'token_expired'
  | 'required'
  | 'rate_limited';

export interface AuthMetrics {
  readonly requests: Counter<'outcome'>;
  readonly duration: Histogram;
}

export function createAuthMetrics(registry: Registry): AuthMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'punchthrough_auth_requests_total',
      help: 'Custom authentication attempts (hello and AUTHENTICATE), by outcome.',
      labelNames: ['outcome'],
      registers,
    }),
    duration: new Histogram({
      name: 'punchthrough_auth_duration_seconds',
      help: 'Time of one call to an auth provider, from the request to its usable (or unusable) answer.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8],
      registers,
    }),
  };
}
