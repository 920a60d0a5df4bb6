/**
 * What both ends of a client–server pair do once connected (docs/connection-process.md,
 * connection steps 9, 12 and 13, and "After the connection"): game updates, keepalives that hold
 * the NAT mapping open and measure RTT, the paths (path-manager.ts) and the silent-peer timeout.
 * Sans-IO: inputs are packets and `now`, outputs are {@link LinkOutput}s the runner carries out.
 */
import type { UdpEndpoint } from '../../core/index.js';
import { DisconnectReason } from '../constants.js';
import { KEEPALIVE_BODY_BYTES, PeerPacketType, WireDisconnectReason, type PeerDropReason, type PeerPacket } from './packets.js';
import { ReliableChannel, type ReliableWire } from './reliable/channel.js';
import { reliableCounters, type ReliableCounters } from './reliable/counters.js';
import { sealReliable } from './reliable/seal.js';
import { PathManager, type PathChange, type PathChangeReason, type PathRequest } from './path-manager.js';
import type { PairSealer } from './sealer.js';
import type { ConnectPath, Via } from './path.js';
import { sealProbe } from './probing.js';
import { peerTimeoutAt } from './schedule.js';

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
  /** A connected pair moved from one path to another, after an authenticated round trip on `via`. */
  | { type: 'pathChanged'; via: Via; from: Via; reason: PathChangeReason }
  /** A datagram for this pair that did not open (or was not for this handshake): counted by the runner. */
  | { type: 'dropped'; reason: PeerDropReason }
  /** Client: the start failed; the attempts ran out. */
  | { type: 'failed'; code: 'CONNECT_TIMEOUT' }
  /** A connected peer went away. */
  | { type: 'disconnected'; reason: DisconnectReason }
  /** A game update arrived. */
  | { type: 'message'; data: Uint8Array }
  /** A reliable message arrived, in order. */
  | { type: 'reliable'; data: Uint8Array };

export interface LinkTiming {
  /** Keepalive period on a connected path, ms. */
  keepaliveIntervalMs: number;
  /** A connected peer silent this long is disconnected, ms. */
  peerTimeoutMs: number;
}

export interface LinkCoreOptions {
  /** Every packet goes through the relay: no direct probing. */
  forceRelay?: boolean;
  /** The peer's candidates (announced and learned), probed while the pair is on the relay. */
  candidates?: () => UdpEndpoint[];
}

/**
 * The connected phase, shared by both ends. Session packets are authentic whatever address they
 * come from (the sealer checked them), so data and keepalives are taken from any path and the two
 * ends may briefly disagree on the path without losing traffic. Game data always goes on this
 * end's own path; a keepalive request is answered on the path it came by (one reply of the same
 * size per packet, and a replayed packet is dropped by the replay window), which is what lets
 * each path be proven by its own round trip. Nothing a packet says moves the path by itself.
 */
export class LinkCore {
  connectedAt: number | undefined;
  closed = false;
  readonly paths: PathManager;
  /** Where the reliable channel counts; the runner shares one object across its links. */
  reliableCounters: ReliableCounters = reliableCounters();
  #lastHeardAt = 0;
  /** Made on the first reliable message either way, dropped when the link closes. */
  #reliable: ReliableChannel | undefined;

  constructor(
    readonly self: number,
    readonly peer: number,
    readonly timing: LinkTiming,
    readonly sealer: PairSealer,
    options: LinkCoreOptions = {},
  ) {
    this.paths = new PathManager({
      keepaliveIntervalMs: timing.keepaliveIntervalMs,
      forceRelay: options.forceRelay ?? false,
      candidates: options.candidates ?? (() => []),
    });
  }

  /** The send path. */
  get via(): Via | undefined {
    return this.paths.current;
  }

  /** Smoothed RTT of the send path, ms. */
  get rttMs(): number | undefined {
    return this.paths.rttMs;
  }

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
  connect(via: Via, now: number, measured: boolean, rttMs?: number): void {
    this.connectedAt = now;
    this.#lastHeardAt = now;
    this.paths.connect(via, now, measured, rttMs);
  }

  nextDeadline(): number | undefined {
    if (!this.connected) return undefined;
    const paths = this.paths.nextDeadline();
    const timeout = peerTimeoutAt(this.#lastHeardAt, this.timing.peerTimeoutMs);
    const next = paths === undefined ? timeout : Math.min(paths, timeout);
    const reliable = this.#reliable?.nextDeadline();
    return reliable === undefined ? next : Math.min(next, reliable);
  }

  /** Keepalive, path and timeout decisions at `now`. */
  poll(now: number): LinkOutput[] {
    if (!this.connected || !this.via) return [];
    if (now >= peerTimeoutAt(this.#lastHeardAt, this.timing.peerTimeoutMs)) {
      this.#close();
      return [{ type: 'disconnected', reason: DisconnectReason.TIMEOUT }];
    }
    const { requests, change } = this.paths.poll(now);
    const out: LinkOutput[] = [];
    if (change) out.push(this.#changed(change, now));
    for (const request of requests) out.push(this.#request(request));
    if (this.#reliable) out.push(...this.#wire(this.#reliable.poll(now)));
    return out;
  }

  /** Anything genuine from the peer keeps it alive. */
  heard(now: number): void {
    this.#lastHeardAt = Math.max(this.#lastHeardAt, now);
  }

  /**
   * `via` completed an authenticated round trip of `rttMs` outside the keepalives (a late accept,
   * a handshake probe's reply): the comparator may move the send path to it.
   */
  offer(via: Via, rttMs: number, now: number): LinkOutput[] {
    if (!this.connected) return [];
    this.heard(now);
    const change = this.paths.offer(via, rttMs, now);
    return change ? [this.#changed(change, now)] : [];
  }

  /** Authentic DATA, KEEPALIVE and DISCONNECT of a connected peer, from any path. */
  receiveConnected(packet: PeerPacket, via: Via, now: number): LinkOutput[] {
    if (!this.connected || !this.via) return [];
    this.heard(now);
    switch (packet.type) {
      case PeerPacketType.DATA: {
        const message: LinkOutput = { type: 'message', data: packet.payload };
        const fellBack = via.path === 'relay' ? this.paths.dataOnRelay(now) : undefined;
        if (fellBack) return [this.#changed(fellBack, now), message];
        // A probe is never bigger than the packet that earned it (anti-amplification).
        const probe = this.paths.heard(via, now) && packet.payload.length >= KEEPALIVE_BODY_BYTES;
        return probe ? this.#probe(via, now, message) : [message];
      }
      case PeerPacketType.KEEPALIVE: {
        const probe = this.paths.heard(via, now);
        if (packet.reply) {
          const change = this.paths.reply(packet.seq, now);
          const out: LinkOutput[] = change ? [this.#changed(change, now)] : [];
          return probe ? this.#probe(via, now, ...out) : out;
        }
        const bytes = this.sealer.seal({ type: PeerPacketType.KEEPALIVE, from: this.self, to: this.peer, seq: packet.seq, reply: true });
        const answer: LinkOutput = { type: 'send', via, bytes };
        return probe ? this.#probe(via, now, answer) : [answer];
      }
      case PeerPacketType.DISCONNECT:
        this.#close();
        // Only a server kicks: a client's goodbye is `remote`, whatever reason it gives.
        return [{ type: 'disconnected', reason: packet.reason === WireDisconnectReason.KICKED && this.sealer.role === 'client' ? DisconnectReason.KICKED : DisconnectReason.REMOTE }];
      case PeerPacketType.RELIABLE:
      case PeerPacketType.RELIABLE_ACK:
        return this.#receiveReliable(packet, via, now);
      default:
        return [];
    }
  }

  /**
   * A reliable message on the current path (reliable/channel.ts); undefined when the send
   * buffer is full (nothing queued) or the link is not connected.
   */
  sendReliable(data: Uint8Array, now: number): LinkOutput[] | undefined {
    if (!this.paths.current || !this.connected) return undefined;
    const { accepted, out } = this.#channel().send(data, now);
    return accepted ? this.#wire(out) : undefined;
  }

  /** A game update on the current path, or nothing when not connected. */
  send(data: Uint8Array): LinkOutput[] {
    const via = this.paths.current;
    if (!via || !this.connected) return [];
    this.paths.sentSinceAlive = true;
    return [{ type: 'send', via, bytes: this.sealer.seal({ type: PeerPacketType.DATA, from: this.self, to: this.peer, payload: data }) }];
  }

  /** Goodbye to a connected peer (`reason` on the wire, SHUTDOWN by default); afterwards the link is inert. */
  close(reason: WireDisconnectReason = WireDisconnectReason.SHUTDOWN): LinkOutput[] {
    const wasConnected = this.connected && this.via;
    const via = this.via;
    this.#close();
    if (!wasConnected || !via) return [];
    const bytes = this.sealer.seal({
      type: PeerPacketType.DISCONNECT,
      from: this.self,
      to: this.peer,
      reason,
    });
    return [{ type: 'send', via, bytes }];
  }

  /** Reliable packets count as game data for the paths (a fallback, a probe), like DATA. */
  #receiveReliable(packet: Extract<PeerPacket, { type: typeof PeerPacketType.RELIABLE | typeof PeerPacketType.RELIABLE_ACK }>, via: Via, now: number): LinkOutput[] {
    const fellBack = via.path === 'relay' ? this.paths.dataOnRelay(now) : undefined;
    const before: LinkOutput[] = fellBack ? [this.#changed(fellBack, now)] : [];
    const probe = !fellBack && this.paths.heard(via, now);
    const channel = this.#channel();
    const out = before;
    if (packet.type === PeerPacketType.RELIABLE) {
      const { messages, out: wire } = channel.receiveSegment(packet, now);
      out.push(...this.#wire(wire));
      for (const data of messages) out.push({ type: 'reliable', data });
    } else {
      out.push(...this.#wire(channel.receiveAck(packet, now)));
    }
    return probe ? this.#probe(via, now, ...out) : out;
  }

  #channel(): ReliableChannel {
    return (this.#reliable ??= new ReliableChannel(this.reliableCounters, this.rttMs));
  }

  /** Seals the channel's packets for the current path (each with a fresh counter). */
  #wire(packets: ReliableWire[]): LinkOutput[] {
    const via = this.paths.current;
    if (!via || packets.length === 0) return [];
    // Segments are game data: the path's silence check watches for their answers.
    if (packets.some((p) => p.kind === 'segment')) this.paths.sentSinceAlive = true;
    return sealReliable(this.sealer, this.self, this.peer, packets).map((bytes) => ({ type: 'send', via, bytes }));
  }

  /** The link is over: its reliable channel (queued and unacknowledged messages) goes with it. */
  #close(): void {
    this.closed = true;
    this.#reliable = undefined;
  }

  #changed(change: PathChange, now: number): LinkOutput {
    this.#reliable?.pathChanged(now, this.paths.rttMs);
    return changed(change);
  }

  /** An authentic packet from a path not proven: it earns that path one probe. */
  #probe(via: Via, now: number, ...before: LinkOutput[]): LinkOutput[] {
    const request = this.paths.probe(via, now);
    return request ? [...before, this.#request(request)] : before;
  }

  #request(request: PathRequest): LinkOutput {
    return { type: 'send', via: request.via, bytes: sealProbe(this.sealer, this.self, this.peer, request.seq) };
  }
}

function changed(change: PathChange): LinkOutput {
  return { type: 'pathChanged', via: change.to, from: change.from, reason: change.reason };
}
