/**
 * The peer driver: the table of client–server pairs (one {@link Link} each), the one timer that
 * polls them, and the translation of their outputs into runner events. Sans-IO apart from the
 * timer: bytes leave through the `send` hook (the game socket) and arrive through `receive`.
 */
import type { Env, TimerHandle, UdpEndpoint } from '../core/index.js';
import type { NatType, PeerAddressesEvent } from '../src/protocol/index.js';
import { contactOf } from './addresses.js';
import type { DisconnectReason } from './constants.js';
import { generateEphemeral, type EphemeralKeyPair } from './peer/key-schedule.js';
import type { LinkOutput, LinkTiming } from './peer/link-core.js';
import type { Link } from './peer/link.js';
import { readHeader, WireDisconnectReason, type PeerDropReason } from './peer/packets.js';
import type { ConnectPath, Via } from './peer/path.js';
import { connectTimeoutMessage, firstAttemptOfPath, type ScheduleConfig } from './peer/schedule.js';
import { reliableCounters } from './peer/reliable/counters.js';
import type { PairRole } from './peer/sealer.js';
import { ROLES, type LinkSettings } from './peer-roles.js';
import type { NetworkRunnerEvents, PathChangedEvent, PeerConnectedEvent, ProgressFlow } from './types.js';

interface PeerEntry {
  peerId: string;
  actor: number;
  link: Link;
  /** When this side received the other's addresses (t = 0 of the pair's schedule). */
  addressesAt: number;
  /** The NAT type the peer last reported. */
  peerNat: NatType;
  /** The peer reported a server-reflexive address (what a CONNECT_TIMEOUT lacked, if not). */
  peerReflexive: boolean;
}

export type Emit = <K extends keyof NetworkRunnerEvents>(name: K, ...args: NetworkRunnerEvents[K]) => void;
export type Progress = (flow: ProgressFlow, step: number, peerId?: string, detail?: Record<string, unknown>) => void;

export interface PeerDriverHooks {
  /** Sends on a path (the game socket); `ttl` sets the IP TTL of a direct datagram. */
  send(actor: number, via: Via, bytes: Uint8Array, ttl?: number): void;
  /** This runner's NAT type as far as it knows it (the race policy's rules). */
  natType?(): NatType;
  /** The endpoint an event names for a path. */
  remote(via: Via): UdpEndpoint;
  /** Whether relay attempts can go out (read when a client link is made). */
  relayAvailable(): boolean;
  emit: Emit;
  progress: Progress;
  guard(action: () => void): void;
  /** A pair connected (already announced as `peerConnected`). */
  connected(event: PeerConnectedEvent): void;
  /** A client's attempts ran out. */
  failed(code: 'CONNECT_TIMEOUT', message: string): void;
  /** Whether this end's start learned a server-reflexive address (absent: assumed). */
  selfReflexive?(): boolean;
  /** A connected pair fell back to the relay: this end's own NAT may have rebound. */
  fellBack?(): void;
  /** A connected pair's path changed (already announced as `pathChanged`), with the path's RTT when measured. */
  pathChanged?(event: PathChangedEvent, rttMs: number | undefined): void;
}

export interface PeerDriverConfig {
  schedule: ScheduleConfig;
  timing: LinkTiming;
  /** First handshake counter base of a link. */
  randomNonce: () => number;
}

/** Counters of the datagrams the links dropped, by reason. */
export type LinkDropCounters = Record<PeerDropReason | 'unknownPeer', number>;


export class PeerDriver {
  readonly #peers = new Map<string, PeerEntry>();
  readonly #byActor = new Map<number, PeerEntry>();
  #self: { actor: number; role: PairRole } | undefined;
  #running = false;
  #startedAt = 0;
  #timer: TimerHandle | undefined;
  #timerDue: number | undefined;
  /** The next link's X25519 key pair, made while nothing waits on it (after a link's first sends). */
  #spareKey: EphemeralKeyPair | undefined;
  readonly drops: LinkDropCounters = { malformed: 0, unknownPeer: 0, auth: 0, replay: 0, stale: 0, unproven: 0 };
  readonly reliable = reliableCounters(); // every link's channel counts here, so the figures outlive the links

  constructor(
    private readonly env: Pick<Env, 'clock' | 'logger'>,
    private readonly config: PeerDriverConfig,
    private readonly hooks: PeerDriverHooks,
  ) {}

  /** How many pairs exist (connected or not). */
  get size(): number {
    return this.#peers.size;
  }

  /** This runner joined the session as `actor`; `startedAt` is when startGame was called. */
  joined(self: { actor: number; role: PairRole }, startedAt: number): void {
    this.#self = self;
    this.#startedAt = startedAt;
  }

  /** Makes a key pair ahead of the first link, while the start waits on the network. */
  prepareKey(): void {
    this.#spareKey ??= generateEphemeral();
  }

  /** The start finished: links are polled from now on. */
  run(): void {
    this.#running = true;
    this.#tick();
  }

  /** No more timer; the links stay as they are until closed. */
  stop(): void {
    this.#running = false;
    this.env.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = undefined;
  }

  link(peerId: string): Link | undefined {
    return this.#peers.get(peerId)?.link;
  }

  connectedPeers(): string[] {
    return [...this.#peers.values()].filter((p) => p.link.core.connected).map((p) => p.peerId);
  }

  /** A game update to a connected peer: false when it is not connected. */
  send(peerId: string, data: Uint8Array): boolean {
    const entry = this.#peers.get(peerId);
    if (!entry?.link.core.connected) return false;
    const armed = entry.link.core.paths.sentSinceAlive;
    this.#carryOut(entry, entry.link.send(data));
    // The first send since the path last showed life arms its silence check (path-manager.ts).
    if (!armed) this.#reschedule();
    return true;
  }

  /** A reliable message to a connected peer: false when it is not connected or its send buffer is full. */
  sendReliable(peerId: string, data: Uint8Array): boolean {
    const entry = this.#peers.get(peerId);
    const out = entry?.link.core.sendReliable(data, this.env.clock.now());
    if (out) this.#carryOut(entry!, out);
    this.#reschedule();
    return out !== undefined;
  }

  /** A reliable message to every connected peer; returns how many took it. */
  broadcastReliable(data: Uint8Array): number {
    return this.connectedPeers().filter((peerId) => this.sendReliable(peerId, data)).length;
  }

  broadcast(data: Uint8Array): number {
    let sent = 0;
    let arming = false;
    for (const entry of this.#peers.values()) {
      if (!entry.link.core.connected) continue;
      arming ||= !entry.link.core.paths.sentSinceAlive;
      this.#carryOut(entry, entry.link.send(data));
      sent++;
    }
    if (arming) this.#reschedule();
    return sent;
  }

  /** Connection steps 1 (client: the server's addresses) and 2 (server: a client's). */
  addresses(event: PeerAddressesEvent, at: number, ipv6: boolean): void {
    const self = this.#self;
    if (!self) return;
    const role = ROLES[self.role];
    if (event.mode !== role.peerMode || event.actor === self.actor) return;
    const { contact, reflexive } = contactOf(event, ipv6);
    const existing = this.#peers.get(event.peerId);
    // The same pair (same secret) only gains candidates; a new secret (the peer rejoined) is a
    // new pair, unless the old one is still connected and carries on.
    if (existing && (existing.link.sealer.hasSecret(event.pairSecret) || existing.link.core.connected)) {
      existing.link.update(contact);
      existing.peerReflexive ||= reflexive;
      if (event.natType !== undefined && event.natType !== existing.peerNat) {
        existing.peerNat = event.natType;
        existing.link.natTypes({ self: this.hooks.natType?.() ?? 'unknown', peer: event.natType });
      }
      this.#tick();
      return;
    }
    if (existing) this.#forget(existing);
    const peerNat = event.natType ?? 'unknown';
    const settings = { ...this.#linkSettings(self.actor), natTypes: { self: this.hooks.natType?.() ?? 'unknown', peer: peerNat } };
    const link = role.link(settings, contact, at, this.hooks.relayAvailable());
    const entry: PeerEntry = { peerId: event.peerId, actor: event.actor, link, addressesAt: at, peerNat, peerReflexive: reflexive };
    link.core.reliableCounters = this.reliable;
    const previous = this.#byActor.get(event.actor);
    if (previous) this.#forget(previous);
    this.#peers.set(entry.peerId, entry);
    this.#byActor.set(entry.actor, entry);
    this.hooks.progress('connect', role.addressesStep, entry.peerId, { candidates: contact.candidates.length });
    // Connection step 7: the server pings the client's candidates (none when forced to the relay).
    if (role.pings && !this.config.schedule.forceRelay) this.hooks.progress('connect', 7, entry.peerId);
    this.#tick();
    // The first pings are out: the next peer's key pair is made while they travel.
    if (role.pings) this.prepareKey();
  }

  /** This end's NAT type became known after the start: every link's remaining sends follow it. */
  natTypeChanged(): void {
    const self = this.hooks.natType?.() ?? 'unknown';
    for (const entry of this.#peers.values()) entry.link.natTypes({ self, peer: entry.peerNat });
    this.#tick();
  }

  /** The peer left the session: a pair still connecting is dropped; a connected one carries on. */
  left(peerId: string): void {
    const entry = this.#peers.get(peerId);
    if (entry && !entry.link.core.connected) this.#forget(entry);
  }

  /** Routes sealed bytes to their pair's link by the clear header; the link opens them. */
  receive(bytes: Uint8Array, via: Via, relayedFrom: number | undefined): void {
    const read = readHeader(bytes);
    if (!read.ok) {
      this.drops.malformed++;
      return;
    }
    const header = read.header;
    const entry = this.#byActor.get(header.from);
    // Through the relay, the sender is who the relay says it is, whatever the packet claims.
    if (!entry || header.to !== this.#self?.actor || (relayedFrom !== undefined && relayedFrom !== header.from)) {
      this.drops.unknownPeer++;
      return;
    }
    this.#carryOut(entry, entry.link.receive(bytes, via, this.env.clock.now()));
    this.#reschedule();
  }

  /**
   * Says goodbye on one link (a kick's goodbye tells the client so) and forgets it; a connected
   * peer gets `peerDisconnected` with `reason`. Nothing when there is no such pair.
   */
  disconnect(peerId: string, reason: DisconnectReason): void {
    const entry = this.#peers.get(peerId);
    if (!entry) return;
    const connected = entry.link.core.connected;
    this.#carryOut(entry, entry.link.close(reason === 'kicked' ? WireDisconnectReason.KICKED : undefined));
    this.#forget(entry);
    if (connected) this.hooks.emit('peerDisconnected', { peerId, reason });
  }

  /** Says goodbye on every link and forgets them all; connected peers get `peerDisconnected` with `reason`. */
  closeAll(reason: DisconnectReason): void {
    for (const entry of [...this.#peers.values()]) {
      const connected = entry.link.core.connected;
      this.#carryOut(entry, entry.link.close());
      this.#forget(entry);
      if (connected) this.hooks.emit('peerDisconnected', { peerId: entry.peerId, reason });
    }
  }

  /** A new link's settings; it takes the spare key pair, if one is ready. */
  #linkSettings(self: number): Omit<LinkSettings, 'natTypes'> {
    const { schedule, timing } = this.config;
    const ephemeral = this.#spareKey;
    this.#spareKey = undefined;
    return { self, schedule, timing, counterBase: this.config.randomNonce(), ...(ephemeral ? { ephemeral } : {}) };
  }

  /** Polls every link at `now`, carries out what they decided, and re-arms the one timer. */
  #tick(): void {
    if (!this.#running) return;
    const now = this.env.clock.now();
    for (const entry of [...this.#peers.values()]) this.#carryOut(entry, entry.link.poll(now));
    this.#reschedule();
  }

  #reschedule(): void {
    if (!this.#running) return;
    let due: number | undefined;
    for (const entry of this.#peers.values()) {
      const next = entry.link.nextDeadline();
      if (next !== undefined && (due === undefined || next < due)) due = next;
    }
    if (due === this.#timerDue && this.#timer) return;
    const { clock } = this.env;
    clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = due;
    if (due === undefined) return;
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerDue = undefined;
      this.hooks.guard(() => this.#tick());
    }, Math.max(0, due - clock.now()));
  }

  #onPathChanged(entry: PeerEntry, event: PathChangedEvent): void {
    this.hooks.emit('pathChanged', event);
    this.hooks.pathChanged?.(event, entry.link.core.rttMs);
  }

  #carryOut(entry: PeerEntry, outputs: LinkOutput[]): void {
    const { hooks } = this;
    for (const output of outputs) {
      switch (output.type) {
        case 'send':
          hooks.send(entry.actor, output.via, output.bytes, output.ttl);
          break;
        case 'attempt':
          this.#onAttempt(entry, output.n, output.path);
          break;
        case 'learned':
          this.env.logger.debug({ peerId: entry.peerId, endpoint: output.endpoint }, 'peer-reflexive candidate');
          break;
        case 'connected':
          this.#onConnected(entry, output.via, output.rttMs, output.attempt);
          break;
        case 'pathChanged':
          this.#onPathChanged(entry, {
            peerId: entry.peerId,
            path: output.via.path,
            remote: hooks.remote(output.via),
            from: output.from.path,
            previousRemote: hooks.remote(output.from),
            reason: output.reason,
          });
          if (output.reason === 'fallback') hooks.fellBack?.();
          break;
        case 'dropped':
          this.drops[output.reason]++;
          break;
        case 'failed':
          this.#onFailed(entry, output.code);
          break;
        case 'disconnected':
          this.#forget(entry);
          hooks.emit('peerDisconnected', { peerId: entry.peerId, reason: output.reason });
          break;
        case 'message':
          hooks.emit('message', { peerId: entry.peerId, data: output.data });
          break;
        case 'reliable':
          hooks.emit('message', { peerId: entry.peerId, data: output.data, reliable: true });
          break;
      }
    }
  }

  #onAttempt(entry: PeerEntry, n: number, path: ConnectPath): void {
    const ms = this.env.clock.now() - entry.addressesAt;
    // Connection steps 3 (direct) and 4 (through the cloud's relay), announced when each begins.
    if (firstAttemptOfPath(this.config.schedule, n, path)) this.hooks.progress('connect', path === 'direct' ? 3 : 4, entry.peerId, { attempt: n });
    this.hooks.emit('attempt', { peerId: entry.peerId, n, path, ms });
  }

  /** Connection steps 8 (direct), 10 (server, relay) and 11 (client, relay). */
  #onConnected(entry: PeerEntry, via: Via, rttMs: number | undefined, attempt: number): void {
    const now = this.env.clock.now();
    const event: PeerConnectedEvent = {
      peerId: entry.peerId,
      actor: entry.actor,
      path: via.path,
      remote: this.hooks.remote(via),
      rttMs,
      attempt,
      ms: now - entry.addressesAt,
      sinceStartMs: now - this.#startedAt,
    };
    const step = via.path === 'direct' ? 8 : ROLES[entry.link.role].relayAcceptStep;
    this.hooks.progress('connect', step, entry.peerId, { attempt });
    this.hooks.emit('peerConnected', event);
    this.hooks.connected(event);
  }

  /** Connection step 6: the client stops trying; the runner shuts its network operations down. */
  #onFailed(entry: PeerEntry, code: 'CONNECT_TIMEOUT'): void {
    this.hooks.progress('connect', 6, entry.peerId, { code });
    this.#forget(entry);
    const { schedule } = this.config;
    const selfReflexive = this.hooks.selfReflexive?.() ?? true;
    const known = { peerReflexive: entry.peerReflexive, selfReflexive, relayAvailable: this.hooks.relayAvailable(), forceRelay: schedule.forceRelay };
    this.hooks.failed(code, connectTimeoutMessage(schedule, known));
  }

  #forget(entry: PeerEntry): void {
    if (this.#peers.get(entry.peerId) === entry) this.#peers.delete(entry.peerId);
    if (this.#byActor.get(entry.actor) === entry) this.#byActor.delete(entry.actor);
  }
}
