/**
 * The server's role in a client–server pair (docs/connection-process.md, connection steps 2, 7,
 * 8 and 10): a bounded budget of pings to the client's candidates, an accept for every authentic
 * connect on the path it came by, and a send path set or moved only after an authenticated round
 * trip (packets.ts). link.ts holds what both roles share.
 */
import { randomBytes } from 'node:crypto';
import type { NatType } from '../../src/protocol/index.js';
import { MAX_PENDING_PROBES, PATH_PROBE_INTERVAL_MS } from '../constants.js';
import type { EphemeralKeyPair } from './key-schedule.js';
import type { LinkOutput, LinkTiming } from './link-core.js';
import { PeerLink, type LinkRole, type PeerContact } from './link.js';
import { PeerPacketType, type PeerPacket } from './packets.js';
import { sameVia, type Via } from './path.js';
import { PrimeTracker, separatePrimes } from './priming.js';
import { directOutlook, serverPings } from './race.js';
import { attemptDueAt, duePing, nextRoundAt, type ScheduleConfig } from './schedule.js';
import { sealedBytes } from './sealer.js';

/** The client as the server knows it. */
export type ClientContact = PeerContact;

export interface ServerLinkInit {
  /** The server's actor number. */
  self: number;
  client: ClientContact;
  /** When the server learned the client's addresses (connection step 2): t = 0 of its pings. */
  learnedAt: number;
  schedule: ScheduleConfig;
  timing: LinkTiming;
  /** Random u32 that places this link's handshake counters (see PairSealer). */
  counterBase: number;
  /** An ephemeral key pair made ahead of time, off the connect's critical path (used once). */
  ephemeral?: EphemeralKeyPair;
  /** Both ends' reported NAT types: the race policy skips pings they rule out. */
  natTypes?: { self: NatType; peer: NatType };
}

export type ServerPhase = 'waiting' | 'connected' | 'closed';

/** A random value sent to `via`, waiting for a session-sealed keepalive reply from `via`. */
interface Probe {
  via: Via;
  sentAt: number;
  /** The attempt number of the connect that led to it (for the `connected` output). */
  attempt: number;
}

/** A probe keepalive's size: the server probes only in answer to a packet at least this big. */
const PROBE_BYTES = sealedBytes(5);

class ServerRole implements LinkRole {
  readonly waitingPhase = 'waiting';
  pingsSent = 0;
  #lastAttempt = 0;
  readonly #probes = new Map<number, Probe>();
  readonly #primes: PrimeTracker;
  #pings: boolean;
  /** Primes held back from a round that also sent full-TTL pings (priming.ts), and when that round ran. */
  #later: LinkOutput[] = [];
  #laterAt = 0;

  constructor(
    private readonly link: PeerLink,
    /** t = 0 of the ping budget: the first address report; later reports never move it. */
    private readonly learnedAt: number,
    private readonly schedule: ScheduleConfig,
    natTypes: { self: NatType; peer: NatType } | undefined,
  ) {
    this.#primes = new PrimeTracker(schedule.priming);
    this.#pings = serverPings(schedule, natTypes ? directOutlook(natTypes.self, natTypes.peer) : 'unknown');
  }

  /** NAT discovery finished after the link was made: the ping rounds still to come follow the types. */
  natTypes(types: { self: NatType; peer: NatType }): void {
    this.#pings = serverPings(this.schedule, directOutlook(types.self, types.peer));
  }

  handshakeDeadline(): number | undefined {
    if (this.#later.length > 0) return this.#laterAt;
    return this.#pings ? nextRoundAt(this.schedule, this.learnedAt, this.pingsSent) : undefined;
  }

  /**
   * Connection step 7: pings open the server's NAT towards the client's candidates, one round at
   * most per poll (a late timer skips rounds rather than bursting them). Re-reported addresses
   * neither restart nor extend the budget, so the server is never a packet cannon
   * (DEFAULT_ATTEMPTS_LIMIT rounds, ≤ 16 endpoints, one packet each per round). A candidate's
   * first ping is its low-TTL prime (priming.ts), so priming adds no packet to the budget.
   */
  pollHandshake(now: number): LinkOutput[] {
    const out = this.#later.splice(0);
    const round = this.#pings ? duePing(this.schedule, this.learnedAt, this.pingsSent, now) : undefined;
    if (round === undefined) return out;
    this.pingsSent = round + 1;
    const { core, sealer } = this.link;
    const at = attemptDueAt(this.schedule, this.learnedAt, round);
    for (const endpoint of this.link.candidateSet.all()) {
      const send = this.#primes.decide(endpoint, at);
      if (send === 'wait') continue;
      const bytes = sealer.seal({ type: PeerPacketType.PING, from: core.self, to: core.peer, seq: round });
      const via: Via = { path: 'direct', endpoint };
      out.push(send === 'prime' && this.schedule.priming ? { type: 'send', via, bytes, ttl: this.schedule.priming.ttl } : { type: 'send', via, bytes });
    }
    const split = separatePrimes(out);
    if (split.later.length > 0) {
      this.#later = split.later;
      this.#laterAt = now;
    }
    return split.now;
  }

  /**
   * Connected through the relay, the server keeps its ping budget: the pings open its NAT and
   * show a client its peer-reflexive port for a direct path to take over (race policy).
   */
  pingsWhileRelayed(): boolean {
    return this.link.core.via?.path === 'relay';
  }

  receive(packet: PeerPacket, via: Via, now: number, size: number): LinkOutput[] {
    switch (packet.type) {
      case PeerPacketType.CONNECT:
        return this.#onConnect(packet, via, now);
      case PeerPacketType.KEEPALIVE:
        if (packet.reply && this.#probes.has(packet.seq)) return this.#onProbeReply(packet.seq, via, now);
        return this.#fromPath(packet, via, now, size);
      default:
        return this.#fromPath(packet, via, now, size);
    }
  }

  /**
   * Connection steps 8 (direct socket) and 10 (relay): an authentic connect gets an accept on
   * the path it came by, carrying our ephemeral key and a probe. Nothing else changes here: a
   * connect may be a capture replayed from anywhere, so the path waits for the probe's answer.
   */
  #onConnect(packet: Extract<PeerPacket, { type: typeof PeerPacketType.CONNECT }>, via: Via, now: number): LinkOutput[] {
    if (via.path === 'direct' && this.schedule.forceRelay) return [];
    const { core, sealer } = this.link;
    const established = sealer.establish(packet.publicKey);
    if (established === 'invalid') return [{ type: 'dropped', reason: 'malformed' }];
    if (established === 'other') return [{ type: 'dropped', reason: 'stale' }];
    const out: LinkOutput[] = [];
    // An authentic connect from an unannounced endpoint is peer-reflexive (a symmetric NAT's mapping).
    if (via.path === 'direct' && this.link.candidateSet.learn(via.endpoint)) out.push({ type: 'learned', endpoint: via.endpoint });
    // Its packets pass our NAT already: no prime needed towards it.
    if (via.path === 'direct') this.#primes.heard(via.endpoint);
    if (this.link.phase === 'connected') core.heard(now);
    this.#lastAttempt = packet.attempt;
    const probe = this.#newProbe(via, now, packet.attempt);
    const accept = sealer.seal({ type: PeerPacketType.ACCEPT, from: core.self, to: core.peer, challenge: packet.challenge, publicKey: sealer.publicKey, probe });
    out.push({ type: 'send', via, bytes: accept });
    return out;
  }

  /**
   * A session-sealed keepalive reply echoing a probe we sent to `via`, arriving from `via`: the
   * authenticated round trip that sets (connection steps 8/10 complete) or moves the send path.
   */
  #onProbeReply(seq: number, via: Via, now: number): LinkOutput[] {
    const probe = this.#probes.get(seq)!;
    // A reply from elsewhere proves nothing about `probe.via`: counted, the path stays.
    if (!sameVia(probe.via, via)) return [{ type: 'dropped', reason: 'unproven' }];
    this.#probes.delete(seq);
    const rttMs = now - probe.sentAt;
    if (this.link.phase === 'waiting') {
      this.link.established(via, now, rttMs);
      return [{ type: 'connected', via, rttMs, attempt: probe.attempt, elapsedMs: now - this.learnedAt }];
    }
    // Connected: a round trip on `via` (a late direct path beats the relay; the comparator decides).
    return this.link.core.offer(via, rttMs, now);
  }

  /**
   * DATA, keepalive requests and goodbyes. Before the round trip completes (a lost confirm), or
   * from a path other than ours (a late direct path, a NAT rebinding), authentic packets earn
   * that path a probe, at most one per {@link PATH_PROBE_INTERVAL_MS} and never bigger than the
   * packet that earned it.
   */
  #fromPath(packet: PeerPacket, via: Via, now: number, size: number): LinkOutput[] {
    const core = this.link.core;
    // Connected: the link core answers, and probes paths its packets come from (path-manager.ts).
    if (this.link.phase === 'connected') return core.receiveConnected(packet, via, now);
    if (packet.type === PeerPacketType.DISCONNECT || size < PROBE_BYTES || this.#probedRecently(via, now)) return [];
    const seq = this.#newProbe(via, now, this.#lastAttempt);
    const bytes = this.link.sealer.seal({ type: PeerPacketType.KEEPALIVE, from: core.self, to: core.peer, seq, reply: false });
    return [{ type: 'send', via, bytes }];
  }

  #probedRecently(via: Via, now: number): boolean {
    for (const probe of this.#probes.values()) {
      if (sameVia(probe.via, via) && now - probe.sentAt < PATH_PROBE_INTERVAL_MS) return true;
    }
    return false;
  }

  #newProbe(via: Via, now: number, attempt: number): number {
    const seq = randomBytes(4).readUInt32BE(0);
    this.#probes.delete(seq);
    this.#probes.set(seq, { via, sentAt: now, attempt });
    if (this.#probes.size > MAX_PENDING_PROBES) this.#probes.delete(this.#probes.keys().next().value!);
    return seq;
  }
}

/** The server's end of a pair: a {@link PeerLink} with the server's role. */
export class ServerLink extends PeerLink {
  readonly #role: ServerRole;

  constructor(init: ServerLinkInit) {
    let role!: ServerRole;
    super(
      { role: 'server', self: init.self, peer: init.client, timing: init.timing, counterBase: init.counterBase, forceRelay: init.schedule.forceRelay, ...(init.ephemeral ? { ephemeral: init.ephemeral } : {}) },
      (link) => (role = new ServerRole(link, init.learnedAt, init.schedule, init.natTypes)),
    );
    this.#role = role;
  }

  /** Connected through the relay, the ping rounds go on (see ServerRole.pingsWhileRelayed). */
  override nextDeadline(): number | undefined {
    const base = super.nextDeadline();
    const pings = this.phase === 'connected' && this.#role.pingsWhileRelayed() ? this.#role.handshakeDeadline() : undefined;
    return pings === undefined || (base !== undefined && base <= pings) ? base : pings;
  }

  override poll(now: number): LinkOutput[] {
    const out = super.poll(now);
    return this.phase === 'connected' && this.#role.pingsWhileRelayed() ? [...out, ...this.#role.pollHandshake(now)] : out;
  }

  override get phase(): ServerPhase {
    return super.phase as ServerPhase;
  }

  /** Either end's NAT type became known: the remaining ping rounds follow (the race policy's rules). */
  override natTypes(types: { self: NatType; peer: NatType }): void {
    this.#role.natTypes(types);
  }

  get pingsSent(): number {
    return this.#role.pingsSent;
  }
}
