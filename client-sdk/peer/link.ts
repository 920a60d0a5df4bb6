/**
 * One end of a client–server pair: the {@link Link} the runner drives, made of what both ends
 * share (the pair's sealer, the candidate set, the connected phase in {@link LinkCore}, the
 * goodbye) and a {@link LinkRole} strategy for what differs before connecting: the client's
 * connect attempts (client-link.ts), the server's pings and accepts (server-link.ts). Sans-IO:
 * inputs are sealed bytes and `now`, outputs are {@link LinkOutput}s the runner carries out.
 */
import type { NatType } from '../../src/protocol/index.js';
import type { UdpEndpoint } from '../../core/index.js';
import { CandidateSet } from './candidates.js';
import type { EphemeralKeyPair } from './key-schedule.js';
import { LinkCore, type LinkOutput, type LinkTiming } from './link-core.js';
import type { PeerPacket, WireDisconnectReason } from './packets.js';
import type { Via } from './path.js';
import { PairSealer, type PairRole } from './sealer.js';

/** The other end of the pair, as the cloud announced it. */
export interface PeerContact {
  /** Its actor number. */
  actor: number;
  /** Its announced candidates: local addresses and the reflexive one. */
  candidates: UdpEndpoint[];
  /** The pair's 32-byte secret from the cloud (never sent on UDP). */
  pairSecret: Uint8Array;
}

/**
 * `connecting` (client) and `waiting` (server) come before the handshake completes; `failed`
 * is the client's end when its attempts run out; `closed` is final.
 */
export type LinkPhase = 'connecting' | 'waiting' | 'connected' | 'failed' | 'closed';

/** What the runner's peer driver needs of a link, whatever its role. */
export interface Link {
  readonly role: PairRole;
  readonly core: LinkCore;
  readonly sealer: PairSealer;
  readonly phase: LinkPhase;
  readonly candidates: UdpEndpoint[];
  /** A newer address event for the same pair: more candidates (within the caps); timers keep their t = 0. */
  update(contact: PeerContact): void;
  /** Both ends' NAT types as now known (discovery ends after the start): what is still to send follows them. */
  natTypes(types: { self: NatType; peer: NatType }): void;
  /** When `poll` next has something to do, or undefined. */
  nextDeadline(): number | undefined;
  /** Timer-driven decisions at `now`: attempts, pings, keepalives, timeouts. */
  poll(now: number): LinkOutput[];
  /** Sealed bytes from `via`: opened here, so nothing unauthenticated reaches the state machine. */
  receive(bytes: Uint8Array, via: Via, now: number): LinkOutput[];
  /** A game update on the current path, or nothing when not connected. */
  send(data: Uint8Array): LinkOutput[];
  /** Goodbye to a connected peer (`reason` on the wire, SHUTDOWN by default); afterwards the link is inert. */
  close(reason?: WireDisconnectReason): LinkOutput[];
}

/** The role strategy: what one end does before it is connected, and with its handshake packets. */
export interface LinkRole {
  /** The phase before the handshake completes. */
  readonly waitingPhase: 'connecting' | 'waiting';
  /** When the next attempt or ping round is due (or the client gives up), before connecting. */
  handshakeDeadline(): number | undefined;
  /** Attempts (client) or pings (server) due at `now`, before connecting. */
  pollHandshake(now: number): LinkOutput[];
  /** An authentic packet of any type, in any phase but `failed` and `closed`; `size` is its wire size. */
  receive(packet: PeerPacket, via: Via, now: number, size: number): LinkOutput[];
}

export interface LinkInit {
  role: PairRole;
  /** This end's actor number. */
  self: number;
  peer: PeerContact;
  timing: LinkTiming;
  /** Random u32 that places this link's handshake counters (see PairSealer). */
  counterBase: number;
  /** An ephemeral key pair made ahead of time, off the connect's critical path (used once). */
  ephemeral?: EphemeralKeyPair;
  /** Every packet goes through the relay: once connected, no direct path is probed. */
  forceRelay?: boolean;
}

export class PeerLink implements Link {
  readonly role: PairRole;
  readonly core: LinkCore;
  readonly sealer: PairSealer;
  /** The peer's endpoints this end punches to: for the role. */
  readonly candidateSet: CandidateSet;
  readonly #strategy: LinkRole;
  #phase: LinkPhase;

  /** The roles' links (ClientLink, ServerLink) pass the types to their role; a bare link has no rules to change. */
  natTypes(_types: { self: NatType; peer: NatType }): void {}

  constructor(init: LinkInit, strategy: (link: PeerLink) => LinkRole) {
    this.role = init.role;
    this.sealer = new PairSealer({
      role: init.role,
      self: init.self,
      peer: init.peer.actor,
      pairSecret: init.peer.pairSecret,
      counterBase: init.counterBase,
      ...(init.ephemeral ? { ephemeral: init.ephemeral } : {}),
    });
    this.candidateSet = new CandidateSet(init.peer.candidates);
    this.core = new LinkCore(init.self, init.peer.actor, init.timing, this.sealer, {
      forceRelay: init.forceRelay ?? false,
      candidates: () => this.candidateSet.all(),
    });
    this.#strategy = strategy(this);
    this.#phase = this.#strategy.waitingPhase;
  }

  get phase(): LinkPhase {
    return this.#phase;
  }

  get candidates(): UdpEndpoint[] {
    return this.candidateSet.all();
  }

  update(contact: PeerContact): void {
    this.candidateSet.announce(contact.candidates);
  }

  nextDeadline(): number | undefined {
    if (this.#phase === 'connected') return this.core.nextDeadline();
    return this.#phase === this.#strategy.waitingPhase ? this.#strategy.handshakeDeadline() : undefined;
  }

  poll(now: number): LinkOutput[] {
    if (this.#phase === 'connected') return this.#afterCore(this.core.poll(now));
    return this.#phase === this.#strategy.waitingPhase ? this.#strategy.pollHandshake(now) : [];
  }

  receive(bytes: Uint8Array, via: Via, now: number): LinkOutput[] {
    if (this.#phase === 'failed' || this.#phase === 'closed') return [];
    const opened = this.sealer.open(bytes);
    if (!opened.ok) return [{ type: 'dropped', reason: opened.reason }];
    return this.#afterCore(this.#strategy.receive(opened.packet, via, now, opened.bytes));
  }

  send(data: Uint8Array): LinkOutput[] {
    return this.#phase === 'connected' ? this.core.send(data) : [];
  }

  close(reason?: WireDisconnectReason): LinkOutput[] {
    const out = this.#phase === 'connected' ? this.core.close(reason) : [];
    this.#phase = 'closed';
    return out;
  }

  /** For the role: the handshake completed on `via` after an authenticated round trip of `rttMs`. */
  established(via: Via, now: number, rttMs: number): void {
    this.#phase = 'connected';
    this.core.connect(via, now, true, rttMs);
  }

  /** For the client role: the attempts ran out. */
  failed(): void {
    this.#phase = 'failed';
  }

  /** A peer that timed out or said goodbye leaves the link closed. */
  #afterCore(out: LinkOutput[]): LinkOutput[] {
    for (const output of out) {
      if (output.type === 'disconnected') this.#phase = 'closed';
    }
    return out;
  }
}
