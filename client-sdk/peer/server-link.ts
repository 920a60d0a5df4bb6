/**
 * The server's side of one client–server pair (seed 002 connection steps 2, 7, 8, 10, 13): a
 * bounded budget of pings to the client's candidates, an accept for every authentic connect on
 * the path it came by, and a send path set or moved only after an authenticated round trip
 * (DESIGN.md §9; packets.ts). Sans-IO, like {@link ClientLink}.
 */
import { randomBytes } from 'node:crypto';
import type { UdpEndpoint } from '../../core/index.js';
import { MAX_PENDING_PROBES, PATH_PROBE_INTERVAL_MS } from '../constants.js';
import { CandidateSet } from './candidates.js';
import { LinkCore, sameVia, type LinkOutput, type LinkTiming, type Via } from './link-core.js';
import { PeerPacketType, type PeerPacket } from './packets.js';
import { duePing, nextRoundAt, type ScheduleConfig } from './schedule.js';
import type { EphemeralKeyPair } from './key-schedule.js';
import { PairSealer, sealedBytes } from './sealer.js';

export interface ClientContact {
  /** The client's actor number. */
  actor: number;
  /** Its announced candidates: reflexive and local addresses. */
  candidates: UdpEndpoint[];
  /** The pair's 32-byte secret from the cloud (never sent on UDP). */
  pairSecret: Uint8Array;
}

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

export class ServerLink {
  readonly core: LinkCore;
  readonly sealer: PairSealer;
  #phase: ServerPhase = 'waiting';
  /** t = 0 of the ping budget: the first address report; later reports never move it. */
  readonly #learnedAt: number;
  #pingsSent = 0;
  #lastAttempt = 0;
  readonly #candidates: CandidateSet;
  readonly #probes = new Map<number, Probe>();
  readonly #schedule: ScheduleConfig;

  constructor(init: ServerLinkInit) {
    this.sealer = new PairSealer({
      role: 'server',
      self: init.self,
      peer: init.client.actor,
      pairSecret: init.client.pairSecret,
      counterBase: init.counterBase,
      ...(init.ephemeral ? { ephemeral: init.ephemeral } : {}),
    });
    this.core = new LinkCore(init.self, init.client.actor, init.timing, this.sealer);
    this.#learnedAt = init.learnedAt;
    this.#schedule = init.schedule;
    this.#candidates = new CandidateSet(init.client.candidates);
  }

  get phase(): ServerPhase {
    return this.#phase;
  }

  get pingsSent(): number {
    return this.#pingsSent;
  }

  get candidates(): UdpEndpoint[] {
    return this.#candidates.all();
  }

  /**
   * A newer address event for this client: new candidates join within the cap. The ping budget
   * (rounds from the first report) is neither restarted nor extended, so re-reporting cannot
   * turn the server into a packet cannon (DEFAULT_ATTEMPTS_LIMIT rounds, ≤ 16 endpoints).
   */
  update(client: ClientContact): void {
    this.#candidates.announce(client.candidates);
  }

  nextDeadline(): number | undefined {
    if (this.#phase === 'waiting') {
      return this.#schedule.forceRelay ? undefined : nextRoundAt(this.#schedule, this.#learnedAt, this.#pingsSent);
    }
    return this.#phase === 'connected' ? this.core.nextDeadline() : undefined;
  }

  poll(now: number): LinkOutput[] {
    if (this.#phase === 'connected') return this.#afterCore(this.core.poll(now));
    if (this.#phase !== 'waiting') return [];
    // Connection step 7: pings open the server's NAT towards the client's candidates, one
    // round at most per poll (a late timer skips rounds rather than bursting them).
    const round = duePing(this.#schedule, this.#learnedAt, this.#pingsSent, now);
    if (round === undefined) return [];
    this.#pingsSent = round + 1;
    const out: LinkOutput[] = [];
    for (const endpoint of this.#candidates.all()) {
      const bytes = this.sealer.seal({ type: PeerPacketType.PING, from: this.core.self, to: this.core.peer, seq: round });
      out.push({ type: 'send', via: { path: 'direct', endpoint }, bytes });
    }
    return out;
  }

  /** Sealed bytes from `via`: opened here, so nothing unauthenticated reaches the state machine. */
  receive(bytes: Uint8Array, via: Via, now: number): LinkOutput[] {
    if (this.#phase === 'closed') return [];
    const opened = this.sealer.open(bytes);
    if (!opened.ok) return [{ type: 'dropped', reason: opened.reason }];
    const packet = opened.packet;
    switch (packet.type) {
      case PeerPacketType.CONNECT:
        return this.#onConnect(packet, via, now);
      case PeerPacketType.KEEPALIVE:
        if (packet.reply) {
          const out = this.#onProbeReply(packet.seq, via, now);
          return this.#afterCore([...out, ...this.core.receiveConnected(packet, now)]);
        }
        return this.#fromPath(packet, via, now, opened.bytes);
      default:
        return this.#fromPath(packet, via, now, opened.bytes);
    }
  }

  send(data: Uint8Array): LinkOutput[] {
    return this.#phase === 'connected' ? this.core.send(data) : [];
  }

  close(): LinkOutput[] {
    const out = this.#phase === 'connected' ? this.core.close() : [];
    this.#phase = 'closed';
    return out;
  }

  /**
   * Connection steps 8 (direct socket) and 10 (relay): an authentic connect gets an accept on
   * the path it came by, carrying our ephemeral key and a probe. Nothing else changes here: a
   * connect may be a capture replayed from anywhere, so the path waits for the probe's answer.
   */
  #onConnect(packet: Extract<PeerPacket, { type: typeof PeerPacketType.CONNECT }>, via: Via, now: number): LinkOutput[] {
    if (via.path === 'direct' && this.#schedule.forceRelay) return [];
    const established = this.sealer.establish(packet.publicKey);
    if (established === 'invalid') return [{ type: 'dropped', reason: 'malformed' }];
    if (established === 'other') return [{ type: 'dropped', reason: 'stale' }];
    const out: LinkOutput[] = [];
    // DESIGN.md §2 item 4: an authentic connect from an unannounced endpoint is peer-reflexive.
    if (via.path === 'direct' && this.#candidates.learn(via.endpoint)) out.push({ type: 'learned', endpoint: via.endpoint });
    if (this.#phase === 'connected') this.core.heard(now);
    this.#lastAttempt = packet.attempt;
    const probe = this.#newProbe(via, now, packet.attempt);
    const accept = this.sealer.seal({
      type: PeerPacketType.ACCEPT,
      from: this.core.self,
      to: this.core.peer,
      challenge: packet.challenge,
      publicKey: this.sealer.publicKey,
      probe,
    });
    out.push({ type: 'send', via, bytes: accept });
    return out;
  }

  /**
   * A session-sealed keepalive reply echoing a probe we sent to `via`, arriving from `via`: the
   * authenticated round trip that sets (connection steps 8/10 complete) or moves the send path.
   */
  #onProbeReply(seq: number, via: Via, now: number): LinkOutput[] {
    const probe = this.#probes.get(seq);
    if (!probe || !sameVia(probe.via, via)) return [];
    this.#probes.delete(seq);
    if (this.#phase === 'waiting') {
      this.#phase = 'connected';
      this.core.connect(via, now, true);
      const rttMs = now - probe.sentAt;
      this.core.rttMs = rttMs;
      return [{ type: 'connected', via, rttMs, attempt: probe.attempt, elapsedMs: now - this.#learnedAt }];
    }
    const current = this.core.via;
    // A direct path beats the relay; a validated direct path replaces another (NAT rebinding).
    if (current && !sameVia(current, via) && (via.path === 'direct' || current.path === 'relay')) {
      this.core.via = via;
      return [{ type: 'pathChanged', via }];
    }
    return [];
  }

  /**
   * DATA, keepalive requests and goodbyes. Before the round trip completes (a lost confirm), or
   * from a path other than ours (a late direct path, a NAT rebinding), authentic packets earn
   * that path a probe, at most one per {@link PATH_PROBE_INTERVAL_MS} and never bigger than the
   * packet that earned it.
   */
  #fromPath(packet: PeerPacket, via: Via, now: number, size: number): LinkOutput[] {
    const out = this.#phase === 'connected' ? this.core.receiveConnected(packet, now) : [];
    if (this.#phase === 'connected' && this.core.via && sameVia(this.core.via, via)) return this.#afterCore(out);
    if (packet.type === PeerPacketType.DISCONNECT || size < PROBE_BYTES || this.#probedRecently(via, now)) return this.#afterCore(out);
    const seq = this.#newProbe(via, now, this.#lastAttempt);
    const bytes = this.sealer.seal({ type: PeerPacketType.KEEPALIVE, from: this.core.self, to: this.core.peer, seq, reply: false });
    return this.#afterCore([...out, { type: 'send', via, bytes }]);
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

  #afterCore(out: LinkOutput[]): LinkOutput[] {
    if (out.some((o) => o.type === 'disconnected')) this.#phase = 'closed';
    return out;
  }
}
