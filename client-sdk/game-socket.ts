/**
 * The game socket: the IPv4 socket (and the IPv6 one when enabled) that carries STUN, the relay
 * client's frames and the peer packets, told apart on arrival; sending by path (a UDP endpoint,
 * or the relay by actor); and the relay binding, whose failures are reported, not swallowed.
 */
import { PunchthroughError, type Env, type UdpEndpoint, type UdpSocket } from '../core/index.js';
import type { RelayGrant, StartEvent } from '../src/protocol/index.js';
import { toEndpoint } from './addresses.js';
import type { RelayPath, RunnerDeps } from './deps.js';
import type { SocketOptions } from './options.js';
import { looksLikePeerPacket } from './peer/packets.js';
import type { Via } from './peer/path.js';
import type { RelayErrorEvent } from './types.js';

export interface GameSocketHandlers {
  /** A datagram that looks like a peer packet, from `via`; `relayedFrom` is the actor the relay vouches for. */
  packet(bytes: Uint8Array, via: Via, relayedFrom: number | undefined): void;
  /** The relay failed or reported an error. */
  relayError(event: RelayErrorEvent): void;
  /** Runs a socket or relay callback so that nothing it throws escapes into the socket. */
  guard(action: () => void): void;
  /** The relay forgot our binding and the client binds again: our own NAT mapping may have moved. */
  relayRebinding?(): void;
}

/** Relayed packets all come by the same path: one object, not one per packet. */
const RELAY_VIA: Via = Object.freeze({ path: 'relay' });

/** Stands in for the relay's endpoint in events before the cloud announced one. */
const NO_ENDPOINT: UdpEndpoint = { address: '0.0.0.0', port: 0, family: 'IPv4' };

export class GameSocket {
  #v4: UdpSocket | undefined;
  #v6: UdpSocket | undefined;
  #relay: RelayPath | undefined;
  #relayEndpoint: UdpEndpoint | undefined;
  #relayUsable = false;
  /** Binds again after a failed bind (with a fresh ticket); set by `openRelay`. */
  #retryBind: (() => void) | undefined;
  /** A ticket the cloud re-issued before the relay was opened: it replaces the start's. */
  #freshTicket: Uint8Array | undefined;
  /** Handlers of the current relay client (replaced on a relay change). */
  #relayCleanups: (() => void)[] = [];
  /** A grant of RELAY_CHANGED that came before the start's relay was opened: it replaces the start's. */
  #movedGrant: RelayGrant | undefined;
  /** Unbound on purpose (shutdown, session closed): what the relay does next is no failure. */
  #relayClosed = false;
  /** Datagrams that were neither peer packets nor STUN (relay frames go to the relay client). */
  notPeerPacket = 0;
  readonly #cleanups: (() => void)[] = [];

  constructor(
    private readonly env: Pick<Env, 'clock' | 'logger' | 'sockets'>,
    private readonly options: SocketOptions,
    private readonly deps: Pick<RunnerDeps, 'createRelay' | 'looksLikeStun'>,
    private readonly handlers: GameSocketHandlers,
  ) {}

  /** The IPv4 socket, once bound. */
  get v4(): UdpSocket | undefined {
    return this.#v4;
  }

  /** The IPv6 socket, when enabled and bound. */
  get v6(): UdpSocket | undefined {
    return this.#v6;
  }

  /** Whether relay attempts can go out: a relay was granted and its bind has not failed. */
  get relayAvailable(): boolean {
    return this.#relay !== undefined && this.#relayUsable;
  }

  /**
   * Binds the socket(s). Rejects with SOCKET_UNAVAILABLE when IPv4 cannot bind; an IPv6 failure
   * leaves the runner on IPv4. `closed` is asked after the binds: a shutdown meanwhile closes them.
   */
  async bind(closed: () => boolean): Promise<void> {
    const { bindAddress, bindAddress6, port, ipv6 } = this.options;
    const factory = this.env.sockets;
    const bind4 = factory.bind({ type: 'udp4', address: bindAddress, port });
    const bind6 = ipv6 ? factory.bind({ type: 'udp6', address: bindAddress6 }) : undefined;
    const [v4, v6] = await Promise.allSettled([bind4, bind6]);
    if (v4.status === 'fulfilled') this.#v4 = this.#attach(v4.value);
    if (v6.status === 'fulfilled' && v6.value) this.#v6 = this.#attach(v6.value);
    if (closed()) {
      await this.close();
      throw new PunchthroughError('RUNNER_CLOSED', 'the runner was shut down');
    }
    if (v4.status === 'rejected') {
      const reason = v4.reason as Error;
      throw new PunchthroughError('SOCKET_UNAVAILABLE', `cannot bind the game socket: ${reason.message}`, { cause: reason });
    }
    if (v6.status === 'rejected') this.env.logger.warn({ err: v6.reason as Error }, 'IPv6 socket unavailable; IPv4 only');
  }

  /**
   * Binds at the relay the cloud granted, in the background; resolves (never rejects) when bound
   * or failed. A failure is a `relayError` event, and attempts stay direct.
   */
  openRelay(startGrant: StartEvent['relay']): Promise<void> {
    const create = this.deps.createRelay;
    const grant = this.#movedGrant ?? startGrant;
    this.#movedGrant = undefined;
    if (!grant || !create || !this.#v4) return Promise.resolve();
    this.#relayEndpoint = toEndpoint(grant.endpoint);
    const { clock, logger } = this.env;
    const ticket = this.#freshTicket ?? grant.ticket;
    const relay = create({
      socket: this.#v4,
      relay: grant.endpoint,
      ticket,
      clock,
      logger,
      wsUrl: grant.wsUrl,
      relayTransport: this.options.relayTransport,
    });
    this.#relay = relay;
    this.#relayUsable = true;
    const { guard } = this.handlers;
    this.#relayCleanups.push(relay.onMessage((fromActor, payload) => guard(() => this.handlers.packet(payload, RELAY_VIA, fromActor))));
    let bound = false;
    const errors = relay.onError?.((error, actor) => {
      // Errors during a bind are the bind's outcome, reported once below.
      if (bound && !this.#relayClosed) guard(() => this.#relayError(error, actor));
    });
    const states = relay.onStateChange?.((state) => {
      // `binding` after `bound`: the relay forgot us (idle expiry, restart, a new NAT mapping) and
      // the client binds again; its outcome is this bind's.
      if (state === 'binding' && bound) {
        bound = false;
        if (this.handlers.relayRebinding) guard(() => this.handlers.relayRebinding!());
        guard(() => this.#follow(relay, () => (bound = true)));
      }
    });
    if (errors) this.#relayCleanups.push(errors);
    if (states) this.#relayCleanups.push(states);
    this.#retryBind = () => void this.#follow(relay, () => (bound = true));
    return this.#follow(relay, () => (bound = true));
  }

  /**
   * The cloud re-issued the relay ticket: the next (re)bind uses it, so a rebind after the
   * start's ticket expired still binds. A relay whose bind had failed gets one more try with it.
   */
  renewTicket(ticket: Uint8Array): void {
    if (this.#relayClosed) return;
    const relay = this.#relay;
    if (!relay) {
      this.#freshTicket = ticket;
      return;
    }
    relay.setTicket?.(ticket);
    if (!this.#relayUsable) this.#retryBind?.();
  }

  /**
   * The cloud moved the session to another relay (RELAY_CHANGED): unbind at the old one (dead or
   * draining), bind at the new one with its ticket. Relayed sends go to the new relay as soon as
   * it is bound, so a pair on the relay path resumes; direct paths never touch the relay.
   */
  switchRelay(grant: RelayGrant): Promise<void> {
    if (this.#relayClosed) return Promise.resolve();
    if (!this.#relay) {
      // The start's relay is not open yet: it opens at this grant instead.
      this.#movedGrant = grant;
      return Promise.resolve();
    }
    for (const cleanup of this.#relayCleanups.splice(0)) cleanup();
    const old = this.#relay;
    this.#relay = undefined;
    this.#relayUsable = false;
    old.close();
    this.#freshTicket = undefined;
    return this.openRelay(grant);
  }

  /** A rejoin's grant: a fresh ticket for the same relay, or another relay (the session moved meanwhile). */
  renewGrant(grant: RelayGrant): Promise<void> {
    const current = this.#relayEndpoint;
    const moved = this.#relay !== undefined && (current?.address !== grant.endpoint.address || current.port !== grant.endpoint.port);
    if (moved) return this.switchRelay(grant);
    this.renewTicket(grant.ticket);
    return Promise.resolve();
  }

  /** Sends on a path: to the endpoint's socket, or to the actor through the relay. */
  send(actor: number, via: Via, bytes: Uint8Array, ttl?: number): void {
    if (via.path === 'relay') {
      this.#relay?.send(actor, bytes);
      return;
    }
    const socket = via.endpoint.family === 'IPv6' ? this.#v6 : this.#v4;
    socket?.send(bytes, via.endpoint.port, via.endpoint.address, ttl);
  }

  /** A fresh plain endpoint for events: the peer's (direct) or the relay's. */
  remote(via: Via): UdpEndpoint {
    if (via.path === 'direct') return { address: via.endpoint.address, port: via.endpoint.port, family: via.endpoint.family };
    return this.#relayEndpoint ?? NO_ENDPOINT;
  }

  /** Unbinds at the relay; the sockets stay open. */
  closeRelay(): void {
    this.#relayUsable = false;
    this.#relayClosed = true;
    this.#relay?.close();
  }

  /** Removes every handler, unbinds at the relay and closes the socket(s). */
  async close(): Promise<void> {
    for (const cleanup of [...this.#cleanups.splice(0), ...this.#relayCleanups.splice(0)]) cleanup();
    this.closeRelay();
    await Promise.allSettled([this.#v4?.close(), this.#v6?.close()]);
  }

  #attach(socket: UdpSocket): UdpSocket {
    const { guard } = this.handlers;
    this.#cleanups.push(socket.onMessage((data, from) => guard(() => this.#onDatagram(data, from))));
    this.#cleanups.push(socket.onError((error) => this.env.logger.debug({ err: error }, 'game socket error')));
    return socket;
  }

  /** STUN answers belong to the STUN client and relay frames to the relay client, both on this socket. */
  #onDatagram(data: Buffer, from: UdpEndpoint): void {
    if (this.#relay?.isFromRelay(from)) return;
    if (!looksLikePeerPacket(data)) {
      if (!this.deps.looksLikeStun(data)) this.notPeerPacket++;
      return;
    }
    this.handlers.packet(data, { path: 'direct', endpoint: from }, undefined);
  }

  /** Waits for the relay's (re)bind: usable when it succeeds, a `relayError` when it fails. */
  #follow(relay: RelayPath, onBound: () => void): Promise<void> {
    // A relay replaced since (RELAY_CHANGED): its outcome is no longer this socket's.
    return relay.bind().then(() => {
      if (this.#relayClosed || relay !== this.#relay) return;
      this.#relayUsable = true;
      onBound();
    }, (error: unknown) => {
      if (this.#relayClosed || relay !== this.#relay) return;
      this.#relayUsable = false;
      this.env.logger.warn({ err: error }, 'relay bind failed; direct paths only');
      this.#relayError(error, undefined);
    });
  }

  #relayError(error: unknown, actor: number | undefined): void {
    const coded = error instanceof PunchthroughError ? error : new PunchthroughError('RELAY_TIMEOUT', String(error));
    this.handlers.relayError({
      code: coded.code,
      message: coded.message,
      ...(actor !== undefined ? { actor } : {}),
      usable: this.#relayUsable,
    });
  }
}

