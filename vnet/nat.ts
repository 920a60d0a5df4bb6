// NAT behaviour options and presets (RFC 4787, plus Linux conntrack's quirks), and the shapes NatTable reports.
import {
  CLASSIC_NAT_AXES,
  NAT_BEHAVIOR_KINDS,
  type ClassicNatType,
  type Endpoint,
  type NatBehaviorKind,
} from '../core/index.js';
import {
  DEFAULT_MAPPING_LIFETIME_MS,
  DEFAULT_NAT_PRESET,
  LINUX_ASSURED_LIFETIME_MS,
  LINUX_UNREPLIED_LIFETIME_MS,
} from './constants.js';
import { invalid } from './fabric.js';

export { NatTable, type InboundResult, type NatTableOptions, type OutboundResult } from './nat-table.js';

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
  /**
   * Linux conntrack without an INPUT drop: an unsolicited inbound packet (no mapping admits it)
   * leaves an unreplied entry that owns (external port, remote) for `unrepliedLifetimeMs`, so an
   * inside host that then sends to that remote from that port leaves through another port (port
   * stealing, paths.md §2 #7). Default false: dropped without state.
   */
  unsolicitedCreatesState?: boolean;
  /** Admitted inbound packets refresh their mapping, as Linux conntrack does for any packet. Default false (outbound only). */
  refreshOnInbound?: boolean;
  /** Lifetime of a mapping that has only seen outbound traffic, and of an unreplied entry. Default `mappingLifetimeMs`. */
  unrepliedLifetimeMs?: number;
  /** Lifetime of a mapping once it has admitted an inbound packet (assured). Default `mappingLifetimeMs`. */
  assuredLifetimeMs?: number;
  /**
   * Two inside endpoints may hold the same external port for different remotes, as Linux does
   * (it only keeps each (external port, remote) pair unique). Default false: one mapping per port.
   */
  portOverloading?: boolean;
}

/**
 * The options that make a NAT behave like Linux MASQUERADE on a router with no INPUT firewall,
 * as measured in paths.md (§2 #7, #14, #31; §4): port-preserving endpoint-independent mapping,
 * address-and-port-dependent filtering, unsolicited inbound state (port stealing), refresh on
 * inbound, 30 s / 120 s lifetimes and port overloading. Spread it into `addNat`.
 */
export const LINUX_CONNTRACK_NAT = Object.freeze({
  preset: 'port-restricted-cone',
  unsolicitedCreatesState: true,
  refreshOnInbound: true,
  unrepliedLifetimeMs: LINUX_UNREPLIED_LIFETIME_MS,
  assuredLifetimeMs: LINUX_ASSURED_LIFETIME_MS,
  portOverloading: true,
} as const);

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
  /** Has admitted an inbound packet (traffic both ways); its lifetime is then `assuredLifetimeMs`. */
  assured: boolean;
  /** Clock time at which the mapping expires unless a packet refreshes it. */
  expiresAtMs: number;
}

/** An unreplied entry left by an unsolicited inbound packet (`unsolicitedCreatesState`), as `nat.unrepliedEntries()` reports it. */
export interface NatUnrepliedEntry {
  /** The NAT's public address and the port the packet was sent to. */
  external: Endpoint;
  /** Who sent it: the entry owns the pair (external port, remote). */
  remote: Endpoint;
  /** Clock time at which it expires unless another packet from `remote` refreshes it. */
  expiresAtMs: number;
}

/** One mapping moved by `nat.rebind()`. */
export interface NatRebinding {
  internal: Endpoint;
  fromPort: number;
  toPort: number;
}


const ALLOCATIONS: readonly PortAllocation[] = ['preserving', 'sequential', 'random'];
const BEHAVIOR_KEYS = [
  'mapping',
  'filtering',
  'portAllocation',
  'mappingLifetimeMs',
  'hairpinning',
  'unsolicitedCreatesState',
  'refreshOnInbound',
  'unrepliedLifetimeMs',
  'assuredLifetimeMs',
  'portOverloading',
] as const;

/** A NAT's behaviour: the preset (default port-restricted cone), then every field given, checked. */
export function resolveBehavior(options: Partial<NatBehaviorOptions> & { preset?: NatPreset }): NatBehaviorOptions {
  const preset = options.preset ?? DEFAULT_NAT_PRESET;
  if (!(preset in NAT_PRESETS)) invalid(`unknown NAT preset ${JSON.stringify(preset)}`);
  const behavior: NatBehaviorOptions = {
    ...NAT_PRESETS[preset],
    mappingLifetimeMs: DEFAULT_MAPPING_LIFETIME_MS,
    ...Object.fromEntries(BEHAVIOR_KEYS.filter((key) => options[key] !== undefined).map((key) => [key, options[key]])),
  };
  if (!NAT_BEHAVIORS.includes(behavior.mapping)) invalid(`unknown mapping behaviour ${JSON.stringify(behavior.mapping)}`);
  if (!NAT_BEHAVIORS.includes(behavior.filtering)) {
    invalid(`unknown filtering behaviour ${JSON.stringify(behavior.filtering)}`);
  }
  if (!ALLOCATIONS.includes(behavior.portAllocation)) {
    invalid(`unknown port allocation ${JSON.stringify(behavior.portAllocation)}`);
  }
  for (const key of ['mappingLifetimeMs', 'unrepliedLifetimeMs', 'assuredLifetimeMs'] as const) {
    const value = behavior[key];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) invalid(`${key} must be > 0, got ${value}`);
  }
  return Object.freeze(behavior);
}
