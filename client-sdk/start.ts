/**
 * The start sequence of `startGame`, as docs/connection-process.md numbers it (creation steps
 * 1–11 for a server, joining steps 1–11 for a client, each announced as a `progress` event):
 * connect signaling → create or join → the cloud's start → game socket(s) → local addresses →
 * relay binding → STUN → report the addresses → (client) connect to the server.
 */
import { PunchthroughError, type Clock, type NatReport, type TimerHandle, type UdpEndpoint } from '../core/index.js';
import { EventType, RequestType, type Event, type JoinResult, type NatType, type StartEvent } from '../src/protocol/index.js';
import { familyOf, localCandidates, toEndpoint, toWire } from './addresses.js';
import { createOptionsOf, enterAuto } from './auto-host.js';
import { RELAY_BIND_WAIT_MS, START_UNAVAILABLE_RETRY_MS } from './constants.js';
import { retryUnavailable } from './unavailable-retry.js';
import { START_STEP } from './steps.js';
import { checkStartOptions } from './validate-options.js';
import type { RunnerDeps, StunAnswer } from './deps.js';
import type { GameSocket } from './game-socket.js';
import type { ResolvedOptions } from './options.js';
import type { Progress } from './peer-driver.js';
import type { ReportedAddresses } from './reflexive-watch.js';
import type { Signaling } from './signaling.js';
import type { PeerConnectedEvent, RunnerWarningCode, StartGameOptions, StartGameResult } from './types.js';

/** What the start needs of the runner. */
export interface StartHost {
  readonly options: ResolvedOptions;
  readonly deps: RunnerDeps;
  readonly socket: GameSocket;
  /** Aborted at shutdown: pending STUN transactions stop. */
  readonly signal: AbortSignal;
  progress: Progress;
  /** Throws RUNNER_CLOSED after a shutdown, SESSION_CLOSED after the cloud closed the session. */
  ensureRunning(): void;
  isClosed(): boolean;
  /** Keeps the connection (closed at shutdown) and routes its events; resolves with the cloud's start event. */
  attach(signaling: Signaling): Promise<StartEvent>;
  /** The create/join reply: this runner's place in the session. */
  joined(result: JoinResult): void;
  /** Step 10 guessed the NAT type (`open` or `unknown`): `runner.natType` from now on. */
  setNatType(natType: NatType): void;
  /** Background discovery measured the NAT (after the start's report): reported again, `natTypeDiscovered`. */
  natDiscovered(report: NatReport): void;
  /** Something the game can act on went wrong without failing the start (`warning`). */
  warn(code: RunnerWarningCode, message: string): void;
  /** The start is done: links run and the address events held back meanwhile are applied. */
  running(): void;
  /** Client: resolves once connected to the server. */
  whenConnected(): Promise<PeerConnectedEvent>;
  /** Makes the first link's key pair while the start waits on the network. */
  prepareKey(): void;
  /** Step 11 reported these addresses (kept to report them again after a NAT rebinding). */
  reported(addresses: ReportedAddresses): void;
}

export async function startSequence(host: StartHost, game: StartGameOptions): Promise<StartGameResult> {
  checkStartOptions(game);
  const { options } = host;
  // autoHostOrClient reports the joining flow's steps: it learns whether it hosts from the reply.
  const flow = game.mode === 'server' ? 'create' : 'join';
  const step = (n: number, detail?: Record<string, unknown>): void => host.progress(flow, n, undefined, detail);
  step(START_STEP.startGame, { mode: game.mode });
  // The game socket binds while the cloud answers: it is needed by `runnerStarted`.
  const sockets = host.socket.bind(() => host.isClosed());
  sockets.catch(() => undefined);
  const signaling = await options.connectSignaling(options.signaling);
  if (host.isClosed()) {
    await signaling.close();
    throw new PunchthroughError('RUNNER_CLOSED', 'the runner was shut down');
  }
  // Awaited only after the create/join reply: a connection lost before then rejects both, and
  // the reply's rejection is the one startGame reports.
  const started = host.attach(signaling);
  started.catch(() => undefined);
  step(START_STEP.enter, game.sessionName === undefined ? {} : { sessionName: game.sessionName });
  const { clock } = options.env;
  const { initialDelayMs, maxDelayMs } = options.cloudReconnect;
  const retry = { clock, random: Math.random, initialDelayMs, maxDelayMs, budgetMs: START_UNAVAILABLE_RETRY_MS };
  const joined = await retryUnavailable(retry, () => enter(signaling, game));
  host.joined(joined);
  host.ensureRunning();
  step(START_STEP.entered, { sessionName: joined.session.name, actor: joined.actor });
  // Steps 4–5 ride on the same round trip: the create/join request carries the session's custom
  // properties (server) or registers the client.
  step(START_STEP.joinRequest, { merged: true });
  step(START_STEP.joinAcknowledged, { merged: true });
  const start = await started;
  step(START_STEP.startRequested);
  await sockets;
  host.ensureRunning();
  const v4 = host.socket.v4!;
  step(START_STEP.runnerStarted, { socket: v4.address() });
  const local = localCandidates({ v4: v4.address(), v6: host.socket.v6?.address() }, options.sockets.ipv6, options.localAddresses);
  step(START_STEP.localAddresses, { local });
  host.prepareKey();
  const relayBound = host.socket.openRelay(start.relay);
  step(START_STEP.stunRequest);
  const stun = await reflexiveAddress(host, start);
  const reflexive = stun?.reflexive;
  const natType = reflexive && local.some((l) => l.address === reflexive.address && l.port === reflexive.port) ? 'open' : 'unknown';
  host.setNatType(natType);
  step(START_STEP.reflexiveAddress, reflexive ? { reflexive, natType } : { error: 'STUN_TIMEOUT' });
  if (!reflexive) warnNoReflexive(host, game.mode);
  // The relay should be bound before a peer's relay attempts arrive; a slow bind goes on in the
  // background rather than hold up the start.
  await atMost(options.env.clock, relayBound, RELAY_BIND_WAIT_MS);
  host.ensureRunning();
  await signaling.request({
    type: RequestType.REPORT_ADDRESSES,
    local: local.map(toWire),
    ...(reflexive ? { reflexive: toWire(reflexive) } : {}),
    natType,
  });
  host.ensureRunning();
  host.reported({ local, reflexive, natType, stunServers: options.stunServers ?? start.stunServers.map(toEndpoint) });
  step(START_STEP.addressesReported);
  host.running();
  // Beside the game, never before it: the answer is reported again when it comes.
  if (stun && options.discoverNat) discoverInBackground(host, stun.server, stun.first);
  const result: StartGameResult = {
    mode: joined.mode,
    sessionName: joined.session.name,
    sessionId: joined.session.sessionId,
    actor: joined.actor,
    peerId: joined.peerId,
    local,
    reflexive,
    ...(options.signaling.auth?.authenticated ? { authenticated: options.signaling.auth.authenticated } : {}),
  };
  if (joined.mode === 'server') return result;
  return { ...result, server: await host.whenConnected() };
}

/** Creation or joining step 2: create the session (server), or join it by name or at random. */
function enter(signaling: Signaling, game: StartGameOptions): Promise<JoinResult> {
  if (game.mode === 'server') {
    return signaling.request({ type: RequestType.CREATE, ...(game.sessionName !== undefined ? { name: game.sessionName } : {}), ...createOptionsOf(game) });
  }
  const token = game.connectionToken === undefined ? {} : { connectionToken: game.connectionToken };
  if (game.mode === 'autoHostOrClient') return enterAuto(signaling, game, token);
  if (game.sessionName !== undefined) return signaling.request({ type: RequestType.JOIN, name: game.sessionName, ...token });
  return signaling.request({ type: RequestType.JOIN_RANDOM, ...(game.filter ? { filter: game.filter } : {}), ...token });
}

/**
 * Step 6: subscribes to the cloud's events and resolves with its start event, or rejects when it
 * does not come within the request timeout or the connection is lost. Every other event goes to
 * `onEvent`, a lost connection also to `onLost`. Returns the subscriptions' removers too.
 */
export function watchSignaling(
  signaling: Signaling,
  clock: Clock,
  timeoutMs: number,
  handlers: { onEvent(event: Event): void; onLost(error: PunchthroughError): void },
): { start: Promise<StartEvent>; cleanups: (() => void)[] } {
  const cleanups: (() => void)[] = [];
  const start = new Promise<StartEvent>((resolve, reject) => {
    let timer: TimerHandle | undefined = clock.setTimeout(() => {
      timer = undefined;
      reject(new PunchthroughError('CLOUD_UNREACHABLE', `the cloud did not start the runner within ${timeoutMs} ms`));
    }, timeoutMs);
    const settle = (): void => {
      clock.clearTimeout(timer);
      timer = undefined;
    };
    cleanups.push(settle);
    cleanups.push(
      signaling.onEvent((event) => {
        if (event.type !== EventType.START) return handlers.onEvent(event);
        settle();
        resolve(event);
      }),
    );
    cleanups.push(
      signaling.onClose((error) => {
        settle();
        reject(error);
        handlers.onLost(error);
      }),
    );
  });
  return { start, cleanups };
}

/**
 * Steps 9–10: the reflexive address from the first STUN server that answers (one Binding
 * transaction; NAT discovery runs after the start, from this answer).
 */
async function reflexiveAddress(
  host: StartHost,
  start: StartEvent,
): Promise<{ reflexive: UdpEndpoint; server: UdpEndpoint; first: StunAnswer } | undefined> {
  const { options, deps } = host;
  const probe = deps.stunBinding;
  const socket = host.socket.v4;
  if (!probe || !socket) return undefined;
  const servers = options.stunServers ?? start.stunServers.map(toEndpoint);
  const probeOptions = { clock: options.env.clock, signal: host.signal };
  for (const server of servers.filter((s) => s.family === 'IPv4')) {
    try {
      const first = await probe(socket, server, probeOptions);
      return { reflexive: asEndpoint(first), server, first };
    } catch (error) {
      if (host.isClosed()) throw new PunchthroughError('RUNNER_CLOSED', 'the runner was shut down');
      options.env.logger.warn({ err: error, server }, 'STUN server did not answer');
    }
  }
  return undefined;
}

/** Runs NAT discovery against `server` after the start; a failure leaves `natType` as the start set it. */
function discoverInBackground(host: StartHost, server: UdpEndpoint, first: StunAnswer): void {
  const discover = host.deps.discoverNat;
  const socket = host.socket.v4;
  if (!discover || !socket) return;
  discover(socket, server, { clock: host.options.env.clock, signal: host.signal, first }).then(
    (report) => {
      if (!host.isClosed()) host.natDiscovered(report);
    },
    (error: unknown) => host.options.env.logger.info({ err: error, server }, 'NAT discovery did not finish'),
  );
}

/**
 * No server-reflexive address: peers outside this network can reach this runner only through
 * the relay, so the game hears it now rather than as a client's CONNECT_TIMEOUT later.
 */
function warnNoReflexive(host: StartHost, mode: StartGameOptions['mode']): void {
  const who = mode === 'server' ? 'clients outside this network can connect only through the relay' : 'the server can reach this client only through the relay';
  const why = host.deps.stunBinding ? 'no STUN server answered' : 'no STUN client';
  host.warn('NO_REFLEXIVE_ADDRESS', `no server-reflexive address (${why}): ${who}`);
}

/** Waits for `promise` (which never rejects), but no longer than `ms` on `clock`. */
function atMost(clock: Clock, promise: Promise<void>, ms: number): Promise<void> {
  let timer: TimerHandle | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = clock.setTimeout(resolve, ms);
  });
  return Promise.race([promise, limit]).finally(() => clock.clearTimeout(timer));
}

function asEndpoint(seen: { address: string; port: number }): UdpEndpoint {
  return { address: seen.address, port: seen.port, family: familyOf(seen.address) };
}

