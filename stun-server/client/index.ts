// The SDK's STUN client: one Binding transaction, and RFC 5780 NAT behaviour discovery.
export { stunBinding, type StunBindingOptions, type StunBindingResult } from './binding.js';
export {
  discoverNatBehavior,
  natTypeOf,
  type NatBehavior,
  type NatBehaviorKind,
  type NatDiscoveryOptions,
  type NatType,
} from './nat-behavior.js';
export { retransmitSchedule, type RetransmitSchedule } from './schedule.js';
