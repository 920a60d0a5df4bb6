/**
 * The relay fleet as the session service sees it (the SessionRelays seam): chooses each new
 * session's relay from the directory, issues grants keyed for that relay, remembers which
 * sessions sit where, and moves the sessions of dead or draining relays (`check`, every second).
 */
import type { Clock, Logger } from '../../core/index.js';
import type { RelayChangeReason } from '../protocol/index.js';
import type { RelayTicketIssuer } from '../session/options.js';
import type { MoveResult, SessionRelays } from '../session/relay-fleet.js';
import { chooseRelay, type ChoiceOptions } from './choose.js';
import { MAX_MOVES_PER_CHECK, SESSION_MOVE_INTERVAL_MS } from './constants.js';
import type { RelayDirectory } from './directory.js';
import { relaysToLeave } from './failover.js';
import type { FleetRelay } from './relay-entry.js';
import { createMemorySessionIndex, type SessionIndex } from './session-index.js';

/** Moves one session to another relay (the session service's moveRelay). */
export type RelayMover = (sessionId: string, move: { from: string; to: string; reason: RelayChangeReason; minIntervalMs: number }) => Promise<MoveResult | undefined>;

export interface RelayFleetOptions {
  directory: RelayDirectory;
  /** Sessions by relay. Default: in memory (one process). */
  index?: SessionIndex;
  /** An issuer for a relay (its endpoint, WebSocket URL and ticket key); cached per relay and address. */
  issuerFor(relay: FleetRelay): RelayTicketIssuer;
  /** Preferred regions, in order (the node's region first). Default: any. */
  regions?: readonly string[];
  /** Without an eligible relay: start without a relay grant ('auto', default) or refuse ('required'). */
  policy?: 'auto' | 'required';
  /** Uniform in [0, 1): the weighted choice's dice. */
  random: () => number;
  choice?: ChoiceOptions;
}

/** Counters the metrics read. */
export interface FleetStats {
  chosen: Map<string, number>;
  none: number;
  moved: Record<RelayChangeReason, number>;
  /** Moves that found no eligible relay to go to. */
  stranded: number;
}

export interface RelayFleet extends SessionRelays {
  readonly directory: RelayDirectory;
  readonly stats: FleetStats;
  /** One pass: moves sessions off stale and draining relays (at most MAX_MOVES_PER_CHECK). Answers how many moved. */
  check(move: RelayMover): Promise<number>;
}

export function createRelayFleet(env: { clock: Clock; logger: Logger }, options: RelayFleetOptions): RelayFleet {
  const { directory } = options;
  const index = options.index ?? createMemorySessionIndex();
  const regions = options.regions ?? [];
  const stats: FleetStats = { chosen: new Map(), none: 0, moved: { failover: 0, drain: 0 }, stranded: 0 };
  const issuers = new Map<string, { key: string; issuer: RelayTicketIssuer }>();
  const failed = (error: unknown): void => env.logger.warn({ err: error }, 'relay fleet index update failed');
  const quietly = (result: void | Promise<void>): void => void (result instanceof Promise ? result.catch(failed) : result);

  const issuerOf = (relay: FleetRelay): RelayTicketIssuer => {
    const key = `${relay.epoch} ${relay.endpoint.address} ${relay.endpoint.port} ${relay.wsUrl ?? ''}`;
    const held = issuers.get(relay.id);
    if (held?.key === key) return held.issuer;
    const issuer = options.issuerFor(relay);
    issuers.set(relay.id, { key, issuer });
    return issuer;
  };

  const pick = (now: number, want: readonly string[], except?: string): FleetRelay | undefined => {
    const relays = directory.list(now).filter((relay) => relay.id !== except);
    return chooseRelay(relays, { regions: want }, now, options.random, options.choice);
  };

  return {
    directory,
    stats,
    policy: options.policy ?? 'auto',
    choose(sessionId) {
      const chosen = pick(env.clock.now(), regions);
      if (!chosen) {
        stats.none++;
        return undefined;
      }
      directory.countAssignment(chosen.id, env.clock.now());
      quietly(index.add(chosen.id, sessionId));
      stats.chosen.set(chosen.id, (stats.chosen.get(chosen.id) ?? 0) + 1);
      return { id: chosen.id };
    },
    released(relayId, sessionId) {
      quietly(index.remove(relayId, sessionId));
    },
    issuer(relayId) {
      const relay = directory.get(relayId);
      return relay ? issuerOf(relay) : undefined;
    },
    async check(move) {
      const now = env.clock.now();
      let moved = 0;
      let budget = MAX_MOVES_PER_CHECK;
      for (const { relay, reason } of relaysToLeave(directory.list(now), now, options.choice?.staleAfterMs)) {
        if (budget <= 0) break;
        const sessionIds = await index.list(relay.id, budget);
        for (const sessionId of sessionIds) {
          budget--;
          // The old relay's region first: its players are near it.
          const target = pick(now, relay.region ? [relay.region, ...regions] : regions, relay.id);
          if (!target) {
            stats.stranded++;
            return moved;
          }
          const result = await move(sessionId, { from: relay.id, to: target.id, reason, minIntervalMs: SESSION_MOVE_INTERVAL_MS });
          if (result === 'too-soon') continue;
          await index.remove(relay.id, sessionId);
          if (result !== 'moved') continue;
          directory.countAssignment(target.id, now);
          await index.add(target.id, sessionId);
          stats.moved[reason]++;
          moved++;
          env.logger.info({ sessionId, from: relay.id, to: target.id, reason }, 'session moved to another relay');
        }
      }
      return moved;
    },
  };
}
