/**
 * Roaming seen from this end (docs/connection-process.md, "After the connection"): when a path
 * falls back to the relay, or the relay forgets our binding, this end's own NAT may have rebound (new external port, another
 * network), and a peer behind an address-and-port-dependent filter cannot take packets from the
 * new port until it sends there. So STUN runs again on the game socket and, if the reflexive
 * address moved, the addresses are reported to the cloud again (REPORT_ADDRESSES), which hands
 * them to the peers: their links probe the new endpoint at once.
 */
import { endpointKey, type Clock, type Logger, type NatReport, type UdpEndpoint, type UdpSocket } from '../core/index.js';
import { RequestType, type NatType, type RequestBody } from '../src/protocol/index.js';
import { familyOf, toWire } from './addresses.js';
import { REFLEXIVE_CHECK_INTERVAL_MS } from './constants.js';
import type { StunProbe } from './deps.js';

/** What the start reported (creation and joining step 11), kept for a report again. */
export interface ReportedAddresses {
  local: UdpEndpoint[];
  reflexive: UdpEndpoint | undefined;
  natType: NatType;
  /** What discovery measured of each axis, once it has. */
  nat?: NatReport;
  /** The STUN servers the start used. */
  stunServers: UdpEndpoint[];
}

export interface ReflexiveWatchHooks {
  stunBinding: StunProbe | undefined;
  /** The game socket (IPv4), while open. */
  socket(): UdpSocket | undefined;
  signal: AbortSignal;
  /** Sends the request on the signaling connection, if there is one. */
  request(request: Extract<RequestBody, { type: typeof RequestType.REPORT_ADDRESSES }>): Promise<unknown>;
}

export class ReflexiveWatch {
  #reported: ReportedAddresses | undefined;
  #lastCheckAt = -Infinity;
  #checking = false;
  /** Address changes reported to the cloud. */
  changes = 0;

  constructor(
    private readonly env: { clock: Clock; logger: Logger },
    private readonly hooks: ReflexiveWatchHooks,
  ) {}

  /** Whether the start (or a later check) learned a server-reflexive address; true before the report. */
  get hasReflexive(): boolean {
    return this.#reported === undefined || this.#reported.reflexive !== undefined;
  }

  /** The start reported these addresses: checks compare against them from now on. */
  reported(addresses: ReportedAddresses): void {
    this.#reported = addresses;
  }

  /**
   * Discovery measured the NAT after the start: the addresses are reported again with it, so the
   * cloud records it and counterparts that arrive later learn it.
   */
  natDiscovered(nat: NatReport): void {
    const reported = this.#reported;
    // Nothing measured (the server has no alternate port): the start's report already says all.
    if (!reported || (nat.mapping === 'unknown' && nat.filtering === 'unknown')) return;
    this.#reported = { ...reported, natType: nat.natType, nat };
    this.#report(this.#reported).catch((error: unknown) => this.env.logger.debug({ err: error }, 'NAT type report failed'));
  }

  /** Something suggests this end's mapping moved: re-runs STUN (at most once per interval) and re-reports a change. */
  check(): void {
    const now = this.env.clock.now();
    if (this.#checking || !this.#reported?.reflexive || now - this.#lastCheckAt < REFLEXIVE_CHECK_INTERVAL_MS) return;
    this.#lastCheckAt = now;
    this.#checking = true;
    void this.#run(this.#reported).finally(() => (this.#checking = false));
  }

  async #run(reported: ReportedAddresses): Promise<void> {
    try {
      const seen = await this.#stun(reported.stunServers);
      if (!seen || (reported.reflexive && endpointKey(seen) === endpointKey(reported.reflexive))) return;
      this.env.logger.info({ from: reported.reflexive, to: seen }, 'reflexive address changed; reporting the addresses again');
      this.#reported = { ...this.#reported!, reflexive: seen };
      this.changes++;
      await this.#report(this.#reported);
    } catch (error) {
      this.env.logger.debug({ err: error }, 'reflexive address check failed');
    }
  }

  #report(reported: ReportedAddresses): Promise<unknown> {
    return this.hooks.request({
      type: RequestType.REPORT_ADDRESSES,
      local: reported.local.map(toWire),
      ...(reported.reflexive ? { reflexive: toWire(reported.reflexive) } : {}),
      natType: reported.natType,
      ...(reported.nat ? { natMapping: reported.nat.mapping, natFiltering: reported.nat.filtering } : {}),
    });
  }

  /** The reflexive address from the first IPv4 STUN server that answers. */
  async #stun(servers: UdpEndpoint[]): Promise<UdpEndpoint | undefined> {
    const { stunBinding, signal } = this.hooks;
    for (const server of servers.filter((s) => s.family === 'IPv4')) {
      const socket = this.hooks.socket();
      if (!stunBinding || !socket || signal.aborted) return undefined;
      try {
        const seen = await stunBinding(socket, server, { clock: this.env.clock, signal });
        return { address: seen.address, port: seen.port, family: familyOf(seen.address) };
      } catch {
        // The next server, if any.
      }
    }
    return undefined;
  }
}
