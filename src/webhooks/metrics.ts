// Webhook notifications' Prometheus metrics (docs/webhooks.md, "Observability").
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface WebhookMetrics {
  deliveries: Counter<'type' | 'outcome'>;
  attempts: Histogram;
  latency: Histogram<'type'>;
}

/** `depth`, `oldestAgeS` and `dead` are read when the registry is scraped. */
export function createWebhookMetrics(registry: Registry, read: { depth(): number; oldestAgeS(): number; dead(): number }): WebhookMetrics {
  const registers = [registry];
  new Gauge({ name: 'punchthrough_webhook_queue_depth', help: 'Webhook notifications waiting or in flight.', registers, collect() { this.set(read.depth()); } });
  new Gauge({ name: 'punchthrough_webhook_oldest_age_seconds', help: 'Age of the oldest notification still held (commit to now).', registers, collect() { this.set(read.oldestAgeS()); } });
  new Gauge({ name: 'punchthrough_webhook_dead_letters', help: 'Dead-lettered notifications held for replay.', registers, collect() { this.set(read.dead()); } });
  return {
    deliveries: new Counter({
      name: 'punchthrough_webhook_deliveries_total',
      help: 'Webhook notifications by type and how their attempt ended (ok, retry, dead, overflow).',
      labelNames: ['type', 'outcome'],
      registers,
    }),
    attempts: new Histogram({ name: 'punchthrough_webhook_attempts', help: 'Attempts per delivered notification.', buckets: [1, 2, 3, 4, 5, 6, 7], registers }),
    latency: new Histogram({
      name: 'punchthrough_webhook_latency_seconds',
      help: 'Commit to the 2xx answer, by type.',
      labelNames: ['type'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600, 1800, 3600],
      registers,
    }),
  };
}
