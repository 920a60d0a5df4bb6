// The virtual network's routers: the internet and NAT devices, routing packets among attached nodes.
import {
  AUTO_PRIVATE_FIRST_HOST,
  AUTO_PUBLIC_PREFIXES,
  DEFAULT_NAT_PORT_MAX,
  DEFAULT_NAT_PORT_MIN,
} from './constants.js';
import { type DropReason, type Fabric, type LinkConditions, type Packet, Link, invalid } from './fabric.js';
import { type HostOptions, type NetworkNode, type ParentRouter, type VirtualHost, HostNode, familyOf } from './host.js';
import {
  type NatBehaviorOptions,
  type NatMapping,
  type NatPreset,
  type NatRebinding,
  type NatUnrepliedEntry,
  NatTable,
  resolveBehavior,
} from './nat.js';

/** Options of `network.addNat()` / `nat.addNat()`. Behaviour fields override the preset's. */
export interface NatOptions extends Partial<NatBehaviorOptions> {
  /** Name in traces and errors. Default: `nat-<n>`. */
  name?: string;
  /** Starting point for the behaviour; the fields below override it. Default: `port-restricted-cone` (a typical home router). */
  preset?: NatPreset;
  /** The NAT's address on its outer network (public on the internet). Default: auto-assigned like a host's. */
  publicAddress?: string;
  /** External ports for sequential/random allocation and the preserving fallback. Default: 49152–65535. */
  portRange?: { min: number; max: number };
  /** Conditions of the NAT's link to its outer network. Default: perfect. */
  link?: LinkConditions;
  /**
   * Route the LAN's IPv6 untranslated (a NAT44 home router with a delegated IPv6 prefix): IPv6
   * addresses of hosts behind it are reachable from its outer network, with no filtering.
   * Default false (IPv6 is unroutable through an IPv4 NAT).
   */
  routeIpv6?: boolean;
}

/** A NAT's packet counters. */
export interface NatCounters {
  /** Inside → outside packets translated and sent on. */
  forwardedOutbound: number;
  /** Outside → inside packets admitted by a mapping and its filter. */
  forwardedInbound: number;
  /** Inside → own public address packets looped back inside (hairpinning on). */
  hairpinned: number;
  /** Packets to a live mapping whose filter did not admit the sender. */
  droppedByFiltering: number;
  /** Unsolicited packets: no live mapping on that port. */
  droppedNoMapping: number;
  /** Inside → own public address packets with hairpinning off. */
  droppedHairpinDisabled: number;
  /** New mappings refused because no external port was free. */
  droppedPortExhausted: number;
  /** Packets whose TTL ran out at this NAT (forwarding takes one off; it drops at 1 or less). */
  droppedTtlExpired: number;
  /** Unreplied entries created by unsolicited inbound packets (`unsolicitedCreatesState`). */
  unrepliedEntriesCreated: number;
  /** Outbound flows sent from another port than their mapping's, because an unreplied entry or another host owned (port, remote): stolen ports. */
  portClashes: number;
}

/** A NAT device: a public address on its outer network, and a LAN of hosts (and NATs) behind it. */
export interface VirtualNat {
  readonly name: string;
  /** Its address on the outer network; every mapping's external address. */
  readonly publicAddress: string;
  /** The resolved behaviour (preset plus overrides). */
  readonly behavior: Readonly<NatBehaviorOptions>;
  /** The current conditions of the NAT's link to its outer network. */
  readonly link: Required<LinkConditions>;
  setLink(conditions: LinkConditions): void;
  /** Adds a host to this NAT's LAN (private addresses; they may repeat other LANs' addresses). */
  addHost(options?: HostOptions): VirtualHost;
  /** Adds a NAT behind this one (carrier-grade NAT in front of a home router, say). */
  addNat(options?: NatOptions): VirtualNat;
  /** The live mappings (expired ones are left out). */
  mappings(): NatMapping[];
  /** The live unreplied entries left by unsolicited inbound packets (only with `unsolicitedCreatesState`). */
  unrepliedEntries(): NatUnrepliedEntry[];
  /**
   * Rebinding mid-session (a new port range, a CGNAT reassignment): every live mapping moves to
   * an external port none of them held before; packets to the old ports find nothing. Returns the moves.
   */
  rebind(): NatRebinding[];
  /** Forgets every mapping and unreplied entry (a conntrack flush, a reboot); a port-preserving NAT then hands the same ports out again. */
  flush(): void;
  counters(): NatCounters;
}

/** Shared by every router of one network: creation order (names, random streams) and the hosts to close. */
export interface Registry {
  hosts: HostNode[];
  nextHost: number;
  nextNat: number;
}

/** A network segment that routes by exact destination address among its attached nodes. */
export abstract class RouterBase implements ParentRouter {
  protected readonly fabric: Fabric;
  protected readonly registry: Registry;
  /** Attached nodes by their address in this segment. */
  protected readonly attached = new Map<string, NetworkNode>();
  abstract readonly name: string;

  constructor(fabric: Fabric, registry: Registry) {
    this.fabric = fabric;
    this.registry = registry;
  }

  abstract fromChild(packet: Packet, child: NetworkNode): void;

  /** The next free auto-assigned address of this segment. */
  protected abstract autoAddress(): string;

  addHost(options: HostOptions = {}): VirtualHost {
    const index = this.registry.nextHost++;
    const addresses = options.addresses ?? [this.autoAddress()];
    if (addresses.length === 0) invalid('a host needs at least one address');
    this.#checkFree(addresses);
    const host = new HostNode(this.fabric, this, {
      name: options.name ?? `host-${index}`,
      addresses,
      link: new Link(this.fabric.random(`host-link:${index}`), options.link),
      random: this.fabric.random(`host:${index}`),
    });
    for (const address of addresses) this.attached.set(address, host);
    this.registry.hosts.push(host);
    return host;
  }

  addNat(options: NatOptions = {}): VirtualNat {
    const index = this.registry.nextNat++;
    const publicAddress = options.publicAddress ?? this.autoAddress();
    this.#checkFree([publicAddress]);
    const nat = new NatDevice(this.fabric, this.registry, this, index, publicAddress, options);
    this.attached.set(publicAddress, nat);
    return nat;
  }

  /** A node below this segment (behind a NAT that routes IPv6) is reachable at `address`. */
  announce(address: string, via: NetworkNode): void {
    this.#checkFree([address]);
    this.attached.set(address, via);
  }

  /** Sends a packet down to an attached node, across that node's link. */
  protected down(node: NetworkNode, packet: Packet): void {
    this.fabric.cross(node.linkState, packet, node.name, (arrived) => node.fromParent(arrived));
  }

  protected isAttached(address: string): boolean {
    return this.attached.has(address);
  }

  #checkFree(addresses: string[]): void {
    for (const address of addresses) {
      const family = familyOf(address);
      if (!family) invalid(`${JSON.stringify(address)} is not an IP address`);
      if (['0.0.0.0', '::', '127.0.0.1', '::1'].includes(address)) invalid(`${address} is reserved`);
      if (this.attached.has(address) || this.reserved(address)) invalid(`${address} is already in use on ${this.name}`);
    }
    if (new Set(addresses).size !== addresses.length) invalid(`duplicate address in ${addresses.join(', ')}`);
  }

  /** Addresses of this segment that no node may take (a NAT's own public address, seen from inside, is not one). */
  protected reserved(_address: string): boolean {
    return false;
  }
}

/** The internet: public hosts and NATs, routed by address; anything else is unroutable. */
export class Internet extends RouterBase {
  readonly name = 'internet';
  readonly #hops: number;

  /** `hops`: routers every packet crosses between two attached nodes (each takes one off the TTL). */
  constructor(fabric: Fabric, registry: Registry, hops: number) {
    super(fabric, registry);
    this.#hops = hops;
  }

  fromChild(packet: Packet, _child: NetworkNode): void {
    const node = this.attached.get(packet.dst.address);
    if (!node) return this.fabric.drop(packet, this.name, 'unroutable');
    const hopped = this.fabric.hop(packet, this.#hops, this.name);
    if (hopped) this.down(node, hopped);
  }

  protected autoAddress(): string {
    for (const prefix of AUTO_PUBLIC_PREFIXES) {
      for (let host = 1; host < 255; host++) {
        const address = `${prefix}${host}`;
        if (!this.isAttached(address)) return address;
      }
    }
    return invalid('no auto-assignable public address left; pass addresses explicitly');
  }
}

export class NatDevice extends RouterBase implements VirtualNat, NetworkNode {
  readonly name: string;
  readonly publicAddress: string;
  readonly behavior: Readonly<NatBehaviorOptions>;
  readonly linkState: Link;
  readonly #index: number;
  readonly #parent: ParentRouter;
  readonly #table: NatTable;
  readonly #routeIpv6: boolean;
  readonly #counters: NatCounters = {
    forwardedOutbound: 0,
    forwardedInbound: 0,
    hairpinned: 0,
    droppedByFiltering: 0,
    droppedNoMapping: 0,
    droppedHairpinDisabled: 0,
    droppedPortExhausted: 0,
    droppedTtlExpired: 0,
    unrepliedEntriesCreated: 0,
    portClashes: 0,
  };

  constructor(
    fabric: Fabric,
    registry: Registry,
    parent: ParentRouter,
    index: number,
    publicAddress: string,
    options: NatOptions,
  ) {
    super(fabric, registry);
    this.#index = index;
    this.#parent = parent;
    this.name = options.name ?? `nat-${index}`;
    this.publicAddress = publicAddress;
    this.behavior = resolveBehavior(options);
    this.#routeIpv6 = options.routeIpv6 ?? false;
    const { min = DEFAULT_NAT_PORT_MIN, max = DEFAULT_NAT_PORT_MAX } = options.portRange ?? {};
    if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max <= 65_535 && min <= max)) {
      invalid(`portRange must satisfy 1 <= min <= max <= 65535, got ${min}–${max}`);
    }
    this.#table = new NatTable({
      behavior: this.behavior,
      portMin: min,
      portMax: max,
      random: fabric.random(`nat:${index}`),
    });
    this.linkState = new Link(fabric.random(`nat-link:${index}`), options.link);
  }

  get link(): Required<LinkConditions> {
    return this.linkState.conditions;
  }

  setLink(conditions: LinkConditions): void {
    this.linkState.set(conditions);
  }

  mappings(): NatMapping[] {
    return this.#table.list(this.publicAddress, this.fabric.clock.now());
  }

  unrepliedEntries(): NatUnrepliedEntry[] {
    return this.#table.listUnreplied(this.publicAddress, this.fabric.clock.now());
  }

  rebind(): NatRebinding[] {
    return this.#table.rebind(this.fabric.clock.now());
  }

  flush(): void {
    this.#table.flush();
  }

  counters(): NatCounters {
    return { ...this.#counters };
  }

  override addHost(options: HostOptions = {}): VirtualHost {
    const host = super.addHost(options);
    if (this.#routeIpv6) for (const address of host.addresses) if (familyOf(address) === 'IPv6') this.announce(address, this);
    return host;
  }

  /** Routed IPv6 addresses below are announced further up, where this NAT's parent routes them to it. */
  override announce(address: string, via: NetworkNode): void {
    if (via !== this) super.announce(address, via);
    if (familyOf(address) === 'IPv6' && this.#routeIpv6 && this.#parent instanceof RouterBase) this.#parent.announce(address, this);
  }

  /** A packet from the LAN: switch it locally, hairpin it, route it (IPv6), or translate it and send it out. */
  fromChild(packet: Packet, _child: NetworkNode): void {
    const lanNode = this.attached.get(packet.dst.address);
    if (lanNode) return this.down(lanNode, packet);
    if (this.#routeIpv6 && packet.family === 'IPv6' && familyOf(this.publicAddress) === 'IPv4') {
      // Routed, not translated: a router hop all the same (one off the TTL).
      if (packet.ttl <= 1) return this.#drop(packet, 'ttl-expired');
      const routed: Packet = { ...packet, ttl: packet.ttl - 1 };
      return this.fabric.cross(this.linkState, routed, this.name, (arrived) => this.#parent.fromChild(arrived, this));
    }
    if (packet.family !== familyOf(this.publicAddress)) return this.fabric.drop(packet, this.name, 'unroutable');
    if (packet.dst.address === this.publicAddress && !this.behavior.hairpinning) {
      return this.#drop(packet, 'hairpin-disabled');
    }
    // Forwarding drops a packet that arrives with TTL 1 before SNAT, so it opens no mapping.
    if (packet.ttl <= 1) return this.#drop(packet, 'ttl-expired');
    const mapped = this.#table.outbound(packet.src, packet.dst, this.fabric.clock.now());
    if (!mapped.ok) return this.#drop(packet, 'port-exhausted');
    if (mapped.clashed) this.#counters.portClashes++;
    const translated: Packet = {
      ...packet,
      src: { address: this.publicAddress, port: mapped.externalPort },
      ttl: packet.ttl - 1,
    };
    this.fabric.emit('translate', translated, this.name);
    if (packet.dst.address === this.publicAddress) {
      // Hairpinning (RFC 4787 §6): the packet comes back in from the sender's *external*
      // endpoint, and the receiving mapping's filter judges it like any inbound packet.
      this.#counters.hairpinned++;
      // One pass through the router: the inbound half takes the TTL off.
      return this.#inbound({ ...translated, ttl: packet.ttl });
    }
    this.#counters.forwardedOutbound++;
    this.fabric.cross(this.linkState, translated, this.name, (arrived) => this.#parent.fromChild(arrived, this));
  }

  /** A packet from the outer network, addressed to the public address (or routed to an IPv6 host inside). */
  fromParent(packet: Packet): void {
    const routed = this.#routeIpv6 && packet.family === 'IPv6' ? this.attached.get(packet.dst.address) : undefined;
    if (routed) {
      if (packet.ttl <= 1) return this.#drop(packet, 'ttl-expired');
      return this.down(routed, { ...packet, ttl: packet.ttl - 1 });
    }
    this.#inbound(packet);
  }

  protected autoAddress(): string {
    if (this.#index > 255) invalid('no auto-assignable private range left; pass addresses explicitly');
    for (let host = AUTO_PRIVATE_FIRST_HOST; host < 255; host++) {
      const address = `10.${this.#index}.0.${host}`;
      if (!this.isAttached(address)) return address;
    }
    return invalid(`no auto-assignable address left on ${this.name}; pass addresses explicitly`);
  }

  protected override reserved(address: string): boolean {
    return address === this.publicAddress;
  }

  #inbound(packet: Packet): void {
    const admitted = this.#table.inbound(packet.dst.port, packet.src, this.fabric.clock.now());
    if (!admitted.ok) {
      if (admitted.createdState) this.#counters.unrepliedEntriesCreated++;
      return this.#drop(packet, admitted.reason);
    }
    // Conntrack has seen (and refreshed) the entry before forwarding finds the TTL spent.
    if (packet.ttl <= 1) return this.#drop(packet, 'ttl-expired');
    const translated: Packet = { ...packet, dst: admitted.internal, ttl: packet.ttl - 1 };
    const lanNode = this.attached.get(admitted.internal.address);
    if (!lanNode) return this.fabric.drop(translated, this.name, 'unroutable');
    this.#counters.forwardedInbound++;
    this.fabric.emit('translate', translated, this.name);
    this.down(lanNode, translated);
  }

  #drop(
    packet: Packet,
    reason: Extract<DropReason, 'filtered' | 'no-mapping' | 'hairpin-disabled' | 'port-exhausted' | 'ttl-expired'>,
  ): void {
    const counter = {
      'ttl-expired': 'droppedTtlExpired',
      filtered: 'droppedByFiltering',
      'no-mapping': 'droppedNoMapping',
      'hairpin-disabled': 'droppedHairpinDisabled',
      'port-exhausted': 'droppedPortExhausted',
    } as const;
    this.#counters[counter[reason]]++;
    this.fabric.drop(packet, this.name, reason);
  }
}
