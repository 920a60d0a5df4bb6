// Adds the STUN server's and relay's counters to the session service's Prometheus registry.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RelayStats } from '../../relay/index.js';
import type { StunServerStats } from '../../stun-server/index.js';

/**
 * Exposes the STUN server's and the relay's own counters on the session service's registry,
 * read at scrape time, so one `GET /metrics` shows the whole cloud.
 */
export function registerUdpServiceMetrics(
  registry: Registry,
  stun: () => StunServerStats,
  relay: (() => RelayStats) | undefined,
  udpIo?: { stun: string; relay?: string },
): void {
  const registers = [registry];
  if (udpIo) {
    // Which UDP I/O path each server runs on (batched addon or node:dgram): fixed at start.
    const paths = new Gauge({
      name: 'punchthrough_udp_io',
      help: 'The UDP I/O path of each UDP server (1 for the path in use): batched, dgram or custom.',
      labelNames: ['server', 'path'],
      registers,
    });
    paths.set({ server: 'stun', path: udpIo.stun }, 1);
    if (udpIo.relay) paths.set({ server: 'relay', path: udpIo.relay }, 1);
  }
  const counter = (name: string, help: string, read: () => number): void => {
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  };
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

  counter('punchthrough_stun_requests_total', 'STUN Binding requests answered.', () => stun().requests);
  counter('punchthrough_stun_success_responses_total', 'STUN Binding success responses sent.', () => stun().successResponses);
  counter('punchthrough_stun_error_responses_total', 'STUN error responses sent (400, 420).', () => stun().errorResponses);
  labelled('punchthrough_stun_dropped_total', 'STUN datagrams dropped, by reason.', 'reason', () => stun().drops);

  // An external relay keeps its own counters.
  if (!relay) return;
  new Gauge({
    name: 'punchthrough_relay_bindings',
    help: 'Peers currently bound to the relay.',
    registers,
    collect() {
      this.set(relay().bindings);
    },
  });
  counter('punchthrough_relay_packets_relayed_total', 'Datagrams forwarded between peers.', () => relay().packetsRelayed);
  counter('punchthrough_relay_bytes_relayed_total', 'Payload bytes forwarded between peers.', () => relay().bytesRelayed);
  counter('punchthrough_relay_binds_total', 'Binds that created a binding.', () => relay().binds);
  labelled(
    'punchthrough_relay_dropped_total',
    'Relay datagrams dropped, by reason.',
    'reason',
    () => ({ ...relay().dropped }),
  );
}
