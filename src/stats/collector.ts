/**
 * This node's connect statistics: counts connect reports as they arrive, classifies each pair by
 * both sides' NAT types once discovery has reported them (a direct connect often comes first), and
 * keeps each live pair's path and RTT for the dashboard. Everything is bounded by the constants.
 */
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import type { ConnectPath, NatType, PathChangeReason } from '../protocol/index.js';
import type { Change, Session } from '../session/model.js';
import type { SessionStore } from '../session/store.js';
import { countConnect, countOutcome, countUpgrade, emptyAggregates, natPairKey, type PairOutcome, type StatsAggregates } from './aggregates.js';
import { MAX_LIVE_PAIRS, MAX_PENDING_CONNECTS, MAX_SWEEP_READS, NAT_WAIT_MS, PAIR_FORGET_MS, PATH_REPORTS_PER_MINUTE, PENDING_SWEEP_MS } from './constants.js';

/** A client–server pair as the dashboard shows it (keyed by session and client actor). */
export interface LivePair {
  sessionId: string;
  clientActor: number;
  path: ConnectPath;
  outcome: PairOutcome;
  connectMs: number;
  rttMs?: number;
  /** `client NAT|server NAT` once classified. */
  natPair?: string;
  /** Last heard of (clock ms). */
  at: number;
}

interface PairState extends LivePair {
  /** Reports in the current minute, and the minute's start: the per-pair rate bound. */
  reports: number;
  windowStart: number;
  /** Connected at (clock ms): the NAT wait runs from here. */
  since: number;
}

export interface ConnectReport {
  path: ConnectPath;
  ms: number;
  rttMs?: number;
}

export interface PathReport {
  path: ConnectPath;
  reason: PathChangeReason;
  rttMs?: number;
}

export interface StatsCollector {
  /** A client reported its connect (CONNECTED); past the pair's report rate it is dropped and counted. */
  connected(sessionId: string, clientActor: number, report: ConnectReport): void;
  /** A client reported its pair's path changed (PATH_REPORT); false when dropped (unknown pair or over the rate). */
  pathChanged(sessionId: string, clientActor: number, report: PathReport): boolean;
  /** A stored change: members that left and closed sessions take their pairs with them. */
  committed(before: Session, change: Pick<Change<unknown>, 'next' | 'events'>): void;
  /** This node's counts (a copy). */
  aggregates(): StatsAggregates;
  /** Live pairs of these sessions (all of them without an argument). */
  pairs(sessionIds?: ReadonlySet<string>): LivePair[];
  readonly dropped: { reports: number };
  close(): void;
}

export interface StatsCollectorOptions {
  /** Where the NAT types of both sides are read once discovery has reported them. */
  store: Pick<SessionStore, 'get'>;
}

export function createStatsCollector(env: { clock: Clock; logger: Logger }, options: StatsCollectorOptions): StatsCollector {
  const { clock } = env;
  const stats = emptyAggregates();
  // Insertion order is age order: the first entry is the one to forget when full.
  const live = new Map<string, PairState>();
  const pending = new Map<string, PairState>();
  const dropped = { reports: 0 };
  const keyOf = (sessionId: string, actor: number): string => `${sessionId}\u0000${actor}`;

  const classify = (pair: PairState, client: NatType | undefined, server: NatType | undefined): void => {
    pair.natPair = natPairKey(client ?? 'unknown', server ?? 'unknown');
    countOutcome(stats, pair.natPair, pair.outcome);
  };

  const sweep = async (): Promise<void> => {
    const now = clock.now();
    const bySession = new Map<string, PairState[]>();
    for (const pair of pending.values()) {
      const waiting = bySession.get(pair.sessionId);
      if (waiting) waiting.push(pair);
      else if (bySession.size < MAX_SWEEP_READS) bySession.set(pair.sessionId, [pair]);
    }
    for (const [sessionId, pairs] of bySession) {
      const session = (await options.store.get(sessionId))?.session;
      const server = session?.members.find((member) => member.mode === 'server')?.addresses?.natType;
      for (const pair of pairs) {
        const client = session?.members.find((member) => member.actor === pair.clientActor)?.addresses?.natType;
        const known = (type: NatType | undefined): boolean => type !== undefined && type !== 'unknown';
        if (session && !(known(client) && known(server)) && now - pair.since < NAT_WAIT_MS) continue;
        pending.delete(keyOf(pair.sessionId, pair.clientActor));
        classify(pair, client, server);
      }
    }
  };
  let sweeping = false;
  const timer: TimerHandle = clock.setInterval(() => {
    if (sweeping || pending.size === 0) return;
    sweeping = true;
    sweep()
      .catch((error: unknown) => env.logger.debug({ err: error }, 'stats: NAT types not read'))
      .finally(() => (sweeping = false));
  }, PENDING_SWEEP_MS);

  const forget = (key: string): void => {
    live.delete(key);
    const waiting = pending.get(key);
    if (!waiting) return;
    // Gone before its NAT types came: still one connect of this outcome.
    pending.delete(key);
    classify(waiting, undefined, undefined);
  };

  const forgetOld = (now: number): void => {
    for (const [key, pair] of live) {
      if (now - pair.at <= PAIR_FORGET_MS && live.size <= MAX_LIVE_PAIRS) break;
      forget(key);
    }
  };

  return {
    dropped,
    connected(sessionId, clientActor, report) {
      const now = clock.now();
      const key = keyOf(sessionId, clientActor);
      // A reconnect's report replaces the pair and counts again (it did connect again), within the pair's report rate.
      const previous = live.get(key);
      const fresh = !previous || now - previous.windowStart >= 60_000;
      const reports = fresh ? 1 : previous.reports + 1;
      if (reports > PATH_REPORTS_PER_MINUTE) return void dropped.reports++;
      forget(key);
      // The series is wall time: buckets of different nodes line up.
      countConnect(stats, report.path, report.ms, clock.wallTime());
      const pair: PairState = {
        sessionId,
        clientActor,
        path: report.path,
        outcome: report.path,
        connectMs: report.ms,
        ...(report.rttMs !== undefined ? { rttMs: report.rttMs } : {}),
        at: now,
        since: now,
        reports,
        windowStart: fresh ? now : previous.windowStart,
      };
      live.set(key, pair);
      pending.set(key, pair);
      const [oldest] = pending.size > MAX_PENDING_CONNECTS ? pending.values() : [];
      if (oldest) {
        pending.delete(keyOf(oldest.sessionId, oldest.clientActor));
        classify(oldest, undefined, undefined);
      }
      forgetOld(now);
    },
    pathChanged(sessionId, clientActor, report) {
      const now = clock.now();
      const key = keyOf(sessionId, clientActor);
      const pair = live.get(key);
      if (!pair) return void dropped.reports++, false;
      if (now - pair.windowStart >= 60_000) Object.assign(pair, { windowStart: now, reports: 0 });
      if (++pair.reports > PATH_REPORTS_PER_MINUTE) return void dropped.reports++, false;
      if (report.reason === 'upgrade' && pair.outcome === 'relay') {
        pair.outcome = 'upgraded';
        // Classified already: its count moves from relay to upgraded; pending: it is counted as upgraded.
        countUpgrade(stats, pair.natPair);
      } else if (report.reason === 'fallback') stats.fallbacks++;
      pair.path = report.path;
      pair.at = now;
      if (report.rttMs !== undefined) pair.rttMs = report.rttMs;
      // Most recently heard of goes last: the age order forgetOld walks.
      live.delete(key);
      live.set(key, pair);
      return true;
    },
    committed(before, change) {
      if (!change.next) {
        for (const member of before.members) if (member.mode === 'client') forget(keyOf(before.sessionId, member.actor));
        return;
      }
      for (const event of change.events) if (event.type === 'memberLeft') forget(keyOf(before.sessionId, event.actor));
    },
    aggregates: () => structuredClone(stats),
    pairs(sessionIds) {
      const out: LivePair[] = [];
      for (const { sessionId, clientActor, path, outcome, connectMs, rttMs, natPair, at } of live.values()) {
        if (sessionIds && !sessionIds.has(sessionId)) continue;
        out.push({ sessionId, clientActor, path, outcome, connectMs, ...(rttMs !== undefined ? { rttMs } : {}), ...(natPair ? { natPair } : {}), at });
      }
      return out;
    },
    close() {
      clock.clearInterval(timer);
    },
  };
}
