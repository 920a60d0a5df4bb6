/**
 * NetworkRunner: the SDK game developers import. Server mode creates a session and accepts
 * clients; client mode joins one and connects to its server, directly or through the relay, as
 * docs/connection-process.md describes (creation or joining steps 1–11, announced as `progress`
 * events, then the connection process for every client–server pair).
 *
 * This is the facade: the public API and events. The parts: options.ts (options resolved once),
 * start.ts (the start sequence), game-socket.ts (sockets, relay, packet demultiplexing),
 * peer-driver.ts (the pairs and the one timer), cloud-events.ts (what the cloud says later).
 */
import { EventEmitter } from 'node:events';
import { PunchthroughError, type JsonValue } from '../core/index.js';
import { RequestType, type AuthData, type JoinResult, type NatType, type Properties, type StartEvent } from '../src/protocol/index.js';
import { CloudEvents } from './cloud-events.js';
import { CloudLink } from './cloud-link.js';
import { RestoreState, reportOf } from './cloud-restore.js';
import { Lobby } from './lobby.js';
import { SessionView } from './session-info.js';
import { DisconnectReason, MAX_DATA_BYTES, MAX_RELIABLE_MESSAGE_BYTES } from './constants.js';
import { defaultDeps, type RunnerDeps } from './deps.js';
import { GameSocket } from './game-socket.js';
import { toEndpoint } from './addresses.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import type { ConnectPath } from './peer/path.js';
import { PeerDriver } from './peer-driver.js';
import { ReflexiveWatch } from './reflexive-watch.js';
import { checkMessageSize } from './validate-options.js';
import type { Signaling } from './signaling.js';
import { startSequence, watchSignaling, type StartHost } from './start.js';
import { asPunchthroughError, closedError, shutdownEventOf } from './shutdown-reasons.js';
import { progressEvent } from './steps.js';
import type { ListSessionsOptions, LobbyOptions, RpcAnswer, RpcOptions, SessionInfo, SessionsAndLobby, SetSessionPropertiesOptions } from './types.js';
import { webRpc } from './web-rpc.js';
import type {
  NetworkRunnerEvents,
  NetworkRunnerOptions,
  PlayerInfo,
  ProgressFlow,
  ReliableCounters,
  RunnerDropCounters,
  SendOptions,
  ShutdownEvent,
  SignalingFrameCounters,
  StartGameOptions,
  StartGameResult,
} from './types.js';

type Phase = 'idle' | 'starting' | 'running' | 'closed';

export class NetworkRunner extends EventEmitter<NetworkRunnerEvents> implements SessionsAndLobby {
  readonly #options: ResolvedOptions;
  readonly #deps: RunnerDeps;
  readonly #socket: GameSocket;
  readonly #driver: PeerDriver;
  readonly #cloud: CloudEvents;
  readonly #watch: ReflexiveWatch;
  readonly #lobby: Lobby;
  readonly #session: SessionView;
  readonly #restore = new RestoreState();
  readonly #link: CloudLink;
  #phase: Phase = 'idle';
  #startedAt = 0;
  #signaling: Signaling | undefined;
  #natType: NatType = 'unknown';
  readonly #cleanups: (() => void)[] = [];
  #closing: Promise<void> | undefined;
  readonly #abort = new AbortController();

  /**
   * @param options see {@link NetworkRunnerOptions}; checked here (INVALID_OPTIONS).
   * @param deps internal seams for tests (scripted relay and STUN); leave out.
   */
  constructor(options: NetworkRunnerOptions, deps: Partial<RunnerDeps> = {}) {
    super();
    this.#deps = { ...defaultDeps(), ...deps };
    this.#options = resolveOptions(options);
    const emit = this.#emit.bind(this);
    const guard = this.#guard.bind(this);
    const progress = this.#progress.bind(this);
    this.#socket = new GameSocket(this.#options.env, this.#options.sockets, this.#deps, {
      packet: (bytes, via, relayedFrom) => this.#driver.receive(bytes, via, relayedFrom),
      relayError: (event) => emit('relayError', event),
      guard,
      relayRebinding: () => this.#watch.check(),
    });
    this.#cloud = new CloudEvents(this.#options.env, this.#options, {
      emit,
      progress,
      running: () => this.#phase === 'running',
      stopped: () => this.#isClosed(),
      closeRelay: () => this.#socket.closeRelay(),
      renewTicket: (ticket) => this.#socket.renewTicket(ticket),
      relayChanged: (event) => {
        this.#options.env.logger.info({ relay: event.relay.endpoint, reason: event.reason }, 'the session moved to another relay');
        void this.#socket.switchRelay(event.relay);
        emit('relayChanged', { endpoint: toEndpoint(event.relay.endpoint), reason: event.reason });
      },
      ipv6: () => this.#socket.v6 !== undefined,
      driver: () => this.#driver,
      request: (body) => this.#signaling?.request(body) ?? Promise.reject(new PunchthroughError('NOT_IN_SESSION', 'no signaling connection')),
      ended: (error) => void this.#shutdownFor(shutdownEventOf(error)),
    });
    this.#link = new CloudLink(this.#options.env, this.#options.cloudReconnect, this.#restore, {
      emit,
      stopped: () => this.#isClosed(),
      connect: () => this.#options.connectSignaling(this.#options.signaling),
      adopt: (signaling) => this.#adopt(signaling),
      rejoined: (result, start) => {
        this.#restore.entered(result);
        this.#cloud.joined(result);
        this.#session.joined(result);
        // The session may have moved to another relay while this runner was away from the cloud.
        if (start.relay) void this.#socket.renewGrant(start.relay);
      },
      pairs: () => this.#restore.pairsOf(this.#driver),
      shutdown: (event) => void this.#shutdownFor(event),
      random: Math.random,
    });
    this.#driver = new PeerDriver(
      this.#options.env,
      { ...this.#options, randomNonce: this.#deps.randomNonce },
      {
        send: (actor, via, bytes, ttl) => this.#socket.send(actor, via, bytes, ttl),
        natType: () => this.#natType,
        remote: (via) => this.#socket.remote(via),
        relayAvailable: () => this.#socket.relayAvailable,
        emit,
        progress,
        guard,
        connected: (event) => this.#cloud.connected(event, this.#signaling),
        pathChanged: (event, rttMs) => this.#cloud.pathChanged(event, rttMs, this.#signaling),
        failed: (code, message) => this.#cloud.rejectStart(new PunchthroughError(code, message)),
        selfReflexive: () => this.#watch.hasReflexive,
        fellBack: () => this.#watch.check(),
      },
    );
    this.#lobby = new Lobby(this.#options, emit);
    this.#session = new SessionView(emit);
    this.#watch = new ReflexiveWatch(this.#options.env, {
      stunBinding: this.#deps.stunBinding,
      socket: () => this.#socket.v4,
      signal: this.#abort.signal,
      request: (request) => ((this.#restore.report = request), this.#signaling?.request(request) ?? Promise.resolve()),
    });
  }

  /**
   * NAT type as far as this runner knows it: from RFC 5780 discovery with `discoverNat`;
   * otherwise `open` when STUN saw a local address, else `unknown`.
   */
  get natType(): NatType { return this.#natType; }

  /** The user id the cloud's custom authentication gave this runner (undefined before the start, or without it). */
  get userId(): string | undefined { return this.#options.signaling.auth?.authenticated?.userId; }

  /** The auth provider's Data for this runner (ResultCode 0 or 1), when it sent any. */
  get authData(): AuthData | undefined { return this.#options.signaling.auth?.authenticated?.data; }

  /** Datagrams dropped on the game socket, by reason. */
  get drops(): Readonly<RunnerDropCounters> { return { notPeerPacket: this.#socket.notPeerPacket, ...this.#driver.drops }; }

  /**
   * Signaling frames from the cloud this runner did not act on: `dropped` failed decoding or
   * validation (the connection carried on); `failed` threw while being handled and ended the
   * connection (at most 1). Zero before the connection opens; kept after it closes.
   */
  get signalingFrames(): Readonly<SignalingFrameCounters> {
    return { dropped: this.#signaling?.droppedFrames ?? 0, failed: this.#signaling?.failedFrames ?? 0 };
  }

  /** The path carrying traffic to a connected peer now (it follows `pathChanged`), or undefined when not connected. */
  connectionType(peerId: string): ConnectPath | undefined {
    const core = this.#driver.link(peerId)?.core;
    return core?.connected ? core.via?.path : undefined;
  }

  /** Smoothed round-trip time to a connected peer, ms. */
  rttMs(peerId: string): number | undefined { return this.#driver.link(peerId)?.core.rttMs; }

  /** Every member of the session this runner knows, itself first (Fusion's ActivePlayers: those `active`). */
  get players(): PlayerInfo[] { return this.#isClosed() ? [] : this.#cloud.players.list(); }

  /** Server mode: removes a player (Fusion's Disconnect(PlayerRef)); it shuts down with reason `kicked` and `message`. */
  disconnect(peerId: string, message?: string): Promise<void> { return this.#cloud.kick(peerId, message); }

  /** Peer ids of the connected peers (client mode: the server). */
  connectedPeers(): string[] { return this.#driver.connectedPeers(); }

  /**
   * Sends one unreliable game update to a connected peer, or with `{ reliable: true }` one
   * reliable, ordered message (docs/sdk.md, "Reliable messages"). Returns false when the peer is
   * not connected (reliable: or its send buffer is full). Throws INVALID_REQUEST for more than
   * {@link MAX_DATA_BYTES} bytes ({@link MAX_RELIABLE_MESSAGE_BYTES} reliable).
   */
  send(peerId: string, data: Uint8Array, options?: SendOptions): boolean {
    if (options?.reliable) return this.#driver.sendReliable(peerId, checkMessageSize(data, MAX_RELIABLE_MESSAGE_BYTES));
    checkMessageSize(data, MAX_DATA_BYTES);
    return this.#driver.send(peerId, data);
  }

  /** Sends a game update to every connected peer (server: every client). Returns how many took it. */
  broadcast(data: Uint8Array, options?: SendOptions): number {
    if (options?.reliable) return this.#driver.broadcastReliable(checkMessageSize(data, MAX_RELIABLE_MESSAGE_BYTES));
    checkMessageSize(data, MAX_DATA_BYTES);
    return this.#driver.broadcast(data);
  }

  /** What the reliable channels counted: messages, retransmissions, what they dropped. */
  get reliableStats(): Readonly<ReliableCounters> { return { ...this.#driver.reliable }; }

  // Sessions and lobby (documented on SessionsAndLobby in types.ts): lobby.ts, session-info.ts.
  get session(): SessionInfo | undefined {
    return this.#session.info;
  }
  listSessions(options?: ListSessionsOptions): Promise<SessionInfo[]> { return this.#lobby.list(options); }
  joinLobby(options?: LobbyOptions): Promise<SessionInfo[]> { return this.#lobby.join(options); }
  leaveLobby(): Promise<void> { return this.#lobby.leave(); }
  setSessionProperties(properties: Properties, options: SetSessionPropertiesOptions = {}): Promise<void> {
    return this.#session.change(this.#signaling, { properties, ...(options.expected ? { expected: options.expected } : {}), ...(options.forward ? { forward: true } : {}) });
  }
  setSessionOpen(open: boolean): Promise<void> { return this.#session.change(this.#signaling, { open }); }
  setSessionVisible(visible: boolean): Promise<void> { return this.#session.change(this.#signaling, { visible }); }
  rpc(path: string, params?: JsonValue, options: RpcOptions = {}): Promise<RpcAnswer> {
    return webRpc(this.#signaling ?? this.#lobby.connection(), path, params, options);
  }

  /**
   * Starts the game: server mode creates the session and resolves once its addresses are
   * reported (docs/connection-process.md, creation steps 1–11); client mode joins (joining steps
   * 1–11) and resolves once connected to the server, or rejects with CONNECT_TIMEOUT after the
   * attempts run out (its network operations are shut down then). Once per runner.
   */
  async startGame(options: StartGameOptions): Promise<StartGameResult> {
    if (this.#phase !== 'idle') throw new PunchthroughError('INVALID_REQUEST', 'startGame can be called once per runner');
    this.#phase = 'starting';
    this.#startedAt = this.#options.env.clock.now();
    try {
      return await startSequence(this.#startHost(), options);
    } catch (error) {
      // A kick, a refused connect request or the cloud closing the session names itself; a
      // shutdown during the start surfaces as RUNNER_CLOSED, whatever step it interrupted.
      const failure = this.#cloud.ended ?? (this.#isClosed() ? closedError() : asPunchthroughError(error));
      this.#options.env.logger.info({ code: failure.code, message: failure.message }, 'start failed');
      await this.#shutdownFor(shutdownEventOf(failure));
      throw failure;
    }
  }

  /**
   * Stops everything: says goodbye to connected peers, leaves the session, closes the relay
   * binding, the game socket(s), the timer and the signaling connection. A pending startGame
   * rejects. Idempotent.
   */
  shutdown(): Promise<void> { return this.#shutdownFor({ reason: 'ok', message: 'the game called shutdown()' }); }

  /** Shuts down once; the first caller's reason is the one the `shutdown` event carries. */
  #shutdownFor(event: ShutdownEvent): Promise<void> {
    this.#closing ??= this.#close().then(() => this.#emit('shutdown', event));
    return this.#closing;
  }

  async #close(): Promise<void> {
    const wasRunning = this.#phase !== 'idle';
    this.#phase = 'closed';
    this.#link.stop();
    this.#abort.abort(closedError());
    this.#driver.stop();
    this.#driver.closeAll(DisconnectReason.SHUTDOWN);
    this.#cloud.rejectStart(closedError());
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    const signaling = this.#signaling;
    // Best effort: the close right after tells the cloud anyway.
    if (signaling && this.#cloud.self) signaling.request({ type: RequestType.LEAVE }).catch(() => undefined);
    await Promise.allSettled([signaling?.close(), this.#socket.close(), this.#lobby.close()]);
    if (wasRunning) this.#options.env.logger.debug('runner shut down');
  }

  /** The start sequence's view of this runner. */
  #startHost(): StartHost {
    const options = this.#options;
    return {
      options,
      deps: this.#deps,
      socket: this.#socket,
      signal: this.#abort.signal,
      progress: this.#progress.bind(this),
      ensureRunning: () => {
        if (this.#isClosed()) throw closedError();
        if (this.#cloud.sessionClosed) throw new PunchthroughError('SESSION_CLOSED', 'the cloud closed the session during the start');
      },
      isClosed: () => this.#isClosed(),
      attach: (signaling) => this.#adopt(signaling).start,
      joined: (result: JoinResult) => {
        this.#restore.entered(result);
        this.#driver.joined({ actor: result.actor, role: result.mode }, this.#startedAt);
        this.#cloud.joined(result);
        this.#session.joined(result);
      },
      setNatType: (natType) => (this.#natType = natType),
      natDiscovered: (report) => {
        this.#natType = report.natType;
        this.#watch.natDiscovered(report);
        this.#driver.natTypeChanged();
        this.#emit('natTypeDiscovered', { natType: report.natType, mapping: report.mapping, filtering: report.filtering });
      },
      warn: (code, message) => this.#emit('warning', { code, message }),
      running: () => {
        this.#phase = 'running';
        this.#driver.run();
        this.#cloud.drainEarly();
      },
      whenConnected: () => this.#cloud.whenConnected(this.#cleanups),
      prepareKey: () => this.#driver.prepareKey(),
      reported: (addresses) => {
        this.#restore.report = reportOf(addresses);
        this.#watch.reported(addresses);
      },
    };
  }

  /** Makes `signaling` this runner's connection: its events to the cloud parts, its loss to the cloud link. */
  #adopt(signaling: Signaling): { start: Promise<StartEvent>; dispose(): void } {
    this.#signaling = signaling;
    const watch = watchSignaling(signaling, this.#options.env.clock, this.#options.requestTimeoutMs, {
      onEvent: (event) => this.#guard(() => (this.#restore.observe(event), this.#session.onEvent(event), this.#cloud.onEvent(event))),
      onLost: (error) => this.#guard(() => this.#link.reconnecting || (this.#cloud.onSignalingLost(error), this.#phase === 'running' && this.#link.lost(error))),
    });
    this.#cleanups.push(...watch.cleanups);
    return { start: watch.start, dispose: () => watch.cleanups.forEach((cleanup) => cleanup()) };
  }

  #progress(flow: ProgressFlow, step: number, peerId?: string, detail?: Record<string, unknown>): void {
    const event = progressEvent(flow, step, this.#options.env.clock.now(), this.#startedAt, peerId, detail);
    this.#options.env.logger.debug(event, 'progress');
    this.#emit('progress', event);
  }

  /** Emits without letting a throwing listener unwind into socket or timer callbacks. */
  #emit<K extends keyof NetworkRunnerEvents>(name: K, ...args: NetworkRunnerEvents[K]): void {
    try {
      (this.emit as (event: K, ...rest: NetworkRunnerEvents[K]) => boolean)(name, ...args);
    } catch (error) {
      this.#options.env.logger.error({ err: error, event: name }, 'event listener threw');
    }
  }

  /** Socket, relay, timer and signaling callbacks run through here: nothing escapes as an uncaught error. */
  #guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.#options.env.logger.error({ err: error }, 'runner callback failed');
    }
  }

  /** A method, not a field read, so TypeScript does not narrow the phase across awaits. */
  #isClosed(): boolean {
    return this.#phase === 'closed';
  }
}
