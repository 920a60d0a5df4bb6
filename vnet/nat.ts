// NAT behaviour options and presets (RFC 4787), and NatTable: a NAT's pure translation state.
import {
  CLASSIC_NAT_AXES,
  NAT_BEHAVIOR_KINDS,
  endpointKey,
  type ClassicNatType,
  type Endpoint,
  type NatBehaviorKind,
} from '../core/index.js';
import { type RandomSource, randomInt } from './random.js';

/**
 * How a NAT's behaviour depends on the remote endpoint, on RFC 4787's axes (§4.1 mapping,
 * §5 filtering): not at all, on the remote address, or on the remote address and port.
 */
export type NatBehavior = NatBehaviorKind;

/**
 * How a NAT picks the external port of a new mapping (RFC 4787 §4.2.1): keep the internal port
 * when it is free (`preserving`), the next free port after the last one handed out
 * (`sequential`), or any free port (`random`).
 */
export type PortAllocation = 'preserving' | 'sequential' | 'random';

/** The classic (RFC 3489) NAT names, as presets over RFC 4787's axes. */
export type NatPreset = ClassicNatType;

/** Everything that decides how a NAT treats packets. */
export interface NatBehaviorOptions {
  /** When an internal endpoint gets a new external port: per remote (dependent) or once (independent). */
  mapping: NatBehavior;
  /** Which inbound packets a mapping admits: any, from remotes the inside has sent to by address, or by address and port. */
  filtering: NatBehavior;
  /** How external ports are chosen. */
  portAllocation: PortAllocation;
  /** A mapping lives this long after its last *outbound* packet; inbound packets do not refresh it (RFC 4787 REQ-6 allows either; real routers mostly refresh on outbound only). */
  mappingLifetimeMs: number;
  /** Whether a packet from inside to the NAT's own public address is looped back inside (RFC 4787 §6). */
  hairpinning: boolean;
}

/**
 * The presets. Cones preserve ports when they can, as most home routers (and Linux
 * MASQUERADE) do; the symmetric preset allocates randomly, as `--random-fully` and carrier
 * NATs do, so its ports cannot be predicted.
 */
export const NAT_PRESETS: Readonly<Record<NatPreset, Readonly<Omit<NatBehaviorOptions, 'mappingLifetimeMs'>>>> = {
  'full-cone': { ...CLASSIC_NAT_AXES['full-cone'], portAllocation: 'preserving', hairpinning: false },
  'restricted-cone': { ...CLASSIC_NAT_AXES['restricted-cone'], portAllocation: 'preserving', hairpinning: false },
  'port-restricted-cone': { ...CLASSIC_NAT_AXES['port-restricted-cone'], portAllocation: 'preserving', hairpinning: false },
  symmetric: { ...CLASSIC_NAT_AXES.symmetric, portAllocation: 'random', hairpinning: false },
};

/** The three behaviours, in the order the NAT matrix lists them. */
export const NAT_BEHAVIORS: readonly NatBehavior[] = NAT_BEHAVIOR_KINDS;


/** One live mapping, as `nat.mappings()` reports it. */
export interface NatMapping {
  /** The inside endpoint (private address and port). */
  internal: Endpoint;
  /** The outside endpoint (the NAT's public address and the allocated port). */
  external: Endpoint;
  /** For dependent mappings, the remote this mapping is for (port only when address-and-port-dependent). */
  remote?: { address: string; port?: number };
  /** Remotes the filter admits (empty for endpoint-independent filtering, which admits all), as `address` or `address:port`. */
  admits: string[];
  /** Clock time at which the mapping expires unless an outbound packet refreshes it. */
  expiresAtMs: number;
}

interface MappingState {
  key: string;
  internal: Endpoint;
  externalPort: number;
  remote: { address: string; port?: number } | undefined;
  admits: Set<string>;
  expiresAtMs: number;
}

export type OutboundResult = { ok: true; externalPort: number } | { ok: false; reason: 'port-exhausted' };
export type InboundResult = { ok: true; internal: Endpoint } | { ok: false; reason: 'no-mapping' | 'filtered' };

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
 */
export class NatTable {
  readonly #options: NatTableOptions;
  readonly #byKey = new Map<string, MappingState>();
  readonly #byPort = new Map<number, MappingState>();
  #nextSequentialPort: number;

  constructor(options: NatTableOptions) {
    this.#options = options;
    this.#nextSequentialPort = options.portMin;
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
    const key = `${endpointKey(internal)}|${dependentKey(behavior.mapping, remote)}`;
    let mapping = this.#live(this.#byKey.get(key), nowMs);
    if (!mapping) {
      const externalPort = this.#allocatePort(internal.port, nowMs);
      if (externalPort === undefined) return { ok: false, reason: 'port-exhausted' };
      mapping = {
        key,
        internal: { ...internal },
        externalPort,
        remote:
          behavior.mapping === 'endpoint-independent'
            ? undefined
            : behavior.mapping === 'address-dependent'
              ? { address: remote.address }
              : { ...remote },
        admits: new Set(),
        expiresAtMs: 0,
      };
      this.#byKey.set(key, mapping);
      this.#byPort.set(externalPort, mapping);
    }
    mapping.expiresAtMs = nowMs + behavior.mappingLifetimeMs;
    if (behavior.filtering !== 'endpoint-independent') {
      mapping.admits.add(dependentKey(behavior.filtering, remote));
    }
    return { ok: true, externalPort: mapping.externalPort };
  }

  /**
   * A packet from `remote` arrives for external port `externalPort`. Unsolicited packets (no
   * live mapping on that port) are dropped and never create one, as on real routers; inbound
   * traffic does not refresh a mapping.
   */
  inbound(externalPort: number, remote: Endpoint, nowMs: number): InboundResult {
    const mapping = this.#live(this.#byPort.get(externalPort), nowMs);
    if (!mapping) return { ok: false, reason: 'no-mapping' };
    const { filtering } = this.#options.behavior;
    if (filtering !== 'endpoint-independent' && !mapping.admits.has(dependentKey(filtering, remote))) {
      return { ok: false, reason: 'filtered' };
    }
    return { ok: true, internal: { ...mapping.internal } };
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
        expiresAtMs: mapping.expiresAtMs,
      });
    }
    return result;
  }

  /** Returns the mapping if it has not expired; drops it from the table if it has. */
  #live(mapping: MappingState | undefined, nowMs: number): MappingState | undefined {
    if (!mapping) return undefined;
    if (nowMs < mapping.expiresAtMs) return mapping;
    this.#byKey.delete(mapping.key);
    if (this.#byPort.get(mapping.externalPort) === mapping) this.#byPort.delete(mapping.externalPort);
    return undefined;
  }

  #isFree(port: number, nowMs: number): boolean {
    return this.#live(this.#byPort.get(port), nowMs) === undefined;
  }

  #allocatePort(internalPort: number, nowMs: number): number | undefined {
    const { portMin, portMax, random, behavior } = this.#options;
    const span = portMax - portMin + 1;
    if (behavior.portAllocation === 'preserving' && this.#isFree(internalPort, nowMs)) return internalPort;
    if (behavior.portAllocation === 'random') {
      // A few random draws nearly always succeed; the scan below bounds the worst case.
      for (let attempt = 0; attempt < 16; attempt++) {
        const port = randomInt(random, portMin, portMax);
        if (this.#isFree(port, nowMs)) return port;
      }
      return this.#scanFrom(randomInt(random, portMin, portMax), span, nowMs);
    }
    // Sequential, and the fallback of a preserving NAT whose internal port is taken.
    const port = this.#scanFrom(this.#nextSequentialPort, span, nowMs);
    if (port !== undefined) this.#nextSequentialPort = port === portMax ? portMin : port + 1;
    return port;
  }

  #scanFrom(start: number, span: number, nowMs: number): number | undefined {
    const { portMin } = this.#options;
    for (let i = 0; i < span; i++) {
      const port = portMin + ((start - portMin + i) % span);
      if (this.#isFree(port, nowMs)) return port;
    }
    return undefined;
  }
}
