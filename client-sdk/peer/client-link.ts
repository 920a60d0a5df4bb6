/**
 * The client's side of one client–server pair: the connection process of DESIGN.md §2 (seed 002
 * connection steps 3–6, 8–12) as a sans-IO state machine driven by packets and `now`.
 */
import type { UdpEndpoint } from '../../src/runtime/index.js';
import { LinkCore, endpointKey, type LinkOutput, type LinkTiming, type Via } from './link-core.js';
import { bytesEqual, encodePeerPacket, pairTag, PeerPacketType, type PeerPacket } from './packets.js';
import {
  attemptPath,
  dueAttempt,
  giveUpAt,
  nextRoundAt,
  preferredPath,
  type ScheduleConfig,
} from './schedule.js';

export interface ServerContact {
  /** The server's actor number. */
  actor: number;
  /** Its announced candidates: local addresses and the reflexive one. */
  candidates: UdpEndpoint[];
  /** The pair's one-time connect token from the cloud. */
  token: Uint8Array;
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
  /** First connect nonce; random in production so off-path forged rejects do not match. */
  nonceBase: number;
}

export type ClientPhase = 'connecting' | 'connected' | 'failed' | 'closed';

interface SentConnect {
  sentAt: number;
  attempt: number;
  /** Where it went: an accept makes this the path (see #onAccept). */
  via: Via;
}

/** Connect nonces remembered to match accepts and rejects (every candidate of every attempt, plus ping answers). */
const NONCES_REMEMBERED = 256;

export class ClientLink {
  readonly core: LinkCore;
  readonly startedAt: number;
  #phase: ClientPhase = 'connecting';
  #attemptsSent = 0;
  #nonce: number;
  #token: Uint8Array;
  #tag: Uint8Array;
  readonly #candidates = new Map<string, UdpEndpoint>();
  readonly #sent = new Map<number, SentConnect>();
  readonly #schedule: ScheduleConfig;
  readonly #relayAvailable: boolean;

  constructor(init: ClientLinkInit) {
    this.core = new LinkCore(init.self, init.server.actor, init.timing);
    this.startedAt = init.startedAt;
    this.#schedule = init.schedule;
    this.#relayAvailable = init.relayAvailable;
    this.#nonce = init.nonceBase >>> 0;
    this.#token = init.server.token;
    this.#tag = pairTag(init.server.token);
    for (const candidate of init.server.candidates) this.#candidates.set(endpointKey(candidate), candidate);
  }

  get phase(): ClientPhase {
    return this.#phase;
  }

  get attemptsSent(): number {
    return this.#attemptsSent;
  }

  get candidates(): UdpEndpoint[] {
    return [...this.#candidates.values()];
  }

  /** A newer address event for the server: more candidates, a fresh token; the schedule keeps its t = 0. */
  update(server: ServerContact): void {
    this.#token = server.token;
    this.#tag = pairTag(server.token);
    for (const candidate of server.candidates) this.#candidates.set(endpointKey(candidate), candidate);
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
        for (const endpoint of this.#candidates.values()) out.push(this.#connect({ path: 'direct', endpoint }, n, now));
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

  receive(packet: PeerPacket, via: Via, now: number): LinkOutput[] {
    if (packet.from !== this.core.peer || packet.to !== this.core.self) return [];
    if (this.#phase === 'failed' || this.#phase === 'closed') return [];
    switch (packet.type) {
      case PeerPacketType.PING:
        return this.#onPing(packet.tag, via, now);
      case PeerPacketType.ACCEPT:
        return this.#onAccept(packet.nonce, packet.tag, via, now);
      case PeerPacketType.REJECT:
        // A reject counts only when it echoes one of our nonces: an off-path forger cannot end a start.
        if (this.#phase !== 'connecting' || !this.#sent.has(packet.nonce)) return [];
        this.#phase = 'failed';
        return [{ type: 'failed', code: 'CONNECT_REJECTED' }];
      default:
        return this.#afterCore(this.core.receiveConnected(packet, via, now));
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

  /** Connection step 7 seen from the client: the server's ping proves its endpoint; answer it with a connect. */
  #onPing(tag: Uint8Array, via: Via, now: number): LinkOutput[] {
    if (via.path !== 'direct' || !bytesEqual(tag, this.#tag)) return [];
    const out = this.#learn(via);
    this.core.prove(via);
    if (this.#phase === 'connected') {
      this.core.heard(now);
      return out;
    }
    if (this.#schedule.forceRelay) return out;
    out.push(this.#connect(via, Math.max(0, this.#attemptsSent - 1), now));
    return out;
  }

  /** Connection steps 8 (direct) and 11 (relay): the server accepted. */
  #onAccept(nonce: number, tag: Uint8Array, via: Via, now: number): LinkOutput[] {
    const sent = this.#sent.get(nonce);
    if (!sent || !bytesEqual(tag, this.#tag)) return [];
    if (via.path === 'direct' && this.#schedule.forceRelay) return [];
    const out = this.#learn(via);
    this.core.prove(via);
    this.core.heard(now);
    // The path is where the accepted connect went, not where the accept came from: behind an
    // address- or port-dependent mapping the server answers from another port, and packets to
    // that port would leave the client's NAT through a new mapping the server never saw (README
    // "NAT matrix", R4). The accept's source is proven, so the server's packets from it count.
    const path = via.path === 'direct' && sent.via.path === 'direct' ? sent.via : via;
    if (this.#phase === 'connecting') {
      this.#phase = 'connected';
      this.core.connect(path, now, true);
      const rttMs = now - sent.sentAt;
      this.core.rttMs = rttMs;
      out.push({ type: 'connected', via: path, rttMs, attempt: sent.attempt, elapsedMs: now - this.startedAt });
      return out;
    }
    const current = this.core.via;
    if (current && current.path === 'relay' && preferredPath(current.path, path.path) !== current.path) {
      this.core.via = path;
      out.push({ type: 'pathChanged', via: path });
    }
    return out;
  }

  #learn(via: Via): LinkOutput[] {
    if (via.path !== 'direct') return [];
    const key = endpointKey(via.endpoint);
    if (this.#candidates.has(key)) return [];
    this.#candidates.set(key, via.endpoint);
    return [{ type: 'learned', endpoint: via.endpoint }];
  }

  #connect(via: Via, attempt: number, now: number): LinkOutput {
    const nonce = (this.#nonce = (this.#nonce + 1) >>> 0);
    this.#sent.set(nonce, { sentAt: now, attempt, via });
    if (this.#sent.size > NONCES_REMEMBERED) this.#sent.delete(this.#sent.keys().next().value!);
    const bytes = encodePeerPacket({
      type: PeerPacketType.CONNECT,
      from: this.core.self,
      to: this.core.peer,
      nonce,
      attempt,
      token: this.#token,
    });
    return { type: 'send', via, bytes };
  }

  #afterCore(out: LinkOutput[]): LinkOutput[] {
    if (out.some((o) => o.type === 'disconnected')) this.#phase = 'closed';
    return out;
  }
}
