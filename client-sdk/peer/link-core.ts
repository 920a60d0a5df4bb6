/**
 * What both ends of a client–server pair do once connected (docs/connection-process.md,
 * connection steps 9, 12 and 13): game updates,
 * keepalives that hold the NAT mapping open and measure RTT, and the silent-peer timeout.
 * Sans-IO: inputs are packets and `now`, outputs are {@link LinkOutput}s the runner carries out.
 */
import type { UdpEndpoint } from '../../core/index.js';
import { DisconnectReason, RTT_SMOOTHING } from '../constants.js';
import { PeerPacketType, WireDisconnectReason, type PeerDropReason, type PeerPacket } from './packets.js';
import type { PairSealer } from './sealer.js';
import type { ConnectPath, Via } from './path.js';
import { keepaliveDueAt, peerTimeoutAt, smoothRtt } from './schedule.js';

export type { Via } from './path.js';

export type LinkOutput =
  /** Send these bytes on this path; `ttl`: with this IP TTL (a low-TTL prime, priming.ts). */
  | { type: 'send'; via: Via; bytes: Uint8Array; ttl?: number }
  /** Client: connection attempt `n` went out on `path`. */
  | { type: 'attempt'; n: number; path: ConnectPath }
  /** A valid punch packet came from an endpoint the peer had not announced (peer-reflexive). */
  | { type: 'learned'; endpoint: UdpEndpoint }
  /** The pair is connected on `via`. */
  | { type: 'connected'; via: Via; rttMs: number | undefined; attempt: number; elapsedMs: number }
  /** A connected pair moved to another path (a late direct accept beats the relay). */
  | { type: 'pathChanged'; via: Via }
  /** A datagram for this pair that did not open (or was not for this handshake): counted by the runner. */
  | { type: 'dropped'; reason: PeerDropReason }
  /** Client: the start failed; the attempts ran out. */
  | { type: 'failed'; code: 'CONNECT_TIMEOUT' }
  /** A connected peer went away. */
  | { type: 'disconnected'; reason: DisconnectReason }
  /** A game update arrived. */
  | { type: 'message'; data: Uint8Array };

export interface LinkTiming {
  /** Keepalive period on a connected path, ms. */
  keepaliveIntervalMs: number;
  /** A connected peer silent this long is disconnected, ms. */
  peerTimeoutMs: number;
}

/** Keepalive sequence numbers remembered for RTT: older replies are ignored. */
const KEEPALIVES_REMEMBERED = 8;

/**
 * The connected phase, shared by both ends. Session packets are authentic whatever address they
 * come from (the sealer checked them), so data and keepalives are taken from any path and the two
 * ends may briefly disagree on the path without losing traffic; what comes back always goes on
 * this end's own path, never to a packet's source, so a replayed packet cannot aim anything.
 */
export class LinkCore {
  via: Via | undefined;
  connectedAt: number | undefined;
  rttMs: number | undefined;
  closed = false;
  #lastHeardAt = 0;
  #lastKeepaliveAt = 0;
  #keepaliveSeq = 0;
  readonly #keepalives = new Map<number, number>();

  constructor(
    readonly self: number,
    readonly peer: number,
    readonly timing: LinkTiming,
    readonly sealer: PairSealer,
  ) {}

  /** When anything genuine last arrived from the peer, on any path. */
  get lastHeardAt(): number {
    return this.#lastHeardAt;
  }

  get connected(): boolean {
    return this.connectedAt !== undefined && !this.closed;
  }

  /**
   * @param measured whether the handshake measured RTT (client: connect → accept). When it did
   *   not (server), the first keepalive goes at once to measure it; otherwise one interval later.
   */
  connect(via: Via, now: number, measured: boolean): void {
    this.via = via;
    this.connectedAt = now;
    this.#lastHeardAt = now;
    this.#lastKeepaliveAt = measured ? now : now - this.timing.keepaliveIntervalMs;
  }

  nextDeadline(): number | undefined {
    if (!this.connected) return undefined;
    return Math.min(
      keepaliveDueAt(this.#lastKeepaliveAt, this.timing.keepaliveIntervalMs),
      peerTimeoutAt(this.#lastHeardAt, this.timing.peerTimeoutMs),
    );
  }

  /** Keepalive and timeout decisions at `now`. */
  poll(now: number): LinkOutput[] {
    if (!this.connected || !this.via) return [];
    if (now >= peerTimeoutAt(this.#lastHeardAt, this.timing.peerTimeoutMs)) {
      this.closed = true;
      return [{ type: 'disconnected', reason: DisconnectReason.TIMEOUT }];
    }
    if (now < keepaliveDueAt(this.#lastKeepaliveAt, this.timing.keepaliveIntervalMs)) return [];
    this.#lastKeepaliveAt = now;
    const seq = (this.#keepaliveSeq = (this.#keepaliveSeq + 1) >>> 0);
    this.#keepalives.set(seq, now);
    if (this.#keepalives.size > KEEPALIVES_REMEMBERED) {
      this.#keepalives.delete(this.#keepalives.keys().next().value!);
    }
    const bytes = this.sealer.seal({ type: PeerPacketType.KEEPALIVE, from: this.self, to: this.peer, seq, reply: false });
    return [{ type: 'send', via: this.via, bytes }];
  }

  /** Anything genuine from the peer keeps it alive. */
  heard(now: number): void {
    this.#lastHeardAt = Math.max(this.#lastHeardAt, now);
  }

  /** Authentic DATA, KEEPALIVE and DISCONNECT of a connected peer, from any path. */
  receiveConnected(packet: PeerPacket, now: number): LinkOutput[] {
    if (!this.connected || !this.via) return [];
    switch (packet.type) {
      case PeerPacketType.DATA:
        this.heard(now);
        return [{ type: 'message', data: packet.payload }];
      case PeerPacketType.KEEPALIVE: {
        this.heard(now);
        if (!packet.reply) {
          const bytes = this.sealer.seal({
            type: PeerPacketType.KEEPALIVE,
            from: this.self,
            to: this.peer,
            seq: packet.seq,
            reply: true,
          });
          return [{ type: 'send', via: this.via, bytes }];
        }
        const sentAt = this.#keepalives.get(packet.seq);
        if (sentAt !== undefined) {
          this.#keepalives.delete(packet.seq);
          this.rttMs = smoothRtt(this.rttMs, now - sentAt, RTT_SMOOTHING);
        }
        return [];
      }
      case PeerPacketType.DISCONNECT:
        this.closed = true;
        return [{ type: 'disconnected', reason: DisconnectReason.REMOTE }];
      default:
        return [];
    }
  }

  /** A game update on the current path, or nothing when not connected. */
  send(data: Uint8Array): LinkOutput[] {
    if (!this.connected || !this.via) return [];
    return [{ type: 'send', via: this.via, bytes: this.sealer.seal({ type: PeerPacketType.DATA, from: this.self, to: this.peer, payload: data }) }];
  }

  /** Goodbye to a connected peer; afterwards the link is inert. */
  close(): LinkOutput[] {
    const wasConnected = this.connected && this.via;
    const via = this.via;
    this.closed = true;
    if (!wasConnected || !via) return [];
    const bytes = this.sealer.seal({
      type: PeerPacketType.DISCONNECT,
      from: this.self,
      to: this.peer,
      reason: WireDisconnectReason.SHUTDOWN,
    });
    return [{ type: 'send', via, bytes }];
  }
}
