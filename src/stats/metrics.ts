// The statistics as Prometheus metrics: read from the aggregates at each scrape, so they equal /v1/stats; every label is a protocol enum.
import { Counter, Gauge, type Registry } from 'prom-client';
import { PAIR_OUTCOMES } from './aggregates.js';
import type { StatsCollector } from './collector.js';

export function registerStatsMetrics(registry: Registry, collector: Pick<StatsCollector, 'aggregates' | 'pairs' | 'dropped'>): void {
  const registers = [registry];
  new Counter({
    name: 'punchthrough_stats_connects_total',
    help: 'Client–server pairs that connected, by the path they connected on (this node).',
    labelNames: ['path'],
    registers,
    collect() {
      const stats = collector.aggregates();
      this.reset();
      this.inc({ path: 'direct' }, stats.connects.direct);
      this.inc({ path: 'relay' }, stats.connects.relay);
    },
  });
  new Counter({
    name: 'punchthrough_stats_pair_outcomes_total',
    help: 'Connected pairs by both sides\' NAT types and how they ended: direct, relay, or upgraded (relay, then direct).',
    labelNames: ['client_nat', 'server_nat', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const [key, counts] of Object.entries(collector.aggregates().natPairs)) {
        const [client_nat, server_nat] = key.split('|');
        for (const outcome of PAIR_OUTCOMES) if (counts[outcome] > 0) this.inc({ client_nat, server_nat, outcome }, counts[outcome]);
      }
    },
  });
  new Counter({
    name: 'punchthrough_stats_path_changes_total',
    help: 'Connected pairs that moved: relay to direct (upgrade) or direct to relay (fallback).',
    labelNames: ['kind'],
    registers,
    collect() {
      const stats = collector.aggregates();
      this.reset();
      this.inc({ kind: 'upgrade' }, stats.upgrades);
      this.inc({ kind: 'fallback' }, stats.fallbacks);
    },
  });
  new Counter({
    name: 'punchthrough_stats_reports_dropped_total',
    help: 'Path reports dropped: no such connected pair, or over the per-pair rate.',
    registers,
    collect() {
      this.reset();
      this.inc(collector.dropped.reports);
    },
  });
  new Gauge({
    name: 'punchthrough_stats_live_pairs',
    help: 'Connected pairs this node holds the path of.',
    registers,
    collect() {
      this.set(collector.pairs().length);
    },
  });
}
