// Adds the relay WebSocket listener's counters to the session service's Prometheus registry.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RelayWebSocketStats } from '../../relay/index.js';

/** Exposes the listener's counters, read at scrape time, beside the relay's own. */
export function registerRelayWsMetrics(registry: Registry, stats: () => RelayWebSocketStats): void {
  const registers = [registry];
  new Gauge({
    name: 'punchthrough_relay_ws_connections',
    help: 'Open relay WebSocket connections.',
    registers,
    collect() {
      this.set(stats().connections);
    },
  });
  const labelled = (name: string, help: string, label: string, read: () => Record<string, number>): void => {
    new Counter({
      name,
      help,
      labelNames: [label],
      registers,
      collect() {
        this.reset();
        for (const [value, count] of Object.entries(read())) this.inc({ [label]: value }, count);
      },
    });
  };
  labelled('punchthrough_relay_ws_accepted_total', 'Relay WebSocket connections accepted.', 'carrier', () => ({ websocket: stats().accepted }));
  labelled('punchthrough_relay_ws_refused_total', 'Relay WebSocket upgrades refused, by reason.', 'reason', () => ({ ...stats().refused }));
  labelled('punchthrough_relay_ws_closed_total', 'Relay WebSocket connections the relay closed, by reason.', 'reason', () => ({ ...stats().closed }));
  labelled('punchthrough_relay_ws_messages_total', 'Relay WebSocket messages, by direction.', 'direction', () => ({
    in: stats().messagesIn,
    out: stats().messagesOut,
  }));
  labelled('punchthrough_relay_ws_dropped_total', 'Relay WebSocket messages dropped before or after the relay, by reason.', 'reason', () => ({
    ...stats().dropped,
  }));
}
