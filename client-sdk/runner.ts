/**
 * NetworkRunner: the SDK game developers import. Server mode creates a session and accepts
 * clients; client mode joins one and connects to its server, directly or through the relay.
 * It runs seed 002 end to end: session creation and joining (steps 1–11 each, announced as
 * `progress` events) and the connection process for every client–server pair.
 *
 * The decisions live in the sans-IO links (peer/); this class owns the I/O: the signaling
 * WebSocket, the game socket(s), the relay client, one timer, and the events.
 */
import { EventEmitter } from 'node:events';
import {
  createNodeUdpSocketFactory,
  createRealClock,
  createSilentLogger,
  isPunchthroughError,
  parseEndpoint,
  PunchthroughError,
  type Clock,
  type Logger,
  type TimerHandle,
  type UdpEndpoint,
  type UdpSocket,
} from '../core/index.js';
import {
  EventType,
  RequestType,
  type Event,
  type JoinResult,
  type NatType,
  type PeerAddressesEvent,
  type SessionClosedEvent as CloudSessionClosed,
  type StartEvent,
} from '../src/protocol/index.js';
import { familyOf, localCandidates, toEndpoint, toWire } from './addresses.js';
import {
  DEFAULT_CLOUD_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DisconnectReason,
  MAX_ANNOUNCED_CANDIDATES,
  MAX_DATA_BYTES,
  MAX_EARLY_ADDRESS_EVENTS,
  RELAY_BIND_WAIT_MS,
} from './constants.js';
import { defaultDeps, type RelayPath, type RunnerDeps } from './deps.js';
import type { NatBehavior } from '../stun-server/client/index.js';
import { ClientLink } from './peer/client-link.js';
import { generateEphemeral, type EphemeralKeyPair } from './peer/key-schedule.js';
import type { LinkOutput, LinkTiming, Via } from './peer/link-core.js';
import { looksLikePeerPacket, readHeader } from './peer/packets.js';
import { directAttemptCount, type ScheduleConfig } from './peer/schedule.js';
import { ServerLink } from './peer/server-link.js';
import { resolveSchedule, resolveTiming } from './options.js';
import { CONNECT_STEPS, CREATE_STEPS, JOIN_STEPS } from './steps.js';
import type { Signaling } from './signaling.js';
import type {
  ConnectPath,
  NetworkRunnerEvents,
  NetworkRunnerOptions,
  PeerConnectedEvent,
  ProgressEvent,
  ProgressFlow,
  StartGameOptions,
  StartGameResult,
} from './types.js';

interface PeerEntry {
  peerId: string;
  actor: number;
  link: ClientLink | ServerLink;
  /** When this side received the other's addresses (t = 0 of the pair's schedule). */
  addressesAt: number;
}

type Phase = 'idle' | 'starting' | 'running' | 'closed';

/** Datagrams the runner dropped, by reason. */
export interface RunnerDropCounters {
  /** Not a peer packet (and not STUN or relay traffic). */
  notPeerPacket: number;
  /** A peer packet that failed to decode: too short, unknown type, wrong length, bad key. */
  malformed: number;
  /** Addressed to another actor, or from an actor this runner has no pair with. */
  unknownPeer: number;
  /** Failed authentication: forged, tampered with, or sealed with another pair's keys. */
  auth: number;
  /** A counter seen before or older than the replay window: a replay (or a duplicate). */
  replay: number;
  /** Authentic, but for a handshake the link is no longer in (an old link's connect, an unknown challenge). */
  stale: number;
}

/** Signaling frames the runner did not act on (see {@link NetworkRunner.signalingFrames}). */
export interface SignalingFrameCounters {
  dropped: number;
  failed: number;
}

export class NetworkRunner extends EventEmitter<NetworkRunnerEvents> {
  readonly #options: NetworkRunnerOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #deps: RunnerDeps;
  readonly #schedule: ScheduleConfig;
  readonly #timing: LinkTiming;
  #phase: Phase = 'idle';
  #startedAt = 0;
  #signaling: Signaling | undefined;
  #socket: UdpSocket | undefined;
  #socket6: UdpSocket | undefined;
  #relay: RelayPath | undefined;
  #relayEndpoint: UdpEndpoint | undefined;
  #relayFailed = false;
  #self: { actor: number; peerId: string; mode: 'server' | 'client'; sessionId: string } | undefined;
  /** The cloud said SESSION_CLOSED for this runner's session: no more game traffic for it. */
  #sessionClosed = false;
  /** A SESSION_CLOSED that came before the create/join reply was read (same tick): applied after it. */
  #closedBeforeJoined: CloudSessionClosed | undefined;
  #natType: NatType = 'unknown';
  readonly #peers = new Map<string, PeerEntry>();
  readonly #byActor = new Map<number, PeerEntry>();
  /** Address events that arrived before the game socket was ready. */
  readonly #early: { event: PeerAddressesEvent; at: number }[] = [];
  #timer: TimerHandle | undefined;
  #timerDue: number | undefined;
  readonly #cleanups: (() => void)[] = [];
  #closing: Promise<void> | undefined;
  #abort = new AbortController();
  /** Client mode: settles startGame once connected (or failed). */
  #connected: { resolve: (event: PeerConnectedEvent) => void; reject: (error: PunchthroughError) => void } | undefined;
  /** The next link's X25519 key pair, made while nothing waits on it (after a link's first sends). */
  #spareKey: EphemeralKeyPair | undefined;
  readonly #drops: RunnerDropCounters = { notPeerPacket: 0, malformed: 0, unknownPeer: 0, auth: 0, replay: 0, stale: 0 };

  /**
   * @param options see {@link NetworkRunnerOptions}.
   * @param deps internal seams for tests (scripted signaling, relay and STUN); leave out.
   */
  constructor(options: NetworkRunnerOptions, deps: Partial<RunnerDeps> = {}) {
    super();
    this.#options = options;
    this.#clock = options.clock ?? createRealClock();
    this.#logger = options.logger ?? createSilentLogger();
    this.#deps = { ...defaultDeps(), ...deps };
    this.#schedule = resolveSchedule(options);
    this.#timing = resolveTiming(options);
  }

  /**
   * NAT type as far as this runner knows it: from RFC 5780 discovery with `discoverNat`;
   * otherwise `open` when STUN saw a local address, else `unknown`.
   */
  get natType(): NatType {
    return this.#natType;
  }

  /** Datagrams dropped on the game socket, by reason. */
  get drops(): Readonly<RunnerDropCounters> {
    return { ...this.#drops };
  }

  /**
   * Signaling frames from the cloud this runner did not act on: `dropped` failed decoding or
   * validation (the connection carried on); `failed` threw while being handled and ended the
   * connection (at most 1). Zero before the connection opens; kept after it closes.
   */
  get signalingFrames(): Readonly<SignalingFrameCounters> {
    return { dropped: this.#signaling?.droppedFrames ?? 0, failed: this.#signaling?.failedFrames ?? 0 };
  }

  /** The path to a connected peer, or undefined when it is not connected. */
  connectionType(peerId: string): ConnectPath | undefined {
    const core = this.#peers.get(peerId)?.link.core;
    return core?.connected ? core.via?.path : undefined;
  }

  /** Smoothed round-trip time to a connected peer, ms. */
  rttMs(peerId: string): number | undefined {
    return this.#peers.get(peerId)?.link.core.rttMs;
  }

  /** Peer ids of the connected peers (client mode: the server). */
  connectedPeers(): string[] {
    return [...this.#peers.values()].filter((p) => p.link.core.connected).map((p) => p.peerId);
  }

  /**
   * Sends one unreliable game update to a connected peer. Returns false when the peer is not
   * connected. Throws INVALID_REQUEST for more than {@link MAX_DATA_BYTES} bytes.
   */
  send(peerId: string, data: Uint8Array): boolean {
    checkSize(data);
    const entry = this.#peers.get(peerId);
    if (!entry?.link.core.connected) return false;
    this.#carryOut(entry, entry.link.send(data));
    return true;
  }

  /** Sends a game update to every connected peer (server: every client). Returns how many. */
  broadcast(data: Uint8Array): number {
    checkSize(data);
    let sent = 0;
    for (const entry of this.#peers.values()) {
      if (!entry.link.core.connected) continue;
      this.#carryOut(entry, entry.link.send(data));
      sent++;
    }
    return sent;
  }

  /**
   * Starts the game: server mode creates the session and resolves once its addresses are
   * reported (seed 002 creation steps 1–11); client mode joins (joining steps 1–11) and
   * resolves once connected to the server, or rejects with CONNECT_TIMEOUT after the attempts
   * run out (its network operations are shut down then). Once per runner.
   */
  async startGame(options: StartGameOptions): Promise<StartGameResult> {
    if (this.#phase !== 'idle') throw new PunchthroughError('INVALID_REQUEST', 'startGame can be called once per runner');
    this.#phase = 'starting';
    this.#startedAt = this.#clock.now();
    const flow: ProgressFlow = options.mode === 'server' ? 'create' : 'join';
    const steps = options.mode === 'server' ? CREATE_STEPS : JOIN_STEPS;
    const progress = (step: number, detail?: Record<string, unknown>): void =>
      this.#progress(flow, step, steps[step]!, undefined, detail);
    try {
      progress(1, { mode: options.mode });
      // The game socket binds while the cloud answers: the runner needs it by step 7.
      const sockets = this.#bindSockets();
      sockets.catch(() => undefined);
      const signaling = await this.#deps.connectSignaling({
        url: this.#options.cloudUrl,
        appId: this.#options.appId,
        appVersion: this.#options.appVersion ?? '1',
        clock: this.#clock,
        logger: this.#logger,
        connectTimeoutMs: this.#options.cloudConnectTimeoutMs ?? DEFAULT_CLOUD_CONNECT_TIMEOUT_MS,
        requestTimeoutMs: this.#options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      });
      if (this.#isClosed()) {
        await signaling.close();
        throw closedError();
      }
      this.#signaling = signaling;
      const start = this.#watchSignaling(signaling);
      // Awaited only after the create/join reply: a connection lost before then rejects both,
      // and the reply's rejection is the one startGame reports.
      start.catch(() => undefined);
      progress(2, options.sessionName === undefined ? {} : { sessionName: options.sessionName });
      const joined = await this.#enter(signaling, options);
      this.#self = { actor: joined.actor, peerId: joined.peerId, mode: joined.mode, sessionId: joined.session.sessionId };
      if (this.#closedBeforeJoined) this.#onSessionClosed(this.#closedBeforeJoined);
      this.#ensureRunning();
      progress(3, { sessionName: joined.session.name, actor: joined.actor });
      // Steps 4–5 ride on the same round trip: the create/join request carries the session's
      // custom properties (server) or registers the client.
      progress(4, { merged: true });
      progress(5, { merged: true });
      const started = await start;
      progress(6);
      await sockets;
      this.#ensureRunning();
      progress(7, { socket: this.#socket!.address() });
      const local = localCandidates(
        { v4: this.#socket!.address(), v6: this.#socket6?.address() },
        this.#options.ipv6 ?? false,
        this.#options.localAddresses,
      );
      progress(8, { local });
      this.#spareKey = generateEphemeral();
      const relayBound = this.#openRelay(started);
      progress(9);
      const stun = await this.#stun(started);
      const reflexive = stun?.reflexive;
      this.#natType =
        stun?.natType ?? (reflexive && local.some((l) => l.address === reflexive.address && l.port === reflexive.port) ? 'open' : 'unknown');
      progress(10, reflexive ? { reflexive, natType: this.#natType } : { error: 'STUN_TIMEOUT' });
      // The relay should be bound before a peer's relay attempts arrive; a slow bind goes on in
      // the background rather than hold up the start.
      await this.#atMost(relayBound, RELAY_BIND_WAIT_MS);
      this.#ensureRunning();
      await signaling.request({
        type: RequestType.REPORT_ADDRESSES,
        local: local.map(toWire),
        ...(reflexive ? { reflexive: toWire(reflexive) } : {}),
        natType: this.#natType,
      });
      this.#ensureRunning();
      progress(11);
      this.#phase = 'running';
      this.#drainEarly();
      const result: StartGameResult = {
        mode: joined.mode,
        sessionName: joined.session.name,
        sessionId: joined.session.sessionId,
        actor: joined.actor,
        peerId: joined.peerId,
        local,
        reflexive,
      };
      if (options.mode === 'server') return result;
      return { ...result, server: await this.#whenConnected() };
    } catch (error) {
      // A shutdown during the start surfaces as RUNNER_CLOSED, whatever step it interrupted.
      const failure = this.#isClosed() ? closedError() : asPunchthroughError(error);
      this.#logger.info({ code: failure.code, message: failure.message }, 'start failed');
      await this.shutdown();
      throw failure;
    }
  }

  /**
   * Stops everything: says goodbye to connected peers, leaves the session, closes the relay
   * binding, the game socket(s), the timer and the signaling connection. A pending startGame
   * rejects. Idempotent.
   */
  shutdown(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const wasRunning = this.#phase !== 'idle';
    this.#phase = 'closed';
    this.#abort.abort(closedError());
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const entry of this.#peers.values()) {
      const connected = entry.link.core.connected;
      this.#carryOut(entry, entry.link.close());
      if (connected) this.#emit('peerDisconnected', { peerId: entry.peerId, reason: DisconnectReason.SHUTDOWN });
    }
    this.#peers.clear();
    this.#byActor.clear();
    this.#connected?.reject(closedError());
    this.#connected = undefined;
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    this.#relay?.close();
    const signaling = this.#signaling;
    if (signaling && this.#self) {
      // Best effort: the close right after tells the cloud anyway.
      signaling.request({ type: RequestType.LEAVE }).catch(() => undefined);
    }
    await Promise.allSettled([signaling?.close(), this.#socket?.close(), this.#socket6?.close()]);
    if (wasRunning) this.#logger.debug('runner shut down');
  }

  // ------------------------------------------------------------------ start steps

  #enter(signaling: Signaling, options: StartGameOptions): Promise<JoinResult> {
    if (options.mode === 'server') {
      const properties = options.sessionProperties ?? {};
      return signaling.request({
        type: RequestType.CREATE,
        ...(options.sessionName !== undefined ? { name: options.sessionName } : {}),
        ...(options.maxPlayers !== undefined ? { maxPlayers: options.maxPlayers } : {}),
        ...(options.open !== undefined ? { open: options.open } : {}),
        ...(options.visible !== undefined ? { visible: options.visible } : {}),
        properties,
        lobbyKeys: Object.keys(properties),
      });
    }
    if (options.sessionName !== undefined) {
      return signaling.request({ type: RequestType.JOIN, name: options.sessionName });
    }
    return signaling.request({ type: RequestType.JOIN_RANDOM, ...(options.filter ? { filter: options.filter } : {}) });
  }

  /** Subscribes to the cloud's events; resolves with the start event (step 6). */
  #watchSignaling(signaling: Signaling): Promise<StartEvent> {
    return new Promise<StartEvent>((resolve, reject) => {
      const timeoutMs = this.#options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
      let timer: TimerHandle | undefined = this.#clock.setTimeout(() => {
        timer = undefined;
        reject(new PunchthroughError('CLOUD_UNREACHABLE', `the cloud did not start the runner within ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = (): void => {
        this.#clock.clearTimeout(timer);
        timer = undefined;
      };
      this.#cleanups.push(settle);
      this.#cleanups.push(
        signaling.onEvent((event) => {
          if (event.type === EventType.START) {
            settle();
            resolve(event);
            return;
          }
          this.#guard(() => this.#onEvent(event));
        }),
      );
      this.#cleanups.push(
        signaling.onClose((error) => {
          settle();
          reject(error);
          this.#guard(() => this.#onSignalingLost(error));
        }),
      );
    });
  }

  async #bindSockets(): Promise<void> {
    const factory = this.#options.socketFactory ?? createNodeUdpSocketFactory();
    const bind4 = factory.bind({ type: 'udp4', address: this.#options.bindAddress ?? '0.0.0.0', port: this.#options.port ?? 0 });
    const bind6 = this.#options.ipv6 ? factory.bind({ type: 'udp6', address: this.#options.bindAddress6 ?? '::' }) : undefined;
    const [v4, v6] = await Promise.allSettled([bind4, bind6]);
    if (v4.status === 'fulfilled') this.#socket = this.#attach(v4.value);
    if (v6.status === 'fulfilled' && v6.value) this.#socket6 = this.#attach(v6.value);
    if (this.#isClosed()) {
      await Promise.allSettled([this.#socket?.close(), this.#socket6?.close()]);
      throw closedError();
    }
    if (v4.status === 'rejected') {
      const reason = v4.reason as Error;
      throw new PunchthroughError('SOCKET_UNAVAILABLE', `cannot bind the game socket: ${reason.message}`, { cause: reason });
    }
    if (v6.status === 'rejected') this.#logger.warn({ err: v6.reason as Error }, 'IPv6 socket unavailable; IPv4 only');
  }

  #attach(socket: UdpSocket): UdpSocket {
    this.#cleanups.push(socket.onMessage((data, from) => this.#guard(() => this.#onDatagram(data, from))));
    this.#cleanups.push(socket.onError((error) => this.#logger.debug({ err: error }, 'game socket error')));
    return socket;
  }

  /** Binds at the relay in the background; resolves (never rejects) when bound or failed. */
  #openRelay(started: StartEvent): Promise<void> {
    const grant = started.relay;
    const create = this.#deps.createRelay;
    if (!grant || !create || !this.#socket) return Promise.resolve();
    this.#relayEndpoint = toEndpoint(grant.endpoint);
    const relay = create({
      socket: this.#socket,
      relay: grant.endpoint,
      ticket: grant.ticket,
      clock: this.#clock,
      logger: this.#logger,
    });
    this.#relay = relay;
    this.#cleanups.push(relay.onMessage((fromActor, payload) => this.#guard(() => this.#onRelayed(fromActor, payload))));
    return relay.bind().catch((error: unknown) => {
      // Attempts that would go through a relay nobody can reach stay direct instead.
      this.#relayFailed = true;
      this.#logger.warn({ err: error }, 'relay bind failed; direct paths only');
    });
  }

  /** Steps 9–10: the reflexive address from the first STUN server that answers. */
  /**
   * Steps 9–10: the reflexive address from the first STUN server that answers, with RFC 5780
   * behaviour discovery first when `discoverNat` is on (it learns the same address on the way;
   * a server without an alternate address falls back to the plain Binding request).
   */
  async #stun(started: StartEvent): Promise<{ reflexive: UdpEndpoint; natType?: NatType } | undefined> {
    const probe = this.#deps.stunBinding;
    const socket = this.#socket;
    if (!probe || !socket) return undefined;
    const servers = this.#options.stunServers
      ? this.#options.stunServers.flatMap((text) => parseEndpoint(text) ?? [])
      : started.stunServers.map(toEndpoint);
    const options = { clock: this.#clock, signal: this.#abort.signal };
    const discover = this.#options.discoverNat ? this.#deps.discoverNat : undefined;
    for (const server of servers.filter((s) => s.family === 'IPv4')) {
      if (discover) {
        try {
          const found = await discover(socket, server, options);
          return { reflexive: asEndpoint(found.mappedAddress), natType: NAT_TYPE_NAMES[found.natType] };
        } catch (error) {
          if (this.#isClosed()) throw closedError();
          this.#logger.info({ err: error, server }, 'NAT behaviour discovery unavailable; plain Binding request');
        }
      }
      try {
        return { reflexive: asEndpoint(await probe(socket, server, options)) };
      } catch (error) {
        if (this.#isClosed()) throw closedError();
        this.#logger.warn({ err: error, server }, 'STUN server did not answer');
      }
    }
    return undefined;
  }

  /** Client mode: links exist only once running, so no connection can precede this call. */
  /** Waits for `promise` (which never rejects), but no longer than `ms` on the runner's clock. */
  #atMost(promise: Promise<void>, ms: number): Promise<void> {
    let timer: TimerHandle | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = this.#clock.setTimeout(resolve, ms);
    });
    return Promise.race([promise, limit]).finally(() => this.#clock.clearTimeout(timer));
  }

  #whenConnected(): Promise<PeerConnectedEvent> {
    const promise = new Promise<PeerConnectedEvent>((resolve, reject) => {
      this.#connected = { resolve, reject };
    });
    // The schedule's clock starts with the server's addresses; a server that never reports
    // them (its start stalled) must not leave the client waiting forever.
    if (this.#peers.size === 0) {
      const waitMs = this.#options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
      const timer = this.#clock.setTimeout(() => {
        if (this.#peers.size > 0 || !this.#connected) return;
        this.#progress('connect', 6, undefined, undefined, { code: 'CONNECT_TIMEOUT' });
        this.#connected.reject(new PunchthroughError('CONNECT_TIMEOUT', `the server's addresses did not arrive within ${waitMs} ms`));
        this.#connected = undefined;
      }, waitMs);
      this.#cleanups.push(() => this.#clock.clearTimeout(timer));
      promise.finally(() => this.#clock.clearTimeout(timer)).catch(() => undefined);
    }
    return promise;
  }

  // ------------------------------------------------------------------ cloud events

  #onEvent(event: Event): void {
    switch (event.type) {
      case EventType.PEER_ADDRESSES:
        if (this.#phase === 'running') this.#onPeerAddresses(event, this.#clock.now());
        else if (this.#early.length < MAX_EARLY_ADDRESS_EVENTS) this.#early.push({ event, at: this.#clock.now() });
        else this.#logger.warn({ peerId: event.peerId }, 'too many address events before the start finished; dropped');
        return;
      case EventType.PEER_LEFT: {
        // A connected pair carries on: its own keepalives and goodbye decide (the signaling
        // connection may drop while the game connection is fine).
        const entry = this.#peers.get(event.peerId);
        if (entry && !entry.link.core.connected) this.#forget(entry);
        return;
      }
      case EventType.SESSION_CLOSED:
        this.#onSessionClosed(event);
        return;
      default:
        return;
    }
  }

  #drainEarly(): void {
    for (const { event, at } of this.#early.splice(0)) this.#onPeerAddresses(event, at);
  }

  /** Connection steps 1 (client: the server's addresses) and 2 (server: a client's). */
  #onPeerAddresses(event: PeerAddressesEvent, at: number): void {
    const self = this.#self;
    if (!self || this.#sessionClosed) return;
    const wanted = self.mode === 'client' ? 'server' : 'client';
    if (event.mode !== wanted || event.actor === self.actor) return;
    const ipv6 = Boolean(this.#socket6);
    const usable = (c: UdpEndpoint) => c.family === 'IPv4' || ipv6;
    const reflexive = event.reflexive ? [toEndpoint(event.reflexive)].filter(usable) : [];
    // A link keeps MAX_ANNOUNCED_CANDIDATES: a host with many interfaces must not crowd out its reflexive address.
    const local = event.local.map(toEndpoint).filter(usable).slice(0, MAX_ANNOUNCED_CANDIDATES - reflexive.length);
    const candidates = [...local, ...reflexive];
    const contact = { actor: event.actor, candidates, pairSecret: event.pairSecret };
    const existing = this.#peers.get(event.peerId);
    // The same pair (same secret) only gains candidates; a new secret (the peer rejoined) is a
    // new pair, unless the old one is still connected and carries on.
    if (existing && (existing.link.sealer.hasSecret(event.pairSecret) || existing.link.core.connected)) {
      existing.link.update(contact);
      this.#tick();
      return;
    }
    if (existing) this.#forget(existing);
    const link =
      self.mode === 'client'
        ? new ClientLink({
            self: self.actor,
            server: contact,
            startedAt: at,
            schedule: this.#schedule,
            timing: this.#timing,
            relayAvailable: this.#relay !== undefined && !this.#relayFailed,
            counterBase: this.#deps.randomNonce(),
            ...this.#takeSpareKey(),
          })
        : new ServerLink({
            self: self.actor,
            client: contact,
            learnedAt: at,
            schedule: this.#schedule,
            timing: this.#timing,
            counterBase: this.#deps.randomNonce(),
            ...this.#takeSpareKey(),
          });
    const entry: PeerEntry = { peerId: event.peerId, actor: event.actor, link, addressesAt: at };
    const previous = this.#byActor.get(event.actor);
    if (previous) this.#forget(previous);
    this.#peers.set(entry.peerId, entry);
    this.#byActor.set(entry.actor, entry);
    this.#progress('connect', self.mode === 'client' ? 1 : 2, undefined, entry.peerId, {
      candidates: candidates.length,
    });
    if (self.mode === 'server' && !this.#schedule.forceRelay) this.#progress('connect', 7, undefined, entry.peerId);
    this.#tick();
    // The first pings are out: the next client's key pair is made while they travel.
    if (self.mode === 'server') this.#spareKey ??= generateEphemeral();
  }

  #takeSpareKey(): { ephemeral?: EphemeralKeyPair } {
    const ephemeral = this.#spareKey;
    this.#spareKey = undefined;
    return ephemeral ? { ephemeral } : {};
  }

  #onSignalingLost(error: PunchthroughError): void {
    if (this.#isClosed()) return;
    this.#logger.warn({ code: error.code, reason: error.message }, 'signaling connection lost; connected peers carry on');
    // A client that has not even learned the server's addresses cannot connect any more.
    if (this.#self?.mode === 'client' && this.#connected && this.#peers.size === 0) {
      this.#connected.reject(error);
      this.#connected = undefined;
      return;
    }
    // Before then, startGame rejects with the error; once running, the game hears it here.
    if (this.#phase === 'running') this.#emit('signalingLost', { code: error.code, message: error.message });
  }

  /**
   * The cloud closed this runner's session (the server left or dropped, the session emptied, the
   * cloud shut down): every connected peer is told `sessionClosed` at once rather than after the
   * peer timeout, each link says goodbye and stops, and no more game traffic goes out for it.
   */
  #onSessionClosed(event: CloudSessionClosed): void {
    const self = this.#self;
    if (!self) {
      this.#closedBeforeJoined ??= event;
      return;
    }
    if (event.sessionId !== self.sessionId || this.#sessionClosed) return;
    this.#sessionClosed = true;
    this.#logger.info({ reason: event.reason }, 'the cloud closed the session');
    this.#early.length = 0;
    for (const entry of [...this.#peers.values()]) {
      const connected = entry.link.core.connected;
      this.#carryOut(entry, entry.link.close());
      this.#forget(entry);
      if (connected) this.#emit('peerDisconnected', { peerId: entry.peerId, reason: DisconnectReason.SESSION_CLOSED });
    }
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = undefined;
    this.#relay?.close();
    this.#connected?.reject(sessionClosedError(event));
    this.#connected = undefined;
    this.#emit('sessionClosed', { sessionId: event.sessionId, reason: event.reason });
  }

  // ------------------------------------------------------------------ datagrams

  #onDatagram(data: Buffer, from: UdpEndpoint): void {
    if (this.#relay?.isFromRelay(from)) return;
    if (!looksLikePeerPacket(data)) {
      if (!this.#deps.looksLikeStun(data)) this.#drops.notPeerPacket++;
      return;
    }
    this.#deliver(data, { path: 'direct', endpoint: from }, undefined);
  }

  #onRelayed(fromActor: number, payload: Uint8Array): void {
    this.#deliver(payload, { path: 'relay' }, fromActor);
  }

  /** Routes sealed bytes to their pair's link by the clear header; the link opens them. */
  #deliver(bytes: Uint8Array, via: Via, relayedFrom: number | undefined): void {
    const read = readHeader(bytes);
    if (!read.ok) {
      this.#drops.malformed++;
      return;
    }
    const header = read.header;
    const entry = this.#byActor.get(header.from);
    // Through the relay, the sender is who the relay says it is, whatever the packet claims.
    if (!entry || header.to !== this.#self?.actor || (relayedFrom !== undefined && relayedFrom !== header.from)) {
      this.#drops.unknownPeer++;
      return;
    }
    this.#carryOut(entry, entry.link.receive(bytes, via, this.#clock.now()));
    this.#reschedule();
  }

  // ------------------------------------------------------------------ timer and outputs

  /** Polls every link at `now`, carries out what they decided, and re-arms the one timer. */
  #tick(): void {
    if (this.#phase !== 'running') return;
    const now = this.#clock.now();
    for (const entry of [...this.#peers.values()]) this.#carryOut(entry, entry.link.poll(now));
    this.#reschedule();
  }

  #reschedule(): void {
    if (this.#phase !== 'running') return;
    let due: number | undefined;
    for (const entry of this.#peers.values()) {
      const next = entry.link.nextDeadline();
      if (next !== undefined && (due === undefined || next < due)) due = next;
    }
    if (due === this.#timerDue && this.#timer) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = due;
    if (due === undefined) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerDue = undefined;
      this.#guard(() => this.#tick());
    }, Math.max(0, due - this.#clock.now()));
  }

  #carryOut(entry: PeerEntry, outputs: LinkOutput[]): void {
    for (const output of outputs) {
      switch (output.type) {
        case 'send':
          this.#sendVia(entry, output.via, output.bytes);
          break;
        case 'attempt':
          this.#onAttempt(entry, output.n, output.path);
          break;
        case 'learned':
          this.#logger.debug({ peerId: entry.peerId, endpoint: output.endpoint }, 'peer-reflexive candidate');
          break;
        case 'connected':
          this.#onConnected(entry, output.via, output.rttMs, output.attempt);
          break;
        case 'pathChanged':
          this.#emit('pathChanged', { peerId: entry.peerId, path: output.via.path, remote: this.#remote(output.via) });
          break;
        case 'dropped':
          this.#drops[output.reason]++;
          break;
        case 'failed':
          this.#onFailed(entry, output.code);
          break;
        case 'disconnected':
          this.#forget(entry);
          this.#emit('peerDisconnected', { peerId: entry.peerId, reason: output.reason });
          break;
        case 'message':
          this.#emit('message', { peerId: entry.peerId, data: output.data });
          break;
      }
    }
  }

  #sendVia(entry: PeerEntry, via: Via, bytes: Uint8Array): void {
    if (via.path === 'relay') {
      this.#relay?.send(entry.actor, bytes);
      return;
    }
    const socket = via.endpoint.family === 'IPv6' ? this.#socket6 : this.#socket;
    socket?.send(bytes, via.endpoint.port, via.endpoint.address);
  }

  #onAttempt(entry: PeerEntry, n: number, path: ConnectPath): void {
    const ms = this.#clock.now() - entry.addressesAt;
    // Connection steps 3 (direct) and 4 (through the cloud's relay), announced when each begins.
    const firstOfPath = n === 0 || (path === 'relay' && n === directAttemptCount(this.#schedule));
    if (firstOfPath) this.#progress('connect', path === 'direct' ? 3 : 4, undefined, entry.peerId, { attempt: n });
    this.#emit('attempt', { peerId: entry.peerId, n, path, ms });
  }

  #onConnected(entry: PeerEntry, via: Via, rttMs: number | undefined, attempt: number): void {
    const now = this.#clock.now();
    const event = this.#connectedEvent(entry, via, rttMs, attempt, now - entry.addressesAt);
    const client = this.#self?.mode === 'client';
    const step = via.path === 'direct' ? 8 : client ? 11 : 10;
    this.#progress('connect', step, undefined, entry.peerId, { attempt });
    this.#emit('peerConnected', event);
    if (!client) return;
    // The cloud keeps a histogram of connect time by path.
    this.#signaling
      ?.request({ type: RequestType.CONNECTED, peerId: entry.peerId, path: via.path, ms: Math.max(0, Math.round(event.ms)) })
      .catch((error: unknown) => this.#logger.debug({ err: error }, 'connect report not delivered'));
    this.#connected?.resolve(event);
    this.#connected = undefined;
  }

  #onFailed(entry: PeerEntry, code: 'CONNECT_TIMEOUT'): void {
    // Connection step 6: the client stops trying and shuts its network operations down.
    this.#progress('connect', 6, undefined, entry.peerId, { code });
    const message = `no accept from the server after ${this.#schedule.attemptsLimit} attempts (${this.#schedule.attemptsLimit * this.#schedule.attemptIntervalMs} ms)`;
    this.#forget(entry);
    this.#connected?.reject(new PunchthroughError(code, message));
    this.#connected = undefined;
  }

  #connectedEvent(entry: PeerEntry, via: Via, rttMs: number | undefined, attempt: number, ms: number): PeerConnectedEvent {
    return {
      peerId: entry.peerId,
      actor: entry.actor,
      path: via.path,
      remote: this.#remote(via),
      rttMs,
      attempt,
      ms,
      sinceStartMs: this.#clock.now() - this.#startedAt,
    };
  }

  /** A fresh plain endpoint for events (the socket's sender info may carry more fields). */
  #remote(via: Via): UdpEndpoint {
    if (via.path === 'direct') return { address: via.endpoint.address, port: via.endpoint.port, family: via.endpoint.family };
    return this.#relayEndpoint ?? { address: '0.0.0.0', port: 0, family: 'IPv4' };
  }

  #forget(entry: PeerEntry): void {
    if (this.#peers.get(entry.peerId) === entry) this.#peers.delete(entry.peerId);
    if (this.#byActor.get(entry.actor) === entry) this.#byActor.delete(entry.actor);
  }

  #progress(flow: ProgressFlow, step: number, name: string | undefined, peerId?: string, detail?: Record<string, unknown>): void {
    const atMs = this.#clock.now();
    const event: ProgressEvent = {
      flow,
      step,
      name: name ?? CONNECT_STEPS[step] ?? `step${step}`,
      atMs,
      sinceStartMs: atMs - this.#startedAt,
      ...(peerId !== undefined ? { peerId } : {}),
      ...(detail !== undefined ? { detail } : {}),
    };
    this.#logger.debug(event, 'progress');
    this.#emit('progress', event);
  }

  /** Emits without letting a throwing listener unwind into socket or timer callbacks. */
  #emit<K extends keyof NetworkRunnerEvents>(name: K, ...args: NetworkRunnerEvents[K]): void {
    try {
      (this.emit as (event: K, ...rest: NetworkRunnerEvents[K]) => boolean)(name, ...args);
    } catch (error) {
      this.#logger.error({ err: error, event: name }, 'event listener threw');
    }
  }

  /** Socket, relay, timer and signaling callbacks run through here: nothing escapes as an uncaught error. */
  #guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.#logger.error({ err: error }, 'runner callback failed');
    }
  }

  #ensureRunning(): void {
    if (this.#isClosed()) throw closedError();
    if (this.#sessionClosed) throw new PunchthroughError('SESSION_CLOSED', 'the cloud closed the session during the start');
  }

  /** A method, not a field read, so TypeScript does not narrow the phase across awaits. */
  #isClosed(): boolean {
    return this.#phase === 'closed';
  }
}

/** RFC 5780 discovery's names → the signaling protocol's. */
const NAT_TYPE_NAMES: Record<NatBehavior['natType'], NatType> = {
  'open-internet': 'open',
  'full-cone': 'fullCone',
  'restricted-cone': 'restrictedCone',
  'port-restricted-cone': 'portRestrictedCone',
  symmetric: 'symmetric',
};

function asEndpoint(seen: { address: string; port: number }): UdpEndpoint {
  return { address: seen.address, port: seen.port, family: familyOf(seen.address) };
}

function sessionClosedError(event: CloudSessionClosed): PunchthroughError {
  return new PunchthroughError('SESSION_CLOSED', `the session closed (${event.reason})`);
}

function closedError(): PunchthroughError {
  return new PunchthroughError('RUNNER_CLOSED', 'the runner was shut down');
}

function asPunchthroughError(error: unknown): PunchthroughError {
  if (isPunchthroughError(error)) return error;
  return new PunchthroughError('CLOUD_UNREACHABLE', error instanceof Error ? error.message : String(error), { cause: error });
}

function checkSize(data: Uint8Array): void {
  if (data.length > MAX_DATA_BYTES) {
    throw new PunchthroughError('INVALID_REQUEST', `a game update is at most ${MAX_DATA_BYTES} bytes, got ${data.length}`);
  }
}
