// The relay fleet's Prometheus metrics, read from the fleet's counters and table at scrape time.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../../core/index.js';
import { isFresh } from './choose.js';
import type { RelayFleet } from './fleet.js';

export function registerFleetMetrics(registry: Registry, fleet: RelayFleet, clock: Clock): void {
  const registers = [registry];
  const { stats } = fleet;
  new Counter({
    name: 'punchthrough_relay_chosen_total',
    help: 'New sessions placed on each relay of the fleet.',
    labelNames: ['relay'],
    registers,
    collect() {
      this.reset();
      for (const [relay, count] of stats.chosen) this.inc({ relay }, count);
    },
  });
  new Counter({
    name: 'punchthrough_relay_none_total',
    help: 'New sessions for which no relay was eligible (started without a relay grant, or refused).',
    labelNames: ['policy'],
    registers,
    collect() {
      this.reset();
      this.inc({ policy: fleet.policy }, stats.none);
    },
  });
  new Counter({
    name: 'punchthrough_relay_failovers_total',
    help: 'Sessions moved to another relay: failover (their relay stopped reporting) or drain.',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      this.inc({ reason: 'failover' }, stats.moved.failover);
      this.inc({ reason: 'drain' }, stats.moved.drain);
    },
  });
  new Counter({
    name: 'punchthrough_relay_stranded_total',
    help: 'Moves that found no eligible relay to go to (retried every second).',
    registers,
    collect() {
      this.reset();
      this.inc(stats.stranded);
    },
  });
  new Gauge({
    name: 'punchthrough_fleet_relays',
    help: 'Relays in the table, by state (normal, draining, stale).',
    labelNames: ['state'],
    registers,
    collect() {
      this.reset();
      const now = clock.now();
      const counts = { normal: 0, draining: 0, stale: 0 };
      for (const relay of fleet.directory.list(now)) counts[isFresh(relay, now) ? relay.state : 'stale']++;
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'punchthrough_relay_level',
    help: 'Load level 0-9 each relay last reported.',
    labelNames: ['relay'],
    registers,
    collect() {
      this.reset();
      for (const relay of fleet.directory.list(clock.now())) this.set({ relay: relay.id }, relay.level);
    },
  });
  new Gauge({
    name: 'punchthrough_relay_report_age_seconds',
    help: "Seconds since each relay's last report arrived.",
    labelNames: ['relay'],
    registers,
    collect() {
      this.reset();
      const now = clock.now();
      for (const relay of fleet.directory.list(now)) if (!relay.local) this.set({ relay: relay.id }, Math.max(0, now - relay.receivedAt) / 1000);
    },
  });
}
