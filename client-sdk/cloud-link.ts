/**
 * The cloud connection manager: once the runner is running, a lost signaling connection is
 * announced (`cloudConnectionLost`) and reconnected with exponential backoff and jitter; the
 * runner rejoins as the same actor (REJOIN), or, a host whose session the cloud lost (a
 * restart), re-establishes it (RESTORE); a client whose session is gone waits for its host to
 * restore it. Game traffic never waits on any of it: links, keepalives and messages run on the
 * game socket. Why and how: docs/protocols.md, "Cloud loss and rejoin"; docs/sdk.md, "Cloud
 * connection loss".
 */
import { isPunchthroughError, type PunchthroughError, type Clock, type Logger, type TimerHandle } from '../core/index.js';
import { RequestType, type JoinResult, type StartEvent } from '../src/protocol/index.js';
import { restoreTokenOf, type RestoreState } from './cloud-restore.js';
import type { Emit } from './peer-driver.js';
import { closeCodeOf, type Signaling } from './signaling.js';
import type { CloudReconnectOptions, ShutdownEvent } from './types.js';

/** The resolved {@link CloudReconnectOptions}. */
export type ReconnectSettings = Required<CloudReconnectOptions>;

export interface CloudLinkHooks {
  emit: Emit;
  /** The runner is shut down (or shutting down). */
  stopped(): boolean;
  /** Opens a new signaling connection (with its hello). */
  connect(): Promise<Signaling>;
  /** Makes `signaling` the runner's connection and routes its events; resolves with its start event. */
  adopt(signaling: Signaling): { start: Promise<StartEvent>; dispose(): void };
  /** Back in the session: this runner's place (`result`) and relay grant (`start`). */
  rejoined(result: JoinResult, start: StartEvent): void;
  /** Host: the connected clients' peer ids and, for each, its actor and the pair secret in use. */
  pairs(): { peerIds: string[]; secretFor(peerId: string): { actor: number; secret: Uint8Array } | undefined };
  shutdown(event: ShutdownEvent): void;
  /** Uniform in [0, 1): the jitter. */
  random(): number;
}

/** The WebSocket close code of a cloud node restarting, draining or fencing itself (RFC 6455 "Service Restart"). */
const SERVICE_RESTART_CLOSE_CODE = 1012;

/** Codes that say the cloud answered but has no session (or no place) for this runner. */
const GONE = new Set(['SESSION_NOT_FOUND', 'REJOIN_NOT_FOUND']);

export class CloudLink {
  #reconnecting = false;
  #timer: TimerHandle | undefined;
  #wake: (() => void) | undefined;

  constructor(
    private readonly env: { clock: Clock; logger: Logger },
    private readonly settings: ReconnectSettings,
    private readonly state: RestoreState,
    private readonly hooks: CloudLinkHooks,
  ) {}

  /** Whether a reconnect is under way. */
  get reconnecting(): boolean {
    return this.#reconnecting;
  }

  /** The signaling connection was lost while running: announce it and, if enabled, come back. */
  lost(error: PunchthroughError): void {
    if (this.#reconnecting || this.hooks.stopped()) return;
    const reconnecting = this.settings.enabled && this.state.joined !== undefined;
    this.hooks.emit('cloudConnectionLost', { reason: error.message, code: error.code, reconnecting });
    if (!reconnecting) return;
    this.#reconnecting = true;
    // 1012: the node is restarting or fenced and the session lives on in the shared store; any
    // other node takes the rejoin now, so the first try does not wait.
    const atOnce = closeCodeOf(error) === SERVICE_RESTART_CLOSE_CODE;
    this.#run(atOnce).catch((thrown: unknown) => {
      // Never left half-way: a reconnect that broke ends the runner rather than leaving it deaf.
      this.env.logger.error({ err: thrown }, 'cloud reconnect failed');
      this.#reconnecting = false;
      this.#giveUp('error', 'CLOUD_UNREACHABLE', `reconnecting to the cloud failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
    });
  }

  /** Stops waiting (shutdown). */
  stop(): void {
    this.env.clock.clearTimeout(this.#timer);
    this.#wake?.();
  }

  async #run(atOnce: boolean): Promise<void> {
    const { clock } = this.env;
    const since = clock.now();
    let missingSince: number | undefined;
    for (let attempt = 0; ; attempt++) {
      await this.#sleep(atOnce && attempt === 0 ? 0 : this.#delay(attempt));
      if (this.hooks.stopped()) return;
      if (clock.now() - since >= this.settings.timeoutMs) {
        return this.#giveUp('cloudTimeout', 'CLOUD_UNREACHABLE', `no cloud connection for ${this.settings.timeoutMs} ms`);
      }
      const outcome = await this.#attempt();
      if (outcome === 'done' || this.hooks.stopped()) return;
      if (outcome === 'missing') {
        missingSince ??= clock.now();
        if (clock.now() - missingSince >= this.settings.restoreWaitMs) {
          return this.#giveUp('gameClosed', 'SESSION_NOT_FOUND', `the cloud lost the session and its host did not restore it within ${this.settings.restoreWaitMs} ms`);
        }
      } else if (outcome !== 'retry') {
        return this.#giveUp('gameClosed', outcome.code, outcome.message);
      }
    }
  }

  /** One reconnect: connect, rejoin (or restore), wait for the start. */
  async #attempt(): Promise<'done' | 'retry' | 'missing' | PunchthroughError> {
    let signaling: Signaling;
    try {
      signaling = await this.hooks.connect();
    } catch (error) {
      this.env.logger.debug({ err: error }, 'cloud reconnect: no connection yet');
      return 'retry';
    }
    if (this.hooks.stopped()) {
      await signaling.close();
      return 'retry';
    }
    const adopted = this.hooks.adopt(signaling);
    adopted.start.catch(() => undefined);
    try {
      const { result, how } = await this.#enter(signaling);
      const start = await adopted.start;
      if (this.hooks.stopped()) return 'done';
      this.#reconnecting = false;
      this.hooks.rejoined(result, start);
      if (this.state.report) {
        signaling.request(this.state.report).catch((error: unknown) => this.env.logger.debug({ err: error }, 'addresses not re-reported'));
      }
      this.hooks.emit('cloudConnectionRestored', { how, sessionId: result.session.sessionId, actor: result.actor });
      return 'done';
    } catch (error) {
      adopted.dispose();
      await signaling.close();
      if (!isPunchthroughError(error)) throw error;
      this.env.logger.info({ code: error.code, message: error.message }, 'cloud reconnect: not back yet');
      if (error.code === 'SESSION_NOT_FOUND') return 'missing';
      if (GONE.has(error.code) || error.code === 'SESSION_EXISTS' || error.code === 'SESSION_CLOSED') return error;
      return 'retry';
    }
  }

  /** REJOIN as the same actor; a host whose session is gone restores it. */
  async #enter(signaling: Signaling): Promise<{ result: JoinResult; how: 'resumed' | 'rejoined' | 'restored' }> {
    const joined = this.state.joined!;
    const self = { sessionId: joined.session.sessionId, actor: joined.actor, name: joined.session.name };
    const pairs = joined.mode === 'client' ? this.hooks.pairs() : undefined;
    const server = pairs?.peerIds.map((peerId) => pairs.secretFor(peerId)).find((pair) => pair !== undefined);
    try {
      const result = await signaling.request({
        type: RequestType.REJOIN,
        sessionId: self.sessionId,
        actor: self.actor,
        rejoinToken: joined.rejoinToken,
        sessionName: self.name,
        ...(server ? { restoreToken: restoreTokenOf(server.secret) } : {}),
      });
      return { result, how: result.resumed ? 'resumed' : 'rejoined' };
    } catch (error) {
      if (joined.mode !== 'server' || !isPunchthroughError(error) || !GONE.has(error.code)) throw error;
      const { peerIds, secretFor } = this.hooks.pairs();
      const body = this.state.restoreRequest(peerIds, secretFor);
      if (!body) throw error;
      return { result: await signaling.request(body), how: 'restored' };
    }
  }

  #giveUp(reason: ShutdownEvent['reason'], code: PunchthroughError['code'], message: string): void {
    this.#reconnecting = false;
    this.env.logger.warn({ reason, code, message }, 'cloud reconnect: giving up');
    this.hooks.shutdown({ reason, code, message });
  }

  /** Exponential backoff with jitter: a wait between half and all of initial × 2^attempt, capped. */
  #delay(attempt: number): number {
    const { initialDelayMs, maxDelayMs } = this.settings;
    const full = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt, 30));
    return full / 2 + (full / 2) * this.hooks.random();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = this.env.clock.setTimeout(resolve, ms);
    });
  }
}
