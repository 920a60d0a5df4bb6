/**
 * The server's side of one client–server pair (seed 002 connection steps 2, 7, 8, 10, 13):
 * pings to the client's candidates every interval until it connects or its attempts are over,
 * token check, accept on the path the request came by. Sans-IO, like {@link ClientLink}.
 */
import type { UdpEndpoint } from '../../src/runtime/index.js';
import { LinkCore, endpointKey, sameVia, type LinkOutput, type LinkTiming, type Via } from './link-core.js';
import { bytesEqual, encodePeerPacket, pairTag, PeerPacketType, RejectReason, type PeerPacket } from './packets.js';
import { duePing, nextRoundAt, type ScheduleConfig } from './schedule.js';

export interface ClientContact {
  /** The client's actor number. */
  actor: number;
  /** Its announced candidates: reflexive and local addresses. */
  candidates: UdpEndpoint[];
  /** The pair's one-time connect token: the only token this client may connect with. */
  token: Uint8Array;
}

export interface ServerLinkInit {
  /** The server's actor number. */
  self: number;
  client: ClientContact;
  /** When the server learned the client's addresses (connection step 2): t = 0 of its pings. */
  learnedAt: number;
  schedule: ScheduleConfig;
  timing: LinkTiming;
}

export type ServerPhase = 'waiting' | 'connected' | 'closed';

export class ServerLink {
  readonly core: LinkCore;
  #phase: ServerPhase = 'waiting';
  #learnedAt: number;
  #pingsSent = 0;
  #token: Uint8Array;
  #tag: Uint8Array;
  readonly #candidates = new Map<string, UdpEndpoint>();
  readonly #schedule: ScheduleConfig;

  constructor(init: ServerLinkInit) {
    this.core = new LinkCore(init.self, init.client.actor, init.timing);
    this.#learnedAt = init.learnedAt;
    this.#schedule = init.schedule;
    this.#token = init.client.token;
    this.#tag = pairTag(init.client.token);
    for (const candidate of init.client.candidates) this.#candidates.set(endpointKey(candidate), candidate);
  }

  get phase(): ServerPhase {
    return this.#phase;
  }

  get pingsSent(): number {
    return this.#pingsSent;
  }

  get candidates(): UdpEndpoint[] {
    return [...this.#candidates.values()];
  }

  /**
   * A newer address event for this client (it re-reported, or rejoined): a fresh token, and,
   * while it is not connected, a fresh round of pings from `now`.
   */
  update(client: ClientContact, now: number): void {
    this.#token = client.token;
    this.#tag = pairTag(client.token);
    for (const candidate of client.candidates) this.#candidates.set(endpointKey(candidate), candidate);
    if (this.#phase === 'waiting') {
      this.#learnedAt = now;
      this.#pingsSent = 0;
    }
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
    const out: LinkOutput[] = [];
    // Connection step 7: pings open the server's NAT towards the client's candidates.
    for (let n = duePing(this.#schedule, this.#learnedAt, this.#pingsSent, now); n !== undefined; ) {
      this.#pingsSent = n + 1;
      const bytes = encodePeerPacket({
        type: PeerPacketType.PING,
        from: this.core.self,
        to: this.core.peer,
        seq: n,
        tag: this.#tag,
      });
      for (const endpoint of this.#candidates.values()) out.push({ type: 'send', via: { path: 'direct', endpoint }, bytes });
      n = duePing(this.#schedule, this.#learnedAt, this.#pingsSent, now);
    }
    return out;
  }

  receive(packet: PeerPacket, via: Via, now: number): LinkOutput[] {
    if (packet.from !== this.core.peer || packet.to !== this.core.self || this.#phase === 'closed') return [];
    if (packet.type !== PeerPacketType.CONNECT) return this.#afterCore(this.core.receiveConnected(packet, via, now));
    if (via.path === 'direct' && this.#schedule.forceRelay) return [];
    if (!bytesEqual(packet.token, this.#token)) {
      const bytes = encodePeerPacket({
        type: PeerPacketType.REJECT,
        from: this.core.self,
        to: this.core.peer,
        nonce: packet.nonce,
        reason: RejectReason.BAD_TOKEN,
      });
      return [{ type: 'rejectedConnect' }, { type: 'send', via, bytes }];
    }
    const out: LinkOutput[] = [];
    if (via.path === 'direct' && !this.#candidates.has(endpointKey(via.endpoint))) {
      // DESIGN.md §2 item 4: a valid connect from an unannounced endpoint is peer-reflexive.
      this.#candidates.set(endpointKey(via.endpoint), via.endpoint);
      out.push({ type: 'learned', endpoint: via.endpoint });
    }
    this.core.prove(via);
    const accept = encodePeerPacket({
      type: PeerPacketType.ACCEPT,
      from: this.core.self,
      to: this.core.peer,
      nonce: packet.nonce,
      tag: this.#tag,
    });
    if (this.#phase === 'waiting') {
      // Connection steps 8 (direct socket) and 10 (relay): accept on the path the request came by.
      this.#phase = 'connected';
      this.core.connect(via, now, false);
      out.push({ type: 'connected', via, rttMs: undefined, attempt: packet.attempt, elapsedMs: now - this.#learnedAt });
    } else {
      this.core.heard(now);
      // A connect while connected means the client has no accept yet on that path: the latest
      // request names the path the client is listening on (a late direct one, or the relay
      // after our direct accepts were lost).
      const current = this.core.via;
      if (!current || !sameVia(current, via)) {
        this.core.via = via;
        out.push({ type: 'pathChanged', via });
      }
    }
    out.push({ type: 'send', via, bytes: accept });
    return out;
  }

  send(data: Uint8Array): LinkOutput[] {
    return this.#phase === 'connected' ? this.core.send(data) : [];
  }

  close(): LinkOutput[] {
    const out = this.#phase === 'connected' ? this.core.close() : [];
    this.#phase = 'closed';
    return out;
  }

  #afterCore(out: LinkOutput[]): LinkOutput[] {
    if (out.some((o) => o.type === 'disconnected')) this.#phase = 'closed';
    return out;
  }
}
