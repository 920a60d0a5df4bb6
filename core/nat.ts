// The one NAT vocabulary: RFC 4787's behaviour axes, the classic RFC 3489 names, and the mapping between them.

/**
 * How a NAT's mapping (RFC 4787 §4.1) or filtering (§5) depends on the remote endpoint: not at
 * all, on the remote address, or on the remote address and port. RFC 5780 measures both axes.
 */
export type NatBehaviorKind = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

/** The three behaviours, from the most to the least permissive (the order the NAT matrix lists them). */
export const NAT_BEHAVIOR_KINDS: readonly NatBehaviorKind[] = [
  'endpoint-independent',
  'address-dependent',
  'address-and-port-dependent',
];

/** A NAT's behaviour on both of RFC 4787's axes. */
export interface NatAxes {
  readonly mapping: NatBehaviorKind;
  readonly filtering: NatBehaviorKind;
}

/** The classic (RFC 3489) names of a NAT. */
export type ClassicNatType = 'full-cone' | 'restricted-cone' | 'port-restricted-cone' | 'symmetric';

/** The classic label of a measured path, for humans and logs: a classic NAT, or no NAT at all. */
export type MeasuredNatType = 'open-internet' | ClassicNatType;

/**
 * Each classic name as RFC 4787 axes. A cone keeps one mapping per inside endpoint and differs
 * only in its filter; RFC 3489's symmetric NAT maps per remote address and port and admits only
 * the remote a mapping was made for.
 */
export const CLASSIC_NAT_AXES: Readonly<Record<ClassicNatType, NatAxes>> = {
  'full-cone': { mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
  'restricted-cone': { mapping: 'endpoint-independent', filtering: 'address-dependent' },
  'port-restricted-cone': { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' },
  symmetric: { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' },
};

/**
 * Pure: the classic label of a measured behaviour. Any mapping that depends on the remote is
 * symmetric (the peer cannot predict the port), whatever the filter; `natted` false (the
 * reflexive address is the socket's own) is the open internet.
 */
export function natTypeOf(natted: boolean, mapping: NatBehaviorKind, filtering: NatBehaviorKind): MeasuredNatType {
  if (mapping !== 'endpoint-independent') return 'symmetric';
  if (filtering === 'endpoint-independent') return natted ? 'full-cone' : 'open-internet';
  return filtering === 'address-dependent' ? 'restricted-cone' : 'port-restricted-cone';
}

/** Each label's spelling in the signaling protocol, where a peer reports it (`unknown`: not measured). */
const REPORTED_NAMES = {
  'open-internet': 'open',
  'full-cone': 'fullCone',
  'restricted-cone': 'restrictedCone',
  'port-restricted-cone': 'portRestrictedCone',
  symmetric: 'symmetric',
} as const satisfies Record<MeasuredNatType, string>;

/** The NAT type as the signaling protocol carries it. */
export type ReportedNatType = (typeof REPORTED_NAMES)[MeasuredNatType] | 'unknown';

/** Every value the signaling protocol accepts for a reported NAT type. */
export const REPORTED_NAT_TYPES: readonly ReportedNatType[] = [...Object.values(REPORTED_NAMES), 'unknown'];

/** Pure: a label's wire spelling; `unknown` when discovery did not run or failed. */
export function reportedNatType(type: MeasuredNatType | undefined): ReportedNatType {
  return type === undefined ? 'unknown' : REPORTED_NAMES[type];
}

/**
 * What discovery learned about one axis: one of RFC 4787's three behaviours; `not-port-dependent`
 * when the STUN server has a second port but no second address, so the behaviour is
 * endpoint-independent or address-dependent and which one cannot be told; `unknown` when the
 * server has no alternate port either (or a probe failed).
 */
export type NatAxis = NatBehaviorKind | 'not-port-dependent' | 'unknown';

/** Every value of {@link NatAxis}, most permissive first: the signaling protocol accepts these. */
export const NAT_AXES: readonly NatAxis[] = [...NAT_BEHAVIOR_KINDS, 'not-port-dependent', 'unknown'];

/**
 * Pure: the familiar name of a (possibly partial) measurement, in the protocol's spelling. A
 * dependent mapping is symmetric; a mapping that does not depend on the port is taken as
 * endpoint-independent for the name (RFC 4787 REQ-1 makes that the rule and address-dependent
 * mapping is rare), so one server address still tells a port-restricted cone. A filter known
 * only not to depend on the port (full or restricted cone) leaves the name `unknown`. Without a
 * NAT (`natted` false) an unmeasured or port-independent filter is `open`.
 */
export function natNameOf(natted: boolean, mapping: NatAxis, filtering: NatAxis): ReportedNatType {
  if (!natted) {
    if (filtering === 'address-dependent' || filtering === 'address-and-port-dependent') {
      return reportedNatType(natTypeOf(false, 'endpoint-independent', filtering));
    }
    return 'open';
  }
  if (mapping === 'address-dependent' || mapping === 'address-and-port-dependent') return 'symmetric';
  if (mapping === 'unknown') return 'unknown';
  if (filtering === 'not-port-dependent' || filtering === 'unknown') return 'unknown';
  return reportedNatType(natTypeOf(true, 'endpoint-independent', filtering));
}

/** A peer's NAT as discovery reports it: the familiar name and what is known of each axis. */
export interface NatReport {
  readonly natType: ReportedNatType;
  readonly mapping: NatAxis;
  readonly filtering: NatAxis;
}
