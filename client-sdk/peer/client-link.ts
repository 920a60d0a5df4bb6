/**
 * The client's role in a client–server pair (docs/connection-process.md, connection steps 3–6,
 * 8 and 11): connect attempts on the schedule, direct then through the relay, answers to the
 * server's pings, and the accept that completes the handshake. Every packet is sealed
 * (packets.ts has the format and key schedule); link.ts holds what both roles share.
 */
import { randomBytes } from 'node:crypto';
import type { NatType } from '../../src/protocol/index.js';
import type { EphemeralKeyPair } from './key-schedule.js';
import type { LinkOutput, LinkTiming } from './link-core.js';
import { PeerLink, type LinkRole, type PeerContact } from './link.js';
import { CHALLENGE_BYTES, PeerPacketType, type PeerPacket } from './packets.js';
import type { Via } from './path.js';
import { PrimeTracker, separatePrimes } from './priming.js';
import { attemptPaths, directOutlook, type DirectOutlook } from './race.js';
import { burstDueAt, copiesOf, directAttemptCount, dueBurst, giveUpAt, nextBurstAt, type ScheduleConfig } from './schedule.js';

/** The server as the client knows it. */
export type ServerContact = PeerContact;

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
  /** Both ends' reported NAT types: the race policy skips a direct path they rule out. */
  natTypes?: { self: NatType; peer: NatType };
}

export type ClientPhase = 'connecting' | 'connected' | 'failed' | 'closed';

interface SentConnect {
  sentAt: number;
  attempt: number;
  /** Where it went: an accept echoing its challenge makes this the path (see #onAccept). */
  via: Via;
}

/** Connects remembered to match accepts (every candidate of every burst and prime, plus ping answers). */
const CONNECTS_REMEMBERED = 512;

class ClientRole implements LinkRole {
  readonly waitingPhase = 'connecting';
  attemptsSent = 0;
  /** Bursts sent: each attempt is `copiesOf(schedule)` bursts spaced within its interval. */
  #burstsSent = 0;
  /** Primes held back from a poll that also sent full-TTL packets (priming.ts), and when that poll ran. */
  #later: LinkOutput[] = [];
  #laterAt = 0;
  readonly #primes: PrimeTracker;
  #outlook: DirectOutlook;
  /** By challenge (hex). */
  readonly #sent = new Map<string, SentConnect>();

  constructor(
    private readonly link: PeerLink,
    private readonly startedAt: number,
    private readonly schedule: ScheduleConfig,
    private readonly relayAvailable: boolean,
    natTypes: { self: NatType; peer: NatType } | undefined,
  ) {
    this.#primes = new PrimeTracker(schedule.priming);
    this.#outlook = natTypes ? directOutlook(natTypes.peer, natTypes.self) : 'unknown';
  }

  /** NAT discovery finished after the link was made: the attempts still to come follow the types. */
  natTypes(types: { self: NatType; peer: NatType }): void {
    this.#outlook = directOutlook(types.peer, types.self);
  }

  handshakeDeadline(): number | undefined {
    if (this.#later.length > 0) return this.#laterAt;
    return nextBurstAt(this.schedule, this.startedAt, this.#burstsSent) ?? giveUpAt(this.schedule, this.startedAt);
  }

  pollHandshake(now: number): LinkOutput[] {
    const out = this.#bursts(now, false);
    // Connection step 6: the limit is reached; the runner shuts the client's network down.
    if (now >= giveUpAt(this.schedule, this.startedAt)) {
      this.link.failed();
      out.push({ type: 'failed', code: 'CONNECT_TIMEOUT' });
    }
    return out;
  }

  /**
   * Race policy, connected through the relay: the direct attempts go on for the direct window,
   * so a direct accept can take over (see #onAccept). Undefined otherwise.
   */
  connectedDeadline(): number | undefined {
    if (!this.#racingDirect()) return undefined;
    if (this.#later.length > 0) return this.#laterAt;
    return nextBurstAt(this.schedule, this.startedAt, this.#burstsSent);
  }

  pollConnected(now: number): LinkOutput[] {
    return this.#racingDirect() ? this.#bursts(now, true) : [];
  }

  /** Race policy, on the relay, with direct attempts left in the window. */
  #racingDirect(): boolean {
    if (this.schedule.policy !== 'race' || this.link.core.via?.path !== 'relay' || this.#outlook === 'relay') return false;
    return this.#burstsSent < directAttemptCount(this.schedule) * copiesOf(this.schedule) || this.#later.length > 0;
  }

  /**
   * Connection steps 3–4: the bursts due at `now` (a late timer catches up, in order). Attempt
   * `n` takes the paths of its policy (race.ts); new candidates get a low-TTL prime first and
   * full-TTL connects once its lead has passed (priming.ts). Once connected, only direct.
   */
  #bursts(now: number, connected: boolean): LinkOutput[] {
    const out: LinkOutput[] = this.#later.splice(0);
    const copies = copiesOf(this.schedule);
    for (let i = dueBurst(this.schedule, this.startedAt, this.#burstsSent, now); i !== undefined; ) {
      this.#burstsSent = i + 1;
      const n = Math.floor(i / copies);
      const at = burstDueAt(this.schedule, this.startedAt, i);
      const paths = attemptPaths(this.schedule, n, this.relayAvailable, this.#outlook);
      const relay = paths.relay && !connected;
      if (i % copies === 0) {
        this.attemptsSent = n + 1;
        if (paths.direct) out.push({ type: 'attempt', n, path: 'direct' });
        if (relay) out.push({ type: 'attempt', n, path: 'relay' });
      }
      if (paths.direct) {
        for (const endpoint of this.link.candidateSet.all()) {
          const send = this.#primes.decide(endpoint, at);
          if (send !== 'wait') out.push(this.#connect({ path: 'direct', endpoint }, n, now, send === 'prime' ? this.schedule.priming?.ttl : undefined));
        }
      }
      // Connection steps 4–5: the request goes to the cloud's relay, which hands it to the server.
      if (relay) out.push(this.#connect({ path: 'relay' }, n, now));
      i = dueBurst(this.schedule, this.startedAt, this.#burstsSent, now);
    }
    const split = separatePrimes(out);
    if (split.later.length > 0) {
      this.#later = split.later;
      this.#laterAt = now;
    }
    return split.now;
  }

  receive(packet: PeerPacket, via: Via, now: number): LinkOutput[] {
    switch (packet.type) {
      case PeerPacketType.PING:
        return this.#onPing(via, now);
      case PeerPacketType.ACCEPT:
        return this.#onAccept(packet, via, now);
      default:
        return this.link.core.receiveConnected(packet, via, now);
    }
  }

  /**
   * Connection step 7 seen from the client: an authentic ping shows an endpoint of the server
   * (peer-reflexive when new); answer it with a connect. The connect is the ping's size, and a
   * replayed ping is dropped by the replay window, so pings cannot be used to aim connects.
   */
  #onPing(via: Via, now: number): LinkOutput[] {
    if (via.path !== 'direct' || this.schedule.forceRelay) return [];
    if (this.link.phase !== 'connecting' && !(this.link.phase === 'connected' && this.#racingDirect())) return [];
    // Its packets pass our NAT already: no prime needed towards it.
    this.#primes.heard(via.endpoint);
    const out: LinkOutput[] = [];
    if (this.link.candidateSet.learn(via.endpoint)) out.push({ type: 'learned', endpoint: via.endpoint });
    else if (!this.link.candidateSet.has(via.endpoint)) return [{ type: 'dropped', reason: 'unproven' }];
    out.push(this.#connect(via, Math.max(0, this.attemptsSent - 1), now));
    return out;
  }

  /** Connection steps 8 (direct) and 11 (relay): the server accepted one of our connects. */
  #onAccept(packet: Extract<PeerPacket, { type: typeof PeerPacketType.ACCEPT }>, via: Via, now: number): LinkOutput[] {
    const sent = this.#sent.get(Buffer.from(packet.challenge).toString('hex'));
    if (!sent) return [{ type: 'dropped', reason: 'stale' }];
    if (via.path === 'direct' && this.schedule.forceRelay) return [];
    const { core, sealer } = this.link;
    const established = sealer.establish(packet.publicKey);
    if (established === 'invalid') return [{ type: 'dropped', reason: 'malformed' }];
    if (established === 'other') return [{ type: 'dropped', reason: 'stale' }];
    const out: LinkOutput[] = [];
    // The path is where the accepted connect went, not where the accept came from: the echoed
    // challenge proves the server got that very connect there (an authenticated round trip),
    // while behind an address- or port-dependent mapping the server answers from another port
    // whose packets would leave the client's NAT through a mapping the server never saw.
    const path = sent.via;
    const rttMs = now - sent.sentAt;
    if (this.link.phase === 'connecting') {
      this.link.established(path, now, rttMs);
      out.push({ type: 'connected', via: path, rttMs, attempt: sent.attempt, elapsedMs: now - this.startedAt });
    } else {
      // A late accept is a round trip on `path`: the path manager's comparator decides (a late
      // direct accept beats the relay).
      out.push(...core.offer(path, rttMs, now));
    }
    // Every accept is confirmed, on our own path: a session-sealed keepalive reply echoing the
    // accept's probe lets the server validate the path it hears it from.
    if (core.via) {
      const confirm = sealer.seal({ type: PeerPacketType.KEEPALIVE, from: core.self, to: core.peer, seq: packet.probe, reply: true });
      out.push({ type: 'send', via: core.via, bytes: confirm });
    }
    return out;
  }

  #connect(via: Via, attempt: number, now: number, ttl?: number): LinkOutput {
    const challenge = randomBytes(CHALLENGE_BYTES);
    this.#sent.set(challenge.toString('hex'), { sentAt: now, attempt, via });
    if (this.#sent.size > CONNECTS_REMEMBERED) this.#sent.delete(this.#sent.keys().next().value!);
    const { core, sealer } = this.link;
    const bytes = sealer.seal({ type: PeerPacketType.CONNECT, from: core.self, to: core.peer, attempt, publicKey: sealer.publicKey, challenge });
    return ttl === undefined ? { type: 'send', via, bytes } : { type: 'send', via, bytes, ttl };
  }
}

/** The client's end of a pair: a {@link PeerLink} with the client's role. */
export class ClientLink extends PeerLink {
  readonly startedAt: number;
  readonly #role: ClientRole;

  constructor(init: ClientLinkInit) {
    let role!: ClientRole;
    super(
      { role: 'client', self: init.self, peer: init.server, timing: init.timing, counterBase: init.counterBase, forceRelay: init.schedule.forceRelay, ...(init.ephemeral ? { ephemeral: init.ephemeral } : {}) },
      (link) => (role = new ClientRole(link, init.startedAt, init.schedule, init.relayAvailable, init.natTypes)),
    );
    this.#role = role;
    this.startedAt = init.startedAt;
  }

  /** The race policy's direct attempts go on while connected through the relay. */
  override nextDeadline(): number | undefined {
    const base = super.nextDeadline();
    const racing = this.phase === 'connected' ? this.#role.connectedDeadline() : undefined;
    return racing === undefined || (base !== undefined && base <= racing) ? base : racing;
  }

  override poll(now: number): LinkOutput[] {
    const out = super.poll(now);
    return this.phase === 'connected' ? [...out, ...this.#role.pollConnected(now)] : out;
  }

  override get phase(): ClientPhase {
    return super.phase as ClientPhase;
  }

  /** Either end's NAT type became known: the remaining attempts follow (the race policy's rules). */
  override natTypes(types: { self: NatType; peer: NatType }): void {
    this.#role.natTypes(types);
  }

  get attemptsSent(): number {
    return this.#role.attemptsSent;
  }
}
