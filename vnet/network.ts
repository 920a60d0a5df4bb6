// createVirtualNetwork: builds an empty virtual internet to put hosts and NATs on.
import { type Clock, type Logger, createRealClock } from '../core/index.js';
import { DEFAULT_INTERNET_HOPS, DEFAULT_SEED } from './constants.js';
import { type NetworkCounters, type PacketEvent, Fabric, invalid } from './fabric.js';
import type { HostOptions, VirtualHost } from './host.js';
import { type NatOptions, type Registry, type VirtualNat, Internet } from './topology.js';

/** Options of `createVirtualNetwork`. */
export interface VirtualNetworkOptions {
  /**
   * Schedules every delivery. Use a `ManualClock` in tests: nothing moves until the test
   * advances it, and `advance(0)` delivers packets sent over zero-latency links. Default: the
   * real clock.
   */
  clock?: Clock;
  /** Seeds link loss, jitter, random port allocation and ephemeral ports. Same seed, same run. Default: 1. */
  seed?: number;
  /** Receives a `trace`-level line for every dropped packet. Default: none. */
  logger?: Logger;
  /**
   * Routers between any two nodes on the internet; each takes one off a packet's TTL (a NAT
   * takes one more). Default 1, so a TTL-2 packet opens its sender's NAT and dies before the
   * peer's (low-TTL priming); 0 models a shared segment.
   */
  internetHops?: number;
}

/** The internet, with public hosts and NATs on it. Create one with `createVirtualNetwork`. */
export interface VirtualNetwork {
  /** Adds a host with public addresses (a STUN server with a primary and an alternate address, say). */
  addHost(options?: HostOptions): VirtualHost;
  /** Adds a NAT with a public address; put hosts behind it with `nat.addHost()`. */
  addNat(options?: NatOptions): VirtualNat;
  /**
   * A firewall rule: drops every UDP packet between the two addresses, either way, wherever
   * its headers carry them (a private address before translation, a public one after).
   * Returns a function that removes the rule.
   */
  blockUdp(addressA: string, addressB: string): () => void;
  /** A snapshot of the network-wide counters. */
  counters(): NetworkCounters;
  /** Packets (and socket error reports) scheduled but not yet delivered. */
  readonly inFlight: number;
  /** Calls `listener` at every step of every packet (send, translate, deliver, drop). Returns its remover. */
  onPacket(listener: (event: PacketEvent) => void): () => void;
  /** Closes every socket still open and cancels everything in flight. Idempotent. */
  close(): Promise<void>;
}

/** Builds an empty virtual internet. */
export function createVirtualNetwork(options: VirtualNetworkOptions = {}): VirtualNetwork {
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed)) invalid(`seed must be an integer, got ${seed}`);
  const fabric = new Fabric(options.clock ?? createRealClock(), seed, options.logger);
  const registry: Registry = { hosts: [], nextHost: 1, nextNat: 1 };
  const hops = options.internetHops ?? DEFAULT_INTERNET_HOPS;
  if (!(Number.isInteger(hops) && hops >= 0 && hops <= 255)) invalid(`internetHops must be an integer in 0–255, got ${hops}`);
  const internet = new Internet(fabric, registry, hops);
  let closing: Promise<void> | undefined;
  return {
    addHost: (hostOptions) => internet.addHost(hostOptions),
    addNat: (natOptions) => internet.addNat(natOptions),
    blockUdp: (a, b) => fabric.blockUdp(a, b),
    counters: () => ({ ...fabric.counters }),
    get inFlight() {
      return fabric.inFlight;
    },
    onPacket: (listener) => fabric.onPacket(listener),
    close() {
      closing ??= (async () => {
        fabric.close();
        await Promise.all(registry.hosts.map((host) => host.closeAll()));
      })();
      return closing;
    },
  };
}
