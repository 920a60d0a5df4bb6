// The relay's binding table: bound peers indexed by source address and by (session, actor).
import type { Endpoint, UdpEndpoint } from '../core/index.js';
import { fullPeerBuckets, peerRates, sourceKey, type PeerBuckets, type PeerRates, type RateLimits } from './limits.js';

/** One bound peer: an actor of a session, at the address its last valid bind came from. */
export interface Binding extends PeerBuckets {
  readonly sessionId: string;
  readonly actor: number;
  address: string;
  port: number;
  family: UdpEndpoint['family'];
  /** Last time (monotonic ms) a frame from this peer was accepted. */
  lastSeenMs: number;
  /** Last time an error frame went to this peer (error gate for bound peers). */
  lastErrorMs: number;
  /**
   * What an unbind must carry: handed out in bound, to the bound address only (the server draws
   * a new one whenever the binding is created or moves). Empty: no unbind accepted.
   */
  unbindToken: Uint8Array;
  /** The actors of this peer's session: the only bindings it can ever reach. */
  readonly peers: Map<number, Binding>;
}

/** Why a bind was refused: the table, the session or the source IP holds its maximum. */
export type BindRefusal = 'RELAY_FULL' | 'SESSION_FULL' | 'ADDRESS_FULL';

export type BindOutcome =
  | { ok: true; binding: Binding; kind: 'new' | 'refreshed' | 'moved'; from?: Endpoint }
  | { ok: false; error: BindRefusal };

/**
 * The relay's state: bindings indexed by source address and by (session, actor). An address
 * holds at most one binding and a (session, actor) lives at one address, so a datagram's
 * source alone decides who sent it, and a send can only reach the sender's own session.
 */
export class BindingTable {
  /** address → port → binding: nested so the hot path looks up without building a key. */
  readonly #byAddress = new Map<string, Map<number, Binding>>();
  readonly #sessions = new Map<string, Map<number, Binding>>();
  /** Bindings per source (`sourceKey`: an IPv4 address, an IPv6 /64), for `maxPerAddress`. */
  readonly #perSource = new Map<string, number>();
  readonly #rates: PeerRates;
  #size = 0;

  /**
   * @param maxBindings bindings in all
   * @param maxPerSession bindings of one session (actors)
   * @param maxPerAddress bindings from one source IP address (all its ports)
   */
  constructor(
    limits: RateLimits,
    private readonly maxBindings: number,
    private readonly maxPerSession = Number.POSITIVE_INFINITY,
    private readonly maxPerAddress = Number.POSITIVE_INFINITY,
  ) {
    this.#rates = peerRates(limits);
  }

  get size(): number {
    return this.#size;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  lookup(address: string, port: number): Binding | undefined {
    return this.#byAddress.get(address)?.get(port);
  }

  /** The binding of `actor` in `sessionId`, if bound. */
  peer(sessionId: string, actor: number): Binding | undefined {
    return this.#sessions.get(sessionId)?.get(actor);
  }

  /**
   * Binds `endpoint` to (sessionId, actor) after the ticket verified. A repeated bind refreshes;
   * a bind from a new address moves the binding (the old address stops receiving) and keeps its
   * rate-limit state; an address bound to another actor is re-assigned.
   */
  bind(sessionId: string, actor: number, endpoint: UdpEndpoint, now: number): BindOutcome {
    const atAddress = this.lookup(endpoint.address, endpoint.port);
    if (atAddress && atAddress.sessionId === sessionId && atAddress.actor === actor) {
      atAddress.lastSeenMs = now;
      return { ok: true, binding: atAddress, kind: 'refreshed' };
    }
    const existing = this.peer(sessionId, actor);
    if (!existing && this.#size - (atAddress ? 1 : 0) >= this.maxBindings) return { ok: false, error: 'RELAY_FULL' };
    // Slots the bind would free at once (the address's current binding, the binding it moves)
    // do not count against the bounds.
    const sessionPeers = this.#sessions.get(sessionId)?.size ?? 0;
    if (!existing && sessionPeers - (atAddress?.sessionId === sessionId ? 1 : 0) >= this.maxPerSession) {
      return { ok: false, error: 'SESSION_FULL' };
    }
    const source = sourceKey(endpoint.address);
    const fromSource = this.#perSource.get(source) ?? 0;
    const freed = (atAddress ? 1 : 0) + (existing && sourceKey(existing.address) === source ? 1 : 0);
    if (fromSource - freed >= this.maxPerAddress) {
      return { ok: false, error: 'ADDRESS_FULL' };
    }
    if (atAddress) this.remove(atAddress);
    if (existing) {
      const from = { address: existing.address, port: existing.port };
      this.#unindexAddress(existing);
      existing.address = endpoint.address;
      existing.port = endpoint.port;
      existing.family = endpoint.family;
      existing.lastSeenMs = now;
      this.#indexAddress(existing);
      return { ok: true, binding: existing, kind: 'moved', from };
    }
    let peers = this.#sessions.get(sessionId);
    if (!peers) {
      peers = new Map();
      this.#sessions.set(sessionId, peers);
    }
    const binding: Binding = {
      sessionId,
      actor,
      address: endpoint.address,
      port: endpoint.port,
      family: endpoint.family,
      lastSeenMs: now,
      lastErrorMs: Number.NEGATIVE_INFINITY,
      unbindToken: new Uint8Array(0),
      peers,
      ...fullPeerBuckets(this.#rates, now),
    };
    peers.set(actor, binding);
    this.#indexAddress(binding);
    this.#size++;
    return { ok: true, binding, kind: 'new' };
  }

  /** Drops a binding; a no-op if it is no longer in the table. */
  remove(binding: Binding): void {
    if (binding.peers.get(binding.actor) !== binding) return;
    binding.peers.delete(binding.actor);
    if (binding.peers.size === 0) this.#sessions.delete(binding.sessionId);
    this.#unindexAddress(binding);
    this.#size--;
  }

  /** Drops every binding of `sessionId`, or only `actor`'s; returns how many. */
  removeSession(sessionId: string, actor?: number): number {
    const peers = this.#sessions.get(sessionId);
    if (!peers) return 0;
    const doomed = actor === undefined ? [...peers.values()] : [peers.get(actor)].filter((binding) => binding !== undefined);
    for (const binding of doomed) this.remove(binding);
    return doomed.length;
  }

  /** Bindings from the source of `address` (all ports; an IPv6 address's whole /64). */
  countFrom(address: string): number {
    return this.#perSource.get(sourceKey(address)) ?? 0;
  }

  /**
   * Removes every binding silent for longer than `idleTimeoutMs`; returns how many. Silence is
   * measured from the last frame the relay accepted and acted on (a delivered send, a keepalive,
   * a bind): sends to absent peers and rate-limited frames do not hold a binding open.
   */
  expireIdle(now: number, idleTimeoutMs: number): number {
    let expired = 0;
    for (const peers of this.#sessions.values()) {
      for (const binding of peers.values()) {
        if (now - binding.lastSeenMs > idleTimeoutMs) {
          this.remove(binding);
          expired++;
        }
      }
    }
    return expired;
  }

  #indexAddress(binding: Binding): void {
    let ports = this.#byAddress.get(binding.address);
    if (!ports) {
      ports = new Map();
      this.#byAddress.set(binding.address, ports);
    }
    ports.set(binding.port, binding);
    const source = sourceKey(binding.address);
    this.#perSource.set(source, (this.#perSource.get(source) ?? 0) + 1);
  }

  #unindexAddress(binding: Binding): void {
    const ports = this.#byAddress.get(binding.address);
    if (ports?.get(binding.port) !== binding) return;
    ports.delete(binding.port);
    if (ports.size === 0) this.#byAddress.delete(binding.address);
    const source = sourceKey(binding.address);
    const left = (this.#perSource.get(source) ?? 1) - 1;
    if (left > 0) this.#perSource.set(source, left);
    else this.#perSource.delete(source);
  }
}
