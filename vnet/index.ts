// punchthrough/testing: the virtual NAT network for game developers' integration tests.
export { createVirtualNetwork, type VirtualNetwork, type VirtualNetworkOptions } from './network.js';
export type { HostOptions, VirtualHost } from './host.js';
export type { NatCounters, NatOptions, VirtualNat } from './topology.js';
export type { DropReason, LinkConditions, NetworkCounters, PacketEvent } from './fabric.js';
export {
  LINUX_CONNTRACK_NAT,
  NAT_BEHAVIORS,
  NAT_PRESETS,
  type NatBehavior,
  type NatBehaviorOptions,
  type NatMapping,
  type NatPreset,
  type NatRebinding,
  type NatUnrepliedEntry,
  type PortAllocation,
} from './nat.js';
export { createSeededRandom, type RandomSource } from './random.js';
