/**
 * The client's role in a client–server pair (docs/connection-process.md, connection steps 3–6,
 * 8 and 11): connect attempts on the schedule, direct then through the relay, answers to the
 * server's pings, and the accept that completes the handshake. Every packet is sealed
 * (packets.ts has the format and key schedule); link.ts holds what both roles share.
 */
import { randomBytes } from 'node:crypto';
import type { EphemeralKeyPair } from './key-schedule.js';
import type { LinkOutput, LinkTiming } from './link-core.js';
import { PeerLink, type LinkRole, type PeerContact } from './link.js';
import { CHALLENGE_BYTES, PeerPacketType, type PeerPacket } from './packets.js';
import type { Via } from './path.js';
import { attemptPath, dueAttempt, giveUpAt, nextRoundAt, type ScheduleConfig } from './schedule.js';

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

class ClientRole implements LinkRole {
  readonly waitingPhase = 'connecting';
  attemptsSent = 0;
  /** By challenge (hex). */
  readonly #sent = new Map<string, SentConnect>();

  constructor(
    private readonly link: PeerLink,
    private readonly startedAt: number,
    private readonly schedule: ScheduleConfig,
    private readonly relayAvailable: boolean,
  ) {}

  handshakeDeadline(): number | undefined {
    return nextRoundAt(this.schedule, this.startedAt, this.attemptsSent) ?? giveUpAt(this.schedule, this.startedAt);
  }

  pollHandshake(now: number): LinkOutput[] {
    const out: LinkOutput[] = [];
    for (let n = dueAttempt(this.schedule, this.startedAt, this.attemptsSent, now); n !== undefined; ) {
      this.attemptsSent = n + 1;
      const path = attemptPath(this.schedule, n, this.relayAvailable);
      out.push({ type: 'attempt', n, path });
      if (path === 'direct') {
        for (const endpoint of this.link.candidateSet.all()) out.push(this.#connect({ path: 'direct', endpoint }, n, now));
      } else {
        // Connection steps 4–5: the request goes to the cloud's relay, which hands it to the server.
        out.push(this.#connect({ path: 'relay' }, n, now));
      }
      n = dueAttempt(this.schedule, this.startedAt, this.attemptsSent, now);
    }
    // Connection step 6: the limit is reached; the runner shuts the client's network down.
    if (now >= giveUpAt(this.schedule, this.startedAt)) {
      this.link.failed();
      out.push({ type: 'failed', code: 'CONNECT_TIMEOUT' });
    }
    return out;
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
    if (via.path !== 'direct' || this.link.phase !== 'connecting' || this.schedule.forceRelay) return [];
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

  #connect(via: Via, attempt: number, now: number): LinkOutput {
    const challenge = randomBytes(CHALLENGE_BYTES);
    this.#sent.set(challenge.toString('hex'), { sentAt: now, attempt, via });
    if (this.#sent.size > CONNECTS_REMEMBERED) this.#sent.delete(this.#sent.keys().next().value!);
    const { core, sealer } = this.link;
    const bytes = sealer.seal({ type: PeerPacketType.CONNECT, from: core.self, to: core.peer, attempt, publicKey: sealer.publicKey, challenge });
    return { type: 'send', via, bytes };
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
      (link) => (role = new ClientRole(link, init.startedAt, init.schedule, init.relayAvailable)),
    );
    this.#role = role;
    this.startedAt = init.startedAt;
  }

  override get phase(): ClientPhase {
    return super.phase as ClientPhase;
  }

  get attemptsSent(): number {
    return this.#role.attemptsSent;
  }
}
