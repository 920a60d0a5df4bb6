// The options of createCloud: addresses, ports, relay secret, metrics and session settings.
import type { SessionHooks } from '../session/hooks.js';
import type { SessionServiceOptions } from '../session/options.js';
import type { ClusterModeOptions } from './cluster-mode.js';
import type { Clock, Logger, UdpSocketFactory } from '../../core/index.js';

export interface CloudOptions {
  /** Address the HTTP/WebSocket listener binds. Default `0.0.0.0` (all IPv4 interfaces). */
  host?: string;
  /**
   * Address the UDP services (STUN, relay) bind. Default: `host`. The virtual network gives
   * its public host's address here while signaling stays on real loopback.
   */
  udpHost?: string;
  /**
   * Address advertised to peers for STUN and the relay (and in the ready line). Default: the
   * UDP host when it is a specific address, otherwise the machine's first non-internal IPv4
   * address, otherwise 127.0.0.1. Set it to the public IP when the cloud sits behind a
   * port-forwarding router or a cloud provider's 1:1 NAT.
   */
  publicIp?: string;
  /**
   * Dual stack: the STUN server and the relay also listen on IPv6 (`udpHost6`, same ports) and
   * peers are told the IPv6 STUN endpoint when the machine has a global IPv6 address (or
   * `publicIp6` names one); the relay's sockets share one binding table. Applies when
   * the UDP host is the IPv4 wildcard or `udpHost6` is given; a failed IPv6 bind leaves the cloud
   * on IPv4 (logged). Default true.
   */
  ipv6?: boolean;
  /** Address the IPv6 STUN and relay listeners bind. Default `::` (all IPv6 interfaces). */
  udpHost6?: string;
  /** IPv6 address advertised for STUN and the relay. Default: `udpHost6` when specific, else the first global IPv6 interface address. */
  publicIp6?: string;
  /** HTTP + signaling WebSocket port; 0 picks a free one. Default 7070. */
  httpPort?: number;
  /** STUN port; 0 picks a free one. Default 3478 (IANA's STUN port). */
  stunPort?: number;
  /**
   * Second STUN port for NAT discovery (RFC 5780 CHANGE-REQUEST change-port); 0 picks one, null
   * disables. With it, SDKs learn whether their NAT's mapping and filtering depend on the port.
   * Default 3479.
   */
  stunAltPort?: number | null;
  /**
   * A second IPv4 address of this machine on which STUN also listens (same ports), so SDKs get
   * RFC 5780's full answer: endpoint-independent versus address-dependent on both axes, and so
   * full versus restricted cone. Needs a specific `udpHost` (or `host`). On Linux loopback,
   * 127.0.0.2 works beside 127.0.0.1. Default: none.
   */
  stunAltHost?: string;
  /** Relay port; 0 picks a free one. Default 5055. */
  relayPort?: number;
  /**
   * The embedded relay also serves WebSocket on this TCP port (path `/v1/relay`; 0 picks a free
   * one), for peers whose network drops UDP (docs/operations.md). Default: none.
   */
  relayWsPort?: number;
  /**
   * The relay WebSocket URL grants name (`wss://play.example.com/v1/relay` behind a TLS proxy).
   * Default with `relayWsPort`: `ws://<publicIp>:<port>/v1/relay`; with an external relay: none.
   */
  relayWsUrl?: string;
  /**
   * Secret shared with relays for signing tickets (≥ 16 bytes). Default: generated at start,
   * which is right for the embedded relay; give one to share it with standalone relays.
   */
  relaySecret?: string;
  /**
   * A fleet of relays (docs/operations.md, "A fleet of relays"): standalone `punchthrough relay`
   * processes report to `POST /v1/relays/report` with `Authorization: Bearer <this token>`, and
   * each new session gets one of them (Photon's weighted random by load). Needs `relaySecret`, the
   * master secret each relay's ticket key derives from. Default: none (the endpoint answers 404).
   */
  relayRegistrationToken?: string;
  /** With a fleet: the embedded relay runs and is one relay of it (id `local`). Default true. */
  embeddedRelay?: boolean;
  /** This cloud's region: relays that declare it are preferred for its new sessions. Default: none (any). */
  region?: string;
  /** With a fleet, when no relay is eligible: start the session without a relay grant ('auto') or refuse it with RELAY_FULL ('required'). Default 'auto'. */
  relayPolicy?: 'auto' | 'required';
  /** UDP sockets for STUN and the relay. Default: node:dgram. */
  socketFactory?: UdpSocketFactory;
  /** Time source for every service. Default: the real clock. */
  clock?: Clock;
  /** Logger; each service logs under a child with its name. Default: silent. */
  logger?: Logger;
  /**
   * Serve `/metrics` on this port of `metricsHost` instead of the public HTTP port (0 picks one).
   * Default: on the HTTP port, behind `session.metricsToken` when one is set.
   */
  metricsPort?: number;
  /** Address of the metrics listener. Default 127.0.0.1: metrics stay on the machine. */
  metricsHost?: string;
  /**
   * Cluster mode: several cloud processes share sessions through Redis (or Valkey) behind one
   * load balancer. Default: none (the in-memory store; no Redis client is loaded).
   */
  cluster?: ClusterModeOptions;
  /** The session service's hooks (authentication, authorization, lifecycle callbacks). Default: none. */
  hooks?: SessionHooks;
  /** Further session-service options (limits, TTLs); the cloud sets stunServers and relay itself. */
  session?: Omit<SessionServiceOptions, 'clock' | 'logger' | 'stunServers' | 'relay' | 'metricsElsewhere'>;
}

/**
 * An external relay the cloud hands to peers instead of starting its own (e.g. `punchthrough
 * relay` on another machine). It verifies the tickets this cloud signs, so it must be given the
 * same `relaySecret`; it hears no revocations, so a ticket stays usable until it expires.
 */
export interface ExternalRelayOptions {
  /** The relay's public endpoint, as peers reach it. */
  relayEndpoint: { address: string; port: number };
}
