// NatTable: a NAT's pure translation state (mappings, filters, lifetimes, conntrack-style unreplied entries).
import { endpointKey, type Endpoint } from '../core/index.js';
import { MAX_UNREPLIED_ENTRIES } from './constants.js';
import type { NatBehavior, NatBehaviorOptions, NatMapping, NatRebinding, NatUnrepliedEntry } from './nat.js';
import { type RandomSource, randomInt } from './random.js';

interface MappingState {
  key: string;
  internal: Endpoint;
  externalPort: number;
  remote: { address: string; port?: number } | undefined;
  admits: Set<string>;
  /** Remote endpoints it has sent to: the (external port, remote) pairs it owns (tracked only when they matter). */
  sentTo: Set<string>;
  /** Has admitted an inbound packet: traffic both ways (conntrack's ASSURED). */
  assured: boolean;
  expiresAtMs: number;
}

/** An unsolicited inbound packet's state: it owns (external port, remote) until it expires. */
interface UnrepliedState {
  externalPort: number;
  remote: Endpoint;
  expiresAtMs: number;
}

export type OutboundResult =
  | { ok: true; externalPort: number; clashed: boolean }
  | { ok: false; reason: 'port-exhausted' };
export type InboundResult =
  | { ok: true; internal: Endpoint }
  /** `createdState`: the packet left an unreplied entry (present only then). */
  | { ok: false; reason: 'no-mapping' | 'filtered'; createdState?: true };

export interface NatTableOptions {
  behavior: NatBehaviorOptions;
  /** Lowest external port for sequential/random allocation and preservation fallback. */
  portMin: number;
  /** Highest external port (inclusive). */
  portMax: number;
  /** Draws random ports; seeded by the network. */
  random: RandomSource;
}

/** The part of an endpoint a behaviour depends on, as a map key ('' when independent). */
function dependentKey(behavior: NatBehavior, remote: Endpoint): string {
  switch (behavior) {
    case 'endpoint-independent':
      return '';
    case 'address-dependent':
      return remote.address;
    case 'address-and-port-dependent':
      return endpointKey(remote);
  }
}

/**
 * A NAT's translation state: mappings, their filters and their lifetimes. Pure: every decision
 * is a function of the table and the `nowMs` passed in, and expiry is checked lazily against it,
 * so the table owns no timers.
 *
 * With `unsolicitedCreatesState` or `portOverloading` on, the table also tracks which
 * (external port, remote) pairs each entry owns, as Linux conntrack's reply tuples do: an
 * outbound packet whose mapping's pair is owned by another entry leaves through a separate
 * per-remote flow on another port (a clash: the port steal of paths.md §2 #7).
 */
export class NatTable {
  readonly #options: NatTableOptions;
  readonly #byKey = new Map<string, MappingState>();
  /** Entries by external port: at most one live entry per port unless `portOverloading`. */
  readonly #byPort = new Map<number, MappingState[]>();
  readonly #unreplied = new Map<string, UnrepliedState>();
  readonly #tuples: boolean;
  #nextSequentialPort: number;

  constructor(options: NatTableOptions) {
    this.#options = options;
    this.#nextSequentialPort = options.portMin;
    this.#tuples = options.behavior.unsolicitedCreatesState === true || options.behavior.portOverloading === true;
  }

  get behavior(): NatBehaviorOptions {
    return this.#options.behavior;
  }

  /**
   * An inside endpoint sends to `remote`: find or create its mapping, refresh it, and let the
   * filter admit `remote` from now on.
   */
  outbound(internal: Endpoint, remote: Endpoint, nowMs: number): OutboundResult {
    const { behavior } = this.#options;
    if (this.#tuples) {
      const flow = this.#live(this.#byKey.get(this.#flowKey(internal, remote)), nowMs);
      if (flow) return { ok: true, externalPort: this.#touchOut(flow, remote, nowMs), clashed: false };
    }
    const key = `${endpointKey(internal)}|${dependentKey(behavior.mapping, remote)}`;
    let mapping = this.#live(this.#byKey.get(key), nowMs);
    if (!mapping) {
      const externalPort = this.#allocatePort(internal.port, nowMs, remote);
      if (externalPort === undefined) return { ok: false, reason: 'port-exhausted' };
      const dependent =
        behavior.mapping === 'endpoint-independent'
          ? undefined
          : behavior.mapping === 'address-dependent'
            ? { address: remote.address }
            : { ...remote };
      mapping = this.#insert(key, internal, externalPort, dependent, nowMs);
    }
    if (this.#tuples && this.#ownedByOther(mapping, remote, nowMs)) {
      // Linux picks another source port for this one flow, so the reply tuple stays unique.
      const externalPort = this.#allocatePort(internal.port, nowMs, remote);
      if (externalPort === undefined) return { ok: false, reason: 'port-exhausted' };
      const flow = this.#insert(this.#flowKey(internal, remote), internal, externalPort, { ...remote }, nowMs);
      return { ok: true, externalPort: this.#touchOut(flow, remote, nowMs), clashed: true };
    }
    return { ok: true, externalPort: this.#touchOut(mapping, remote, nowMs), clashed: false };
  }

  /**
   * A packet from `remote` arrives for external port `externalPort`. An unsolicited packet (no
   * live mapping on that port admits it) is dropped; with `unsolicitedCreatesState` it leaves an
   * unreplied entry that owns (port, remote) and that later packets from `remote` refresh. An
   * admitted packet makes its mapping assured and, with `refreshOnInbound`, refreshes it.
   */
  inbound(externalPort: number, remote: Endpoint, nowMs: number): InboundResult {
    const { behavior } = this.#options;
    const remoteKey = endpointKey(remote);
    if (this.#tuples) {
      const entry = this.#liveUnreplied(`${externalPort}|${remoteKey}`, nowMs);
      if (entry) {
        // Any packet refreshes a conntrack entry, so the steal lasts while the remote keeps sending.
        entry.expiresAtMs = nowMs + this.#unrepliedLifetimeMs;
        return { ok: false, reason: 'no-mapping' };
      }
    }
    const candidates = this.#liveOnPort(externalPort, nowMs);
    const { filtering } = behavior;
    const chosen =
      candidates.find((mapping) => mapping.sentTo.has(remoteKey)) ??
      candidates.find(
        (mapping) => filtering === 'endpoint-independent' || mapping.admits.has(dependentKey(filtering, remote)),
      );
    if (!chosen) {
      const reason = candidates.length === 0 ? 'no-mapping' : 'filtered';
      return this.#recordUnreplied(externalPort, remote, nowMs)
        ? { ok: false, reason, createdState: true }
        : { ok: false, reason };
    }
    chosen.assured = true;
    if (behavior.refreshOnInbound) chosen.expiresAtMs = nowMs + this.#lifetimeMs(chosen);
    return { ok: true, internal: { ...chosen.internal } };
  }

  /**
   * The NAT rebinds (a new public port range, a CGNAT reassignment): every live mapping moves to
   * an external port none of them held before, keeping its filter; unreplied entries are gone.
   * Packets to the old ports then find nothing. Mappings that find no free port are dropped.
   */
  rebind(nowMs: number): NatRebinding[] {
    const live = [...this.#byKey.values()].filter((mapping) => this.#live(mapping, nowMs));
    const old = new Set(live.map((mapping) => mapping.externalPort));
    this.#byPort.clear();
    this.#unreplied.clear();
    const moves: NatRebinding[] = [];
    for (const mapping of live) {
      const port = this.#allocatePort(mapping.internal.port, nowMs, undefined, old);
      if (port === undefined) {
        this.#byKey.delete(mapping.key);
        continue;
      }
      moves.push({ internal: { ...mapping.internal }, fromPort: mapping.externalPort, toPort: port });
      mapping.externalPort = port;
      this.#indexPort(mapping);
    }
    return moves;
  }

  /** Forgets every mapping and unreplied entry (a conntrack flush, a router reboot). */
  flush(): void {
    this.#byKey.clear();
    this.#byPort.clear();
    this.#unreplied.clear();
  }

  /** The live mappings, oldest first. */
  list(publicAddress: string, nowMs: number): NatMapping[] {
    const result: NatMapping[] = [];
    for (const state of [...this.#byKey.values()]) {
      const mapping = this.#live(state, nowMs);
      if (!mapping) continue;
      result.push({
        internal: { ...mapping.internal },
        external: { address: publicAddress, port: mapping.externalPort },
        ...(mapping.remote ? { remote: { ...mapping.remote } } : {}),
        admits: [...mapping.admits].map((entry) => entry.replace('|', ':')),
        assured: mapping.assured,
        expiresAtMs: mapping.expiresAtMs,
      });
    }
    return result;
  }

  /** The live unreplied entries (unsolicited inbound state), oldest first. */
  listUnreplied(publicAddress: string, nowMs: number): NatUnrepliedEntry[] {
    const result: NatUnrepliedEntry[] = [];
    for (const [key, entry] of [...this.#unreplied]) {
      if (!this.#liveUnreplied(key, nowMs)) continue;
      result.push({
        external: { address: publicAddress, port: entry.externalPort },
        remote: { ...entry.remote },
        expiresAtMs: entry.expiresAtMs,
      });
    }
    return result;
  }

  get #unrepliedLifetimeMs(): number {
    const { behavior } = this.#options;
    return behavior.unrepliedLifetimeMs ?? behavior.mappingLifetimeMs;
  }

  #lifetimeMs(mapping: MappingState): number {
    const { behavior } = this.#options;
    return mapping.assured ? (behavior.assuredLifetimeMs ?? behavior.mappingLifetimeMs) : this.#unrepliedLifetimeMs;
  }

  #flowKey(internal: Endpoint, remote: Endpoint): string {
    return `${endpointKey(internal)}|~${endpointKey(remote)}`;
  }

  #insert(
    key: string,
    internal: Endpoint,
    externalPort: number,
    remote: MappingState['remote'],
    nowMs: number,
  ): MappingState {
    const mapping: MappingState = {
      key,
      internal: { ...internal },
      externalPort,
      remote,
      admits: new Set(),
      sentTo: new Set(),
      assured: false,
      // Live from birth: the tuple checks between insert and the first refresh must see it.
      expiresAtMs: nowMs + this.#unrepliedLifetimeMs,
    };
    this.#byKey.set(key, mapping);
    this.#indexPort(mapping);
    return mapping;
  }

  #indexPort(mapping: MappingState): void {
    const list = this.#byPort.get(mapping.externalPort);
    if (list) list.push(mapping);
    else this.#byPort.set(mapping.externalPort, [mapping]);
  }

  /** Refreshes `mapping` for an outbound packet to `remote`; returns its external port. */
  #touchOut(mapping: MappingState, remote: Endpoint, nowMs: number): number {
    const { filtering } = this.#options.behavior;
    mapping.expiresAtMs = nowMs + this.#lifetimeMs(mapping);
    if (filtering !== 'endpoint-independent') mapping.admits.add(dependentKey(filtering, remote));
    if (this.#tuples) mapping.sentTo.add(endpointKey(remote));
    return mapping.externalPort;
  }

  /** Whether an unreplied entry or another mapping owns (mapping's port, remote). */
  #ownedByOther(mapping: MappingState, remote: Endpoint, nowMs: number): boolean {
    const remoteKey = endpointKey(remote);
    if (this.#liveUnreplied(`${mapping.externalPort}|${remoteKey}`, nowMs)) return true;
    return this.#liveOnPort(mapping.externalPort, nowMs).some(
      (other) => other !== mapping && other.sentTo.has(remoteKey),
    );
  }

  #recordUnreplied(externalPort: number, remote: Endpoint, nowMs: number): boolean {
    if (!this.#options.behavior.unsolicitedCreatesState) return false;
    if (this.#unreplied.size >= MAX_UNREPLIED_ENTRIES) {
      for (const key of [...this.#unreplied.keys()]) this.#liveUnreplied(key, nowMs);
      if (this.#unreplied.size >= MAX_UNREPLIED_ENTRIES) return false;
    }
    this.#unreplied.set(`${externalPort}|${endpointKey(remote)}`, {
      externalPort,
      remote: { address: remote.address, port: remote.port },
      expiresAtMs: nowMs + this.#unrepliedLifetimeMs,
    });
    return true;
  }

  #liveUnreplied(key: string, nowMs: number): UnrepliedState | undefined {
    const entry = this.#unreplied.get(key);
    if (!entry) return undefined;
    if (nowMs < entry.expiresAtMs) return entry;
    this.#unreplied.delete(key);
    return undefined;
  }

  #liveOnPort(port: number, nowMs: number): MappingState[] {
    const list = this.#byPort.get(port);
    if (!list) return [];
    return list.filter((mapping) => this.#live(mapping, nowMs));
  }

  /** Returns the mapping if it has not expired; drops it from the table if it has. */
  #live(mapping: MappingState | undefined, nowMs: number): MappingState | undefined {
    if (!mapping) return undefined;
    if (nowMs < mapping.expiresAtMs) return mapping;
    if (this.#byKey.get(mapping.key) === mapping) this.#byKey.delete(mapping.key);
    const list = this.#byPort.get(mapping.externalPort);
    if (list) {
      const rest = list.filter((entry) => entry !== mapping);
      if (rest.length > 0) this.#byPort.set(mapping.externalPort, rest);
      else this.#byPort.delete(mapping.externalPort);
    }
    return undefined;
  }

  /**
   * Whether `port` may take a new entry: no live entry on it, or with `portOverloading` none
   * that owns (port, remote). An unreplied entry owning (port, remote) always blocks it.
   */
  #isFree(port: number, nowMs: number, remote: Endpoint | undefined, avoid: Set<number> | undefined): boolean {
    if (avoid?.has(port)) return false;
    const onPort = this.#liveOnPort(port, nowMs);
    if (remote === undefined || !this.#tuples) return onPort.length === 0;
    const remoteKey = endpointKey(remote);
    if (this.#liveUnreplied(`${port}|${remoteKey}`, nowMs)) return false;
    if (!this.#options.behavior.portOverloading) return onPort.length === 0;
    return !onPort.some((mapping) => mapping.sentTo.has(remoteKey));
  }

  #allocatePort(internalPort: number, nowMs: number, remote?: Endpoint, avoid?: Set<number>): number | undefined {
    const { portMin, portMax, random, behavior } = this.#options;
    const span = portMax - portMin + 1;
    const free = (port: number): boolean => this.#isFree(port, nowMs, remote, avoid);
    if (behavior.portAllocation === 'preserving' && free(internalPort)) return internalPort;
    if (behavior.portAllocation === 'random') {
      // A few random draws nearly always succeed; the scan below bounds the worst case.
      for (let attempt = 0; attempt < 16; attempt++) {
        const port = randomInt(random, portMin, portMax);
        if (free(port)) return port;
      }
      return this.#scanFrom(randomInt(random, portMin, portMax), span, free);
    }
    // Sequential, and the fallback of a preserving NAT whose internal port is taken.
    const port = this.#scanFrom(this.#nextSequentialPort, span, free);
    if (port !== undefined) this.#nextSequentialPort = port === portMax ? portMin : port + 1;
    return port;
  }

  #scanFrom(start: number, span: number, free: (port: number) => boolean): number | undefined {
    const { portMin } = this.#options;
    for (let i = 0; i < span; i++) {
      const port = portMin + ((start - portMin + i) % span);
      if (free(port)) return port;
    }
    return undefined;
  }
}
