// A host on the virtual network: a UdpSocketFactory whose sockets send and receive through it.
import { isIP } from 'node:net';
import {
  endpointKey,
  type UdpBindOptions,
  type UdpEndpoint,
  type UdpMessageHandler,
  type UdpSocket,
  type UdpSocketFactory,
} from '../core/index.js';
import {
  DEFAULT_TTL,
  EPHEMERAL_PORT_MAX,
  EPHEMERAL_PORT_MIN,
  MAX_UDP_PAYLOAD_IPV4_BYTES,
  MAX_UDP_PAYLOAD_IPV6_BYTES,
} from './constants.js';
import { type Fabric, type LinkConditions, type Link, type Packet } from './fabric.js';
import { type RandomSource, randomInt } from './random.js';

/** Options of `network.addHost()` / `nat.addHost()`. */
export interface HostOptions {
  /** Name in traces and errors. Default: `host-<n>`. */
  name?: string;
  /**
   * The host's addresses (IPv4 and/or IPv6 literals), unique within the network it joins: public
   * ones on the internet, private ones behind a NAT. The first of each family is the source of
   * packets sent from a socket bound to the wildcard address. Default: one auto-assigned IPv4
   * address (documentation ranges on the internet, `10.<nat>.0.<n>` behind a NAT).
   */
  addresses?: string[];
  /** Conditions of the host's link to its network (its LAN, or the internet). Default: perfect. */
  link?: LinkConditions;
}

/**
 * A machine on the virtual network. It is a `UdpSocketFactory`: pass it wherever punchthrough
 * takes one (the NetworkRunner, the STUN server, the relay) and their sockets live on this host.
 */
export interface VirtualHost extends UdpSocketFactory {
  readonly name: string;
  /** All addresses, primary first (loopback is implicit and not listed). */
  readonly addresses: readonly string[];
  /** The primary address (the first one). */
  readonly address: string;
  /** The current conditions of this host's link. */
  readonly link: Required<LinkConditions>;
  /** Replaces the conditions of this host's link. */
  setLink(conditions: LinkConditions): void;
  /**
   * The switch: while blocked, every UDP packet from or to this host is dropped (counted as
   * `droppedBySwitch`), as on a UDP-hostile network. Loopback traffic is unaffected.
   */
  setUdpBlocked(blocked: boolean): void;
  readonly udpBlocked: boolean;
  /** Local endpoints of the sockets open on this host. */
  sockets(): UdpEndpoint[];
}

/** Where a host or NAT hands the packets it sends up into its network. */
export interface ParentRouter {
  fromChild(packet: Packet, child: NetworkNode): void;
}

/** Anything attached to a router: a host, or a NAT (seen from its WAN side). */
export interface NetworkNode {
  readonly name: string;
  readonly linkState: Link;
  /** A packet reached this node over its link from the parent router. */
  fromParent(packet: Packet): void;
}

const WILDCARD = { IPv4: '0.0.0.0', IPv6: '::' } as const;
const LOOPBACK = { IPv4: '127.0.0.1', IPv6: '::1' } as const;

type Family = UdpEndpoint['family'];

export function familyOf(address: string): Family | undefined {
  const version = isIP(address);
  return version === 4 ? 'IPv4' : version === 6 ? 'IPv6' : undefined;
}

/** An Error shaped like Node's system errors (code, syscall), so callers written for node:dgram see what they expect. */
function systemError(code: string, syscall: string, detail: string): Error {
  return Object.assign(new Error(`${syscall} ${code} ${detail}`), { code, syscall });
}

export class HostNode implements VirtualHost, NetworkNode {
  readonly name: string;
  readonly addresses: readonly string[];
  readonly linkState: Link;
  readonly #fabric: Fabric;
  readonly #parent: ParentRouter;
  readonly #random: RandomSource;
  /** Open sockets by `address|port` (wildcard addresses included). */
  readonly #sockets = new Map<string, VirtualUdpSocket>();
  #udpBlocked = false;

  constructor(
    fabric: Fabric,
    parent: ParentRouter,
    init: { name: string; addresses: string[]; link: Link; random: RandomSource },
  ) {
    this.#fabric = fabric;
    this.#parent = parent;
    this.name = init.name;
    this.addresses = Object.freeze([...init.addresses]);
    this.linkState = init.link;
    this.#random = init.random;
  }

  get address(): string {
    return this.addresses[0]!;
  }

  get link(): Required<LinkConditions> {
    return this.linkState.conditions;
  }

  setLink(conditions: LinkConditions): void {
    this.linkState.set(conditions);
  }

  get udpBlocked(): boolean {
    return this.#udpBlocked;
  }

  setUdpBlocked(blocked: boolean): void {
    this.#udpBlocked = blocked;
  }

  sockets(): UdpEndpoint[] {
    return [...this.#sockets.values()].map((socket) => socket.address());
  }

  bind(options: UdpBindOptions): Promise<UdpSocket> {
    const family: Family = options.type === 'udp6' ? 'IPv6' : 'IPv4';
    const address = options.address ?? WILDCARD[family];
    const requested = options.port ?? 0;
    const where = `${address}:${requested}`;
    if (this.#fabric.closed) return Promise.reject(systemError('ENETDOWN', 'bind', `${where} (network closed)`));
    if (!Number.isInteger(requested) || requested < 0 || requested > 65_535) {
      return Promise.reject(
        Object.assign(new RangeError(`Port should be >= 0 and < 65536. Received ${requested}.`), {
          code: 'ERR_SOCKET_BAD_PORT',
        }),
      );
    }
    if (familyOf(address) !== family) return Promise.reject(systemError('EINVAL', 'bind', where));
    if (address !== WILDCARD[family] && address !== LOOPBACK[family] && !this.addresses.includes(address)) {
      return Promise.reject(systemError('EADDRNOTAVAIL', 'bind', `${where} (not an address of ${this.name})`));
    }
    const port = requested === 0 ? this.#ephemeralPort(family, address) : requested;
    if (port === undefined || this.#inUse(family, address, port)) {
      return Promise.reject(systemError('EADDRINUSE', 'bind', where));
    }
    const socket = new VirtualUdpSocket(this, { address, port, family }, this.#fabric);
    this.#sockets.set(endpointKey({ address, port }), socket);
    return Promise.resolve(socket);
  }

  /** Closes every socket still open (the network's `close()`). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#sockets.values()].map((socket) => socket.close()));
  }

  unbind(socket: VirtualUdpSocket): void {
    const key = endpointKey(socket.address());
    if (this.#sockets.get(key) === socket) this.#sockets.delete(key);
  }

  /** A socket's send, after the socket checked it is open. */
  send(socket: VirtualUdpSocket, data: Uint8Array, port: number, address: string, ttl = DEFAULT_TTL): void {
    const bound = socket.address();
    const fail = (error: Error): void => this.#fabric.schedule(0, () => socket.reportError(error));
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      return fail(
        Object.assign(new RangeError(`Port should be > 0 and < 65536. Received ${port}.`), {
          code: 'ERR_SOCKET_BAD_PORT',
        }),
      );
    }
    // node:dgram's setTTL throws outside 1–255; here the bad send is reported like any failed send.
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) {
      return fail(systemError('EINVAL', 'send', `ttl ${ttl} (must be an integer in 1–255)`));
    }
    const family = familyOf(address);
    if (!family) return fail(systemError('ENOTFOUND', 'send', `${address} (the virtual network has no DNS)`));
    if (family !== bound.family) return fail(systemError('EINVAL', 'send', `${address}:${port}`));
    const limit = family === 'IPv4' ? MAX_UDP_PAYLOAD_IPV4_BYTES : MAX_UDP_PAYLOAD_IPV6_BYTES;
    if (data.length > limit) return fail(systemError('EMSGSIZE', 'send', `${address}:${port}`));
    const local = address === LOOPBACK[family] || this.addresses.includes(address);
    const source =
      bound.address !== WILDCARD[family]
        ? bound.address
        : local && address === LOOPBACK[family]
          ? address
          : this.addresses.find((candidate) => familyOf(candidate) === family);
    if (!source) return fail(systemError('ENETUNREACH', 'send', `${address}:${port}`));

    const packet: Packet = {
      src: { address: source, port: bound.port },
      dst: { address, port },
      family,
      ttl,
      data: Buffer.from(data),
    };
    this.#fabric.counters.sent++;
    this.#fabric.emit('send', packet, this.name);
    if (local) {
      this.#fabric.schedule(0, () => this.#deliver(packet));
      return;
    }
    if (this.#udpBlocked) return this.#fabric.drop(packet, this.name, 'switch');
    this.#fabric.cross(this.linkState, packet, this.name, (arrived) => this.#parent.fromChild(arrived, this));
  }

  fromParent(packet: Packet): void {
    if (this.#udpBlocked) return this.#fabric.drop(packet, this.name, 'switch');
    this.#deliver(packet);
  }

  #deliver(packet: Packet): void {
    const socket =
      this.#sockets.get(endpointKey(packet.dst)) ??
      this.#sockets.get(endpointKey({ address: WILDCARD[packet.family], port: packet.dst.port }));
    if (!socket) return this.#fabric.drop(packet, this.name, 'no-socket');
    this.#fabric.counters.delivered++;
    this.#fabric.emit('deliver', packet, this.name);
    socket.deliver(packet.data, { address: packet.src.address, port: packet.src.port, family: packet.family });
  }

  #inUse(family: Family, address: string, port: number): boolean {
    for (const socket of this.#sockets.values()) {
      const bound = socket.address();
      if (bound.family !== family || bound.port !== port) continue;
      // As on Linux without SO_REUSEADDR: the wildcard conflicts with every address on the port.
      if (bound.address === address || bound.address === WILDCARD[family] || address === WILDCARD[family]) {
        return true;
      }
    }
    return false;
  }

  #ephemeralPort(family: Family, address: string): number | undefined {
    const span = EPHEMERAL_PORT_MAX - EPHEMERAL_PORT_MIN + 1;
    const start = randomInt(this.#random, EPHEMERAL_PORT_MIN, EPHEMERAL_PORT_MAX);
    for (let i = 0; i < span; i++) {
      const port = EPHEMERAL_PORT_MIN + ((start - EPHEMERAL_PORT_MIN + i) % span);
      if (!this.#inUse(family, address, port)) return port;
    }
    return undefined;
  }
}

/** A UDP socket on a virtual host; the same contract as the node:dgram one in src/runtime/udp.ts. */
class VirtualUdpSocket implements UdpSocket {
  readonly #host: HostNode;
  readonly #bound: UdpEndpoint;
  readonly #fabric: Fabric;
  // Entries are wrapper objects so the same function can be added twice, as with EventEmitter.
  readonly #messageHandlers = new Set<{ handler: UdpMessageHandler }>();
  readonly #errorHandlers = new Set<{ handler: (error: Error) => void }>();
  #closed: Promise<void> | undefined;

  constructor(host: HostNode, bound: UdpEndpoint, fabric: Fabric) {
    this.#host = host;
    this.#bound = bound;
    this.#fabric = fabric;
  }

  address(): UdpEndpoint {
    return { ...this.#bound };
  }

  send(data: Uint8Array, port: number, address: string, ttl?: number): void {
    if (this.#closed || this.#fabric.closed) return;
    this.#host.send(this, data, port, address, ttl);
  }

  onMessage(handler: UdpMessageHandler): () => void {
    const entry = { handler };
    this.#messageHandlers.add(entry);
    return () => this.#messageHandlers.delete(entry);
  }

  onError(handler: (error: Error) => void): () => void {
    const entry = { handler };
    this.#errorHandlers.add(entry);
    return () => this.#errorHandlers.delete(entry);
  }

  close(): Promise<void> {
    this.#closed ??= Promise.resolve();
    this.#host.unbind(this);
    return this.#closed;
  }

  deliver(data: Buffer, from: UdpEndpoint): void {
    if (this.#closed) return;
    for (const { handler } of [...this.#messageHandlers]) handler(data, from);
  }

  reportError(error: Error): void {
    if (this.#closed) return;
    for (const { handler } of [...this.#errorHandlers]) handler(error);
  }
}
