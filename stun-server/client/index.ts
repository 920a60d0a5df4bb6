// The SDK's STUN client: one Binding transaction, and RFC 5780 NAT behaviour discovery.
export { stunBinding, type StunBindingOptions, type StunBindingResult } from './binding.js';
export { discoverNatBehavior, type NatBehavior, type NatDiscoveryOptions } from './nat-behavior.js';
// The NAT vocabulary is core's: one for discovery, the signaling protocol and the virtual network.
export { natTypeOf, type NatBehaviorKind, type MeasuredNatType as NatType } from '../../core/index.js';
export { retransmitSchedule, type RetransmitSchedule } from './schedule.js';
export { measureNat, type NatMeasurement, type NatMeasureOptions } from './nat-measure.js';
