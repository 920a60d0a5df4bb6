/**
 * The paths of a connected pair (docs/connection-process.md, "After the connection"): which one
 * carries traffic, the keepalive requests that prove each one by an authenticated round trip,
 * the relay kept warm under a direct path, background probing of the direct candidates while on
 * the relay, suspicion and fallback when the direct path goes silent, and roaming to a new
 * endpoint of the peer. Pure state and `now`: the link core seals what this decides.
 */
import { endpointKey, type UdpEndpoint } from '../../core/index.js';
import {
  MAX_PATH_RECORDS,
  MAX_PENDING_REQUESTS,
  PATH_FRESH_MS,
  PATH_PROBE_INTERVAL_MS,
  PATH_SUSPECT_AFTER_MS,
  PATH_SUSPECT_PROBE_INTERVAL_MS,
  PATH_SUSPECT_PROBES,
  RELAY_WARM_INTERVAL_MS,
  RTT_SMOOTHING,
} from '../constants.js';
import { shouldSwitch, type PathQuality, type Via } from './path.js';
import { nextProbeRoundAt } from './probing.js';
import { smoothRtt } from './schedule.js';

/**
 * Why a connected pair's send path moved (docs/connection-process.md, "After the connection"):
 * - `upgrade`: from the relay to a direct path proven by a background probe's round trip;
 * - `fallback`: a silent direct path (three unanswered probes) gave way to the warm relay;
 * - `roamed`: the peer's endpoint changed (NAT rebinding, another network) and the new one was proven;
 * - `better`: another proven direct path is clearly faster (the comparator's hysteresis passed).
 */
export type PathChangeReason = 'upgrade' | 'fallback' | 'roamed' | 'better';

export interface PathChange {
  from: Via;
  to: Via;
  reason: PathChangeReason;
}

/** What one end knows of one path. */
interface PathRecord {
  via: Via;
  /** A request sent on it was answered (or the handshake completed on it) and nothing failed since. */
  proven: boolean;
  rttMs: number | undefined;
  /** When it last showed life: an authentic packet from it, or a reply to a request sent on it. */
  aliveAt: number | undefined;
  /** When a probe last went to it (rate limit for probes earned by the peer's packets). */
  probedAt: number;
}

/** A keepalive request waiting for its reply. */
interface Pending {
  via: Via;
  sentAt: number;
}

/** A keepalive request to seal and send on `via`. */
export interface PathRequest {
  via: Via;
  seq: number;
}

export interface PathManagerConfig {
  keepaliveIntervalMs: number;
  /** No direct path at all: no probing, no probes earned by direct packets. */
  forceRelay: boolean;
  /** The peer's candidates (announced and learned), probed while on the relay. */
  candidates: () => UdpEndpoint[];
}

function keyOf(via: Via): string {
  return via.path === 'relay' ? 'relay' : endpointKey(via.endpoint);
}

/** Whether `via` is `current`, without allocating (this runs for every packet). */
function isVia(current: Via | undefined, via: Via): boolean {
  if (!current || current.path !== via.path) return false;
  if (current.path === 'relay' || via.path === 'relay') return true;
  return current.endpoint.port === via.endpoint.port && current.endpoint.address === via.endpoint.address;
}

export class PathManager {
  current: Via | undefined;
  /** Smoothed RTT of the current path. */
  rttMs: number | undefined;
  /** Something went out on the current path since it last showed life (set per send: a field write). */
  sentSinceAlive = false;
  /** Requests, probes and packets refused because a table was full (counted as drops). */
  refused = 0;
  readonly #paths = new Map<string, PathRecord>();
  readonly #pending = new Map<number, Pending>();
  #currentRecord: PathRecord | undefined;
  #seq = Math.floor(Math.random() * 2 ** 32) >>> 0;
  #lastKeepaliveAt = 0;
  #relayWarmAt = 0;
  #suspectProbes = 0;
  #lastCheckAt = 0;
  /** While on the relay (or after a fallback): when background probing started, and rounds sent. */
  #probingSince: number | undefined;
  #probeRounds = 0;
  /** Candidates known when connected or since: one announced later (the peer roamed) gets a probe at once. */
  readonly #knownCandidates = new Set<string>();

  constructor(readonly config: PathManagerConfig) {}

  /** The handshake proved `via` (connection steps 8, 10, 11). */
  connect(via: Via, now: number, measured: boolean, rttMs: number | undefined): void {
    const record = this.#record(via, now)!;
    record.proven = true;
    record.aliveAt = now;
    record.rttMs = rttMs;
    this.#setCurrent(record, now);
    this.rttMs = rttMs;
    for (const endpoint of this.config.candidates()) this.#knownCandidates.add(endpointKey(endpoint));
    this.#lastKeepaliveAt = measured ? now : now - this.config.keepaliveIntervalMs;
    // The first relay round trip goes with the first keepalive, so a fallback soon has a proven relay.
    this.#relayWarmAt = now - RELAY_WARM_INTERVAL_MS + Math.min(this.config.keepaliveIntervalMs, RELAY_WARM_INTERVAL_MS);
  }

  /**
   * An authentic packet from `via`. True when `via` should get a probe: a direct endpoint other
   * than the current path (a late direct path, the peer roamed) that is not proven, at most one
   * per {@link PATH_PROBE_INTERVAL_MS}.
   */
  heard(via: Via, now: number): boolean {
    if (isVia(this.current, via)) {
      this.#currentRecord!.aliveAt = now;
      this.#alive();
      return false;
    }
    const record = this.#record(via, now);
    if (!record) return false;
    record.aliveAt = now;
    if (via.path === 'relay' || this.config.forceRelay || record.proven) return false;
    return now - record.probedAt >= PATH_PROBE_INTERVAL_MS;
  }

  /**
   * Game data came through the relay while we send direct: the peer fell back after its own
   * unanswered probes, so a direct path silent past the suspicion time is gone now, without our
   * own three probes (the host that only echoes would otherwise trail the client by ~0.75 s).
   */
  dataOnRelay(now: number): PathChange | undefined {
    const current = this.#currentRecord;
    const relay = this.#paths.get('relay');
    if (current?.via.path !== 'direct' || !relay?.proven) return undefined;
    if (now - (current.aliveAt ?? 0) < this.#suspectAfter()) return undefined;
    current.proven = false;
    return this.#switch(relay, 'fallback', now);
  }

  /** A probe request to `via` (a keepalive with a fresh sequence number). */
  probe(via: Via, now: number): PathRequest | undefined {
    const record = this.#record(via, now);
    if (!record) return undefined;
    record.probedAt = now;
    return this.#request(via, now);
  }

  /** A keepalive reply from anywhere: if it answers one of our requests, the path it went on is proven. */
  reply(seq: number, now: number): PathChange | undefined {
    const pending = this.#pending.get(seq);
    if (!pending) return undefined;
    this.#pending.delete(seq);
    return this.offer(pending.via, now - pending.sentAt, now);
  }

  /** `via` completed an authenticated round trip of `rttMs` (a probe's reply, a late accept). */
  offer(via: Via, rttMs: number, now: number): PathChange | undefined {
    const record = this.#record(via, now);
    if (!record) return undefined;
    record.proven = true;
    record.aliveAt = now;
    record.rttMs = smoothRtt(record.rttMs, rttMs, RTT_SMOOTHING);
    if (record === this.#currentRecord) {
      this.rttMs = record.rttMs;
      this.#alive();
      return undefined;
    }
    return this.#evaluate(now);
  }

  nextDeadline(): number | undefined {
    const current = this.#currentRecord;
    if (!current) return undefined;
    let due = this.#lastKeepaliveAt + this.config.keepaliveIntervalMs;
    if (current.via.path === 'direct') {
      due = Math.min(due, this.#relayWarmAt + RELAY_WARM_INTERVAL_MS);
      // Suspicion needs a proven relay to fall back to and something sent since the path last
      // showed life; a data send that arms it asks the driver for a new deadline
      // (PeerDriver.send), keepalives arm it from here.
      if (this.sentSinceAlive && this.#paths.get('relay')?.proven) {
        const suspectAt = (current.aliveAt ?? 0) + this.#suspectAfter();
        due = Math.min(due, Math.max(suspectAt, this.#lastCheckAt + this.#suspectInterval()));
      }
    }
    if (this.#probingSince !== undefined) due = Math.min(due, nextProbeRoundAt(this.#probingSince, this.#probeRounds));
    return due;
  }

  /** Timer-driven decisions at `now`: keepalives, the relay's warm keepalive, suspicion probes, probe rounds, fallback. */
  poll(now: number): { requests: PathRequest[]; change: PathChange | undefined } {
    const requests: PathRequest[] = [];
    const current = this.#currentRecord;
    if (!current) return { requests, change: undefined };
    let change = this.#evaluate(now);
    if (!change && current.via.path === 'direct') change = this.#checkDirect(current, now, requests);
    const via = this.current!;
    if (now >= this.#lastKeepaliveAt + this.config.keepaliveIntervalMs) {
      this.#lastKeepaliveAt = now;
      // A keepalive that arms the silence check starts its clock (no suspicion probe beside it).
      if (!this.sentSinceAlive) this.#lastCheckAt = now;
      this.sentSinceAlive = true;
      this.#push(requests, via, now);
    }
    if (via.path === 'direct' && now >= this.#relayWarmAt + RELAY_WARM_INTERVAL_MS) {
      this.#relayWarmAt = now;
      this.#push(requests, { path: 'relay' }, now);
    }
    if (!this.config.forceRelay) this.#probeNewCandidates(via, now, requests);
    if (this.#probingSince !== undefined && now >= nextProbeRoundAt(this.#probingSince, this.#probeRounds)) {
      this.#probeRounds++;
      for (const endpoint of this.config.candidates()) {
        const candidate: Via = { path: 'direct', endpoint };
        if (isVia(via, candidate)) continue;
        const request = this.probe(candidate, now);
        if (request) requests.push(request);
      }
    }
    return { requests, change };
  }

  /** Candidates the peer announced since (it re-reported its addresses after a rebinding): probed once, now. */
  #probeNewCandidates(via: Via, now: number, requests: PathRequest[]): void {
    const candidates = this.config.candidates();
    if (candidates.length === this.#knownCandidates.size) return;
    for (const endpoint of candidates) {
      const key = endpointKey(endpoint);
      if (this.#knownCandidates.has(key)) continue;
      this.#knownCandidates.add(key);
      const candidate: Via = { path: 'direct', endpoint };
      if (isVia(via, candidate)) continue;
      const request = this.probe(candidate, now);
      if (request) requests.push(request);
    }
  }

  /** Suspicion on a silent direct path we send on: faster probes, then the relay. */
  #checkDirect(current: PathRecord, now: number, requests: PathRequest[]): PathChange | undefined {
    const relay = this.#paths.get('relay');
    const silentFor = now - (current.aliveAt ?? 0);
    if (!relay?.proven || silentFor < this.#suspectAfter() || !this.sentSinceAlive) return undefined;
    if (now - this.#lastCheckAt < this.#suspectInterval()) return undefined;
    this.#lastCheckAt = now;
    if (this.#suspectProbes < PATH_SUSPECT_PROBES) {
      this.#suspectProbes++;
      this.#push(requests, current.via, now);
      return undefined;
    }
    // Three probes unanswered: the direct path is gone until a round trip proves it again.
    current.proven = false;
    return this.#switch(relay, 'fallback', now);
  }

  /** Silence that makes the current path suspicious: longer on a slow path. */
  #suspectAfter(): number {
    return Math.max(PATH_SUSPECT_AFTER_MS, 2 * (this.rttMs ?? 0));
  }

  /** Time a suspicion probe gets for its reply: longer on a slow path. */
  #suspectInterval(): number {
    return Math.max(PATH_SUSPECT_PROBE_INTERVAL_MS, 2 * (this.rttMs ?? 0));
  }

  /** Compares the current path with the best fresh, proven alternative (direct ones only: the relay is a fallback). */
  #evaluate(now: number): PathChange | undefined {
    const current = this.#currentRecord;
    if (!current) return undefined;
    let best: PathRecord | undefined;
    for (const record of this.#paths.values()) {
      if (record === current || !record.proven || record.via.path !== 'direct') continue;
      if (now - (record.aliveAt ?? -Infinity) >= PATH_FRESH_MS) continue;
      if (!best || (record.rttMs ?? Infinity) < (best.rttMs ?? Infinity)) best = record;
    }
    if (!best || !shouldSwitch(quality(current), quality(best), now)) return undefined;
    const reason: PathChangeReason = current.via.path === 'relay' ? 'upgrade' : current.proven && now - (current.aliveAt ?? 0) < this.#suspectAfter() ? 'better' : 'roamed';
    return this.#switch(best, reason, now);
  }

  #switch(to: PathRecord, reason: PathChangeReason, now: number): PathChange {
    const from = this.current!;
    this.#setCurrent(to, now);
    this.rttMs = to.rttMs ?? this.rttMs;
    return { from, to: to.via, reason };
  }

  #setCurrent(record: PathRecord, now: number): void {
    this.current = record.via;
    this.#currentRecord = record;
    this.#alive();
    if (record.via.path === 'relay' && !this.config.forceRelay) {
      this.#probingSince = now;
      this.#probeRounds = 0;
    } else if (record.via.path === 'direct') {
      this.#probingSince = undefined;
    }
  }

  #alive(): void {
    this.sentSinceAlive = false;
    this.#suspectProbes = 0;
  }

  #push(requests: PathRequest[], via: Via, now: number): void {
    const request = this.#request(via, now);
    if (request) requests.push(request);
  }

  #request(via: Via, now: number): PathRequest {
    const seq = (this.#seq = (this.#seq + 1) >>> 0);
    this.#pending.set(seq, { via, sentAt: now });
    if (this.#pending.size > MAX_PENDING_REQUESTS) this.#pending.delete(this.#pending.keys().next().value!);
    return { via, seq };
  }

  /** The record of `via`, made when new; undefined when the table is full of paths heard more recently. */
  #record(via: Via, now: number): PathRecord | undefined {
    const key = keyOf(via);
    const known = this.#paths.get(key);
    if (known) return known;
    if (this.#paths.size >= MAX_PATH_RECORDS) {
      let oldest: [string, PathRecord] | undefined;
      for (const entry of this.#paths) {
        if (entry[1] === this.#currentRecord || entry[0] === 'relay') continue;
        if (!oldest || (entry[1].aliveAt ?? -Infinity) < (oldest[1].aliveAt ?? -Infinity)) oldest = entry;
      }
      if (!oldest || now - (oldest[1].aliveAt ?? -Infinity) < PATH_FRESH_MS) {
        this.refused++;
        return undefined;
      }
      this.#paths.delete(oldest[0]);
    }
    const record: PathRecord = { via, proven: false, rttMs: undefined, aliveAt: undefined, probedAt: -Infinity };
    this.#paths.set(key, record);
    return record;
  }
}

function quality(record: PathRecord): PathQuality {
  return { path: record.via.path, proven: record.proven, rttMs: record.rttMs, lastHeardAt: record.aliveAt };
}
