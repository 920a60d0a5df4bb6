/**
 * The client's side of one client–server pair: the connection process of DESIGN.md §2 (seed 002
 * connection steps 3–6, 8–12) as a sans-IO state machine driven by packets and `now`, with every
 * packet sealed (DESIGN.md §9; packets.ts has the format and key schedule).
 */
import { randomBytes } from 'node:crypto';
import type { UdpEndpoint } from '../../core/index.js';
import { CandidateSet } from './candidates.js';
import { LinkCore, type LinkOutput, type LinkTiming, type Via } from './link-core.js';
import { CHALLENGE_BYTES, PeerPacketType, type PeerPacket } from './packets.js';
import {
  attemptPath,
  dueAttempt,
  giveUpAt,
  nextRoundAt,
  preferredPath,
  type ScheduleConfig,
} from './schedule.js';
import type { EphemeralKeyPair } from './key-schedule.js';
import { PairSealer } from './sealer.js';

export interface ServerContact {
  /** The server's actor number. */
  actor: number;
  /** Its announced candidates: local addresses and the reflexive one. */
  candidates: UdpEndpoint[];
  /** The pair's 32-byte secret from the cloud (never sent on UDP). */
  pairSecret: Uint8Array;
}

export interface ClientLinkInit {
  /** This client's actor number. */
  self: number;
  server: ServerContact;
  /** When the client received the server's addresses (connection step 1): t = 0 of the schedule. */
  startedAt: number;
  schedule: ScheduleConfig;
  timing: LinkTiming;
  /** Whether a relay binding exists: without it every attempt stays direct. */
  relayAvailable: boolean;
  /** Random u32 that places this link's handshake counters (see PairSealer). */
  counterBase: number;
  /** An ephemeral key pair made ahead of time, off the connect's critical path (used once). */
  ephemeral?: EphemeralKeyPair;
}

export type ClientPhase = 'connecting' | 'connected' | 'failed' | 'closed';

interface SentConnect {
  sentAt: number;
  attempt: number;
  /** Where it went: an accept echoing its challenge makes this the path (see #onAccept). */
  via: Via;
}

/** Connects remembered to match accepts (every candidate of every attempt, plus ping answers). */
const CONNECTS_REMEMBERED = 256;

export class ClientLink {
  readonly core: LinkCore;
  readonly sealer: PairSealer;
  readonly startedAt: number;
  #phase: ClientPhase = 'connecting';
  #attemptsSent = 0;
  readonly #candidates: CandidateSet;
  /** By challenge (hex). */
  readonly #sent = new Map<string, SentConnect>();
  readonly #schedule: ScheduleConfig;
  readonly #relayAvailable: boolean;

  constructor(init: ClientLinkInit) {
    this.sealer = new PairSealer({
      role: 'client',
      self: init.self,
      peer: init.server.actor,
      pairSecret: init.server.pairSecret,
      counterBase: init.counterBase,
      ...(init.ephemeral ? { ephemeral: init.ephemeral } : {}),
    });
    this.core = new LinkCore(init.self, init.server.actor, init.timing, this.sealer);
    this.startedAt = init.startedAt;
    this.#schedule = init.schedule;
    this.#relayAvailable = init.relayAvailable;
    this.#candidates = new CandidateSet(init.server.candidates);
  }

  get phase(): ClientPhase {
    return this.#phase;
  }

  get attemptsSent(): number {
    return this.#attemptsSent;
  }

  get candidates(): UdpEndpoint[] {
    return this.#candidates.all();
  }

  /** A newer address event for the server: more candidates (within the cap); the schedule keeps its t = 0. */
  update(server: ServerContact): void {
    this.#candidates.announce(server.candidates);
  }

  nextDeadline(): number | undefined {
    if (this.#phase === 'connecting') {
      return nextRoundAt(this.#schedule, this.startedAt, this.#attemptsSent) ?? giveUpAt(this.#schedule, this.startedAt);
    }
    return this.#phase === 'connected' ? this.core.nextDeadline() : undefined;
  }

  poll(now: number): LinkOutput[] {
    if (this.#phase === 'connected') return this.#afterCore(this.core.poll(now));
    if (this.#phase !== 'connecting') return [];
    const out: LinkOutput[] = [];
    for (let n = dueAttempt(this.#schedule, this.startedAt, this.#attemptsSent, now); n !== undefined; ) {
      this.#attemptsSent = n + 1;
      const path = attemptPath(this.#schedule, n, this.#relayAvailable);
      out.push({ type: 'attempt', n, path });
      if (path === 'direct') {
        for (const endpoint of this.#candidates.all()) out.push(this.#connect({ path: 'direct', endpoint }, n, now));
      } else {
        // Connection steps 4–5: the request goes to the cloud's relay, which hands it to the server.
        out.push(this.#connect({ path: 'relay' }, n, now));
      }
      n = dueAttempt(this.#schedule, this.startedAt, this.#attemptsSent, now);
    }
    // Connection step 6: the limit is reached; the runner shuts the client's network down.
    if (now >= giveUpAt(this.#schedule, this.startedAt)) {
      this.#phase = 'failed';
      out.push({ type: 'failed', code: 'CONNECT_TIMEOUT' });
    }
    return out;
  }

  /** Sealed bytes from `via`: opened here, so nothing unauthenticated reaches the state machine. */
  receive(bytes: Uint8Array, via: Via, now: number): LinkOutput[] {
    if (this.#phase === 'failed' || this.#phase === 'closed') return [];
    const opened = this.sealer.open(bytes);
    if (!opened.ok) return [{ type: 'dropped', reason: opened.reason }];
    const packet = opened.packet;
    switch (packet.type) {
      case PeerPacketType.PING:
        return this.#onPing(via, now);
      case PeerPacketType.ACCEPT:
        return this.#onAccept(packet, via, now);
      default:
        return this.#afterCore(this.core.receiveConnected(packet, now));
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
   * Connection step 7 seen from the client: an authentic ping shows an endpoint of the server
   * (peer-reflexive when new); answer it with a connect. The connect is the ping's size, and a
   * replayed ping is dropped by the replay window, so pings cannot be used to aim connects.
   */
  #onPing(via: Via, now: number): LinkOutput[] {
    if (via.path !== 'direct' || this.#phase !== 'connecting' || this.#schedule.forceRelay) return [];
    const out: LinkOutput[] = [];
    if (this.#candidates.learn(via.endpoint)) out.push({ type: 'learned', endpoint: via.endpoint });
    else if (!this.#candidates.has(via.endpoint)) return out;
    out.push(this.#connect(via, Math.max(0, this.#attemptsSent - 1), now));
    return out;
  }

  /** Connection steps 8 (direct) and 11 (relay): the server accepted one of our connects. */
  #onAccept(packet: Extract<PeerPacket, { type: typeof PeerPacketType.ACCEPT }>, via: Via, now: number): LinkOutput[] {
    const sent = this.#sent.get(Buffer.from(packet.challenge).toString('hex'));
    if (!sent) return [{ type: 'dropped', reason: 'stale' }];
    if (via.path === 'direct' && this.#schedule.forceRelay) return [];
    const established = this.sealer.establish(packet.publicKey);
    if (established === 'invalid') return [{ type: 'dropped', reason: 'malformed' }];
    if (established === 'other') return [{ type: 'dropped', reason: 'stale' }];
    const out: LinkOutput[] = [];
    // The path is where the accepted connect went, not where the accept came from: the echoed
    // challenge proves the server got that very connect there (an authenticated round trip),
    // while behind an address- or port-dependent mapping the server answers from another port
    // whose packets would leave the client's NAT through a mapping the server never saw (README
    // "NAT matrix", R4).
    const path = sent.via;
    if (this.#phase === 'connecting') {
      this.#phase = 'connected';
      this.core.connect(path, now, true);
      const rttMs = now - sent.sentAt;
      this.core.rttMs = rttMs;
      out.push({ type: 'connected', via: path, rttMs, attempt: sent.attempt, elapsedMs: now - this.startedAt });
    } else {
      this.core.heard(now);
      const current = this.core.via;
      if (current && current.path === 'relay' && preferredPath(current.path, path.path) !== current.path) {
        this.core.via = path;
        out.push({ type: 'pathChanged', via: path });
      }
    }
    // Every accept is confirmed, on our own path: a session-sealed keepalive reply echoing the
    // accept's probe lets the server validate the path it hears it from.
    if (this.core.via) {
      const confirm = this.sealer.seal({ type: PeerPacketType.KEEPALIVE, from: this.core.self, to: this.core.peer, seq: packet.probe, reply: true });
      out.push({ type: 'send', via: this.core.via, bytes: confirm });
    }
    return out;
  }

  #connect(via: Via, attempt: number, now: number): LinkOutput {
    const challenge = randomBytes(CHALLENGE_BYTES);
    this.#sent.set(challenge.toString('hex'), { sentAt: now, attempt, via });
    if (this.#sent.size > CONNECTS_REMEMBERED) this.#sent.delete(this.#sent.keys().next().value!);
    const bytes = this.sealer.seal({
      type: PeerPacketType.CONNECT,
      from: this.core.self,
      to: this.core.peer,
      attempt,
      publicKey: this.sealer.publicKey,
      challenge,
    });
    return { type: 'send', via, bytes };
  }

  #afterCore(out: LinkOutput[]): LinkOutput[] {
    if (out.some((o) => o.type === 'disconnected')) this.#phase = 'closed';
    return out;
  }
}
