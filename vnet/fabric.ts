// The virtual network's shared core: packets, drop reasons, counters, links and the delivery scheduler.
import type { Clock, Endpoint, Logger, TimerHandle } from '../core/index.js';
import { PunchthroughError } from '../core/index.js';
import { type RandomSource, createSeededRandom, deriveSeed } from './random.js';

/** A datagram in flight. Headers are rewritten by NATs; the payload is copied once, at send. */
export interface Packet {
  src: Endpoint;
  dst: Endpoint;
  family: 'IPv4' | 'IPv6';
  /** IP TTL (IPv6 hop limit): each router hop takes one off, and a router drops the packet at 0. */
  ttl: number;
  data: Buffer;
}

/** Why the network dropped a packet. */
export type DropReason =
  /** A link's random loss. */
  | 'loss'
  /** A firewall rule between the two addresses. */
  | 'firewall'
  /** The sending or receiving host's switch drops all UDP. */
  | 'switch'
  /** A NAT mapping exists, but its filter does not admit the sender. */
  | 'filtered'
  /** Unsolicited: no live NAT mapping on that port. */
  | 'no-mapping'
  /** Sent to the NAT's own public address from inside, and the NAT does not hairpin. */
  | 'hairpin-disabled'
  /** The NAT has no free external port. */
  | 'port-exhausted'
  /** No host or NAT owns the destination address. */
  | 'unroutable'
  /** The destination host has no socket bound on that port. */
  | 'no-socket'
  /** A router hop found the TTL spent (a low-TTL prime dies this way before the peer's NAT). */
  | 'ttl-expired';

/** Network-wide packet counters. `sent` = `delivered` + every drop + packets still in flight. */
export interface NetworkCounters {
  /** Datagrams accepted by a socket's `send`. */
  sent: number;
  /** Datagrams handed to a socket's message handlers. */
  delivered: number;
  droppedByLoss: number;
  droppedByFirewall: number;
  droppedBySwitch: number;
  droppedByFiltering: number;
  droppedNoMapping: number;
  droppedHairpinDisabled: number;
  droppedPortExhausted: number;
  droppedUnroutable: number;
  droppedNoSocket: number;
  /** Packets whose TTL ran out at a router (a NAT or an internet hop). */
  droppedTtlExpired: number;
}

const dropCounter: Record<DropReason, keyof NetworkCounters> = {
  loss: 'droppedByLoss',
  firewall: 'droppedByFirewall',
  switch: 'droppedBySwitch',
  filtered: 'droppedByFiltering',
  'no-mapping': 'droppedNoMapping',
  'hairpin-disabled': 'droppedHairpinDisabled',
  'port-exhausted': 'droppedPortExhausted',
  unroutable: 'droppedUnroutable',
  'no-socket': 'droppedNoSocket',
  'ttl-expired': 'droppedTtlExpired',
};

/** One step of a packet's life, for `network.onPacket` listeners (debugging a failing test). */
export interface PacketEvent {
  /** `send`: a socket sent it; `translate`: a NAT rewrote it; `deliver`: a socket got it; `drop`: lost. */
  kind: 'send' | 'translate' | 'deliver' | 'drop';
  /** Clock time of the event. */
  atMs: number;
  /** The host or NAT where it happened. */
  node: string;
  /** Headers at that point (after translation, for `translate`). */
  src: Endpoint;
  dst: Endpoint;
  bytes: number;
  /** The packet's TTL at that point. */
  ttl: number;
  /** Set when `kind` is `drop`. */
  reason?: DropReason;
}

/** Delay and loss applied to every packet that crosses a link, in either direction. */
export interface LinkConditions {
  /** One-way delay in milliseconds. Default 0 (still delivered asynchronously). */
  latencyMs?: number;
  /** Extra delay, uniform in [0, jitterMs), drawn per packet; packets may reorder. Default 0. */
  jitterMs?: number;
  /** Probability in [0, 1] that a packet is lost on this link. Default 0. */
  lossRate?: number;
}

/** A node's attachment to its parent network: its own conditions and random stream. */
export class Link {
  #latencyMs = 0;
  #jitterMs = 0;
  #lossRate = 0;
  readonly random: RandomSource;

  constructor(random: RandomSource, conditions: LinkConditions | undefined) {
    this.random = random;
    if (conditions) this.set(conditions);
  }

  /** Replaces the conditions; fields left out go back to 0. */
  set(conditions: LinkConditions): void {
    const { latencyMs = 0, jitterMs = 0, lossRate = 0 } = conditions;
    if (!(Number.isFinite(latencyMs) && latencyMs >= 0)) invalid(`latencyMs must be >= 0, got ${latencyMs}`);
    if (!(Number.isFinite(jitterMs) && jitterMs >= 0)) invalid(`jitterMs must be >= 0, got ${jitterMs}`);
    if (!(lossRate >= 0 && lossRate <= 1)) invalid(`lossRate must be in [0, 1], got ${lossRate}`);
    this.#latencyMs = latencyMs;
    this.#jitterMs = jitterMs;
    this.#lossRate = lossRate;
  }

  get conditions(): Required<LinkConditions> {
    return { latencyMs: this.#latencyMs, jitterMs: this.#jitterMs, lossRate: this.#lossRate };
  }

  /** The delay for one packet, or undefined when the link loses it. Always draws the same count. */
  sample(): number | undefined {
    const lossDraw = this.random();
    const jitterDraw = this.random();
    if (lossDraw < this.#lossRate) return undefined;
    return this.#latencyMs + jitterDraw * this.#jitterMs;
  }
}

export function invalid(message: string): never {
  throw new PunchthroughError('INVALID_OPTIONS', `virtual network: ${message}`);
}

/**
 * What every host, NAT and router of one network shares: the clock, the seed, the counters,
 * the firewall and the packet listeners. Every delivery goes through `schedule`, so nothing is
 * delivered inside `send()` and everything can be cancelled by `close()`.
 */
export class Fabric {
  readonly clock: Clock;
  readonly seed: number;
  readonly logger: Logger | undefined;
  readonly counters: NetworkCounters = {
    sent: 0,
    delivered: 0,
    droppedByLoss: 0,
    droppedByFirewall: 0,
    droppedBySwitch: 0,
    droppedByFiltering: 0,
    droppedNoMapping: 0,
    droppedHairpinDisabled: 0,
    droppedPortExhausted: 0,
    droppedUnroutable: 0,
    droppedNoSocket: 0,
    droppedTtlExpired: 0,
  };
  readonly #firewall = new Map<number, { a: string; b: string }>();
  #nextRuleId = 1;
  readonly #listeners = new Set<(event: PacketEvent) => void>();
  readonly #pending = new Map<number, TimerHandle>();
  #closed = false;

  constructor(clock: Clock, seed: number, logger: Logger | undefined) {
    this.clock = clock;
    this.seed = seed;
    this.logger = logger;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A random stream of its own for one named consumer (a link, a NAT, a host). */
  random(stream: string): RandomSource {
    return createSeededRandom(deriveSeed(this.seed, stream));
  }

  /** Runs `task` after `delayMs` of clock time (0 included: never synchronously). */
  schedule(delayMs: number, task: () => void): void {
    if (this.#closed) return;
    const handle = this.clock.setTimeout(() => {
      this.#pending.delete(handle.id);
      if (!this.#closed) task();
    }, delayMs);
    this.#pending.set(handle.id, handle);
  }

  /** Packets (and error reports) still scheduled. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Sends `packet` across `link` (checking the firewall against its current headers first),
   * then calls `arrive` at the far end after the link's delay.
   */
  cross(link: Link, packet: Packet, node: string, arrive: (packet: Packet) => void): void {
    if (this.#blockedByFirewall(packet)) return this.drop(packet, node, 'firewall');
    const delayMs = link.sample();
    if (delayMs === undefined) return this.drop(packet, node, 'loss');
    this.schedule(delayMs, () => arrive(packet));
  }

  /**
   * Passes `packet` through `hops` forwarding routers at `node`: a router drops a packet that
   * arrives with TTL 1 or less (as Linux's ip_forward does) and otherwise takes one off. Returns
   * the packet with its new TTL, or undefined when it was dropped (counted as `ttl-expired`).
   */
  hop(packet: Packet, hops: number, node: string): Packet | undefined {
    if (hops === 0) return packet;
    if (packet.ttl <= hops) {
      this.drop(packet, node, 'ttl-expired');
      return undefined;
    }
    return { ...packet, ttl: packet.ttl - hops };
  }

  drop(packet: Packet, node: string, reason: DropReason): void {
    this.counters[dropCounter[reason]]++;
    this.logger?.trace({ node, src: packet.src, dst: packet.dst, reason }, 'vnet drop');
    this.emit('drop', packet, node, reason);
  }

  emit(kind: PacketEvent['kind'], packet: Packet, node: string, reason?: DropReason): void {
    if (this.#listeners.size === 0) return;
    const event: PacketEvent = {
      kind,
      atMs: this.clock.now(),
      node,
      src: { ...packet.src },
      dst: { ...packet.dst },
      bytes: packet.data.length,
      ttl: packet.ttl,
      ...(reason ? { reason } : {}),
    };
    for (const listener of this.#listeners) listener(event);
  }

  onPacket(listener: (event: PacketEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  blockUdp(a: string, b: string): () => void {
    const id = this.#nextRuleId++;
    this.#firewall.set(id, { a, b });
    return () => this.#firewall.delete(id);
  }

  #blockedByFirewall(packet: Packet): boolean {
    for (const { a, b } of this.#firewall.values()) {
      const { address: src } = packet.src;
      const { address: dst } = packet.dst;
      if ((src === a && dst === b) || (src === b && dst === a)) return true;
    }
    return false;
  }

  /** Cancels everything in flight; later sends are ignored. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const handle of this.#pending.values()) this.clock.clearTimeout(handle);
    this.#pending.clear();
  }
}
