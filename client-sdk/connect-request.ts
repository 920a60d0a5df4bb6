/**
 * The server's connect-request gate (Fusion's OnConnectRequest): a client's addresses, with its
 * connection token, wait here until the game's `onConnectRequest` accepts it; only then does
 * the pair start (connection step 2 onwards of docs/connection-process.md), so no packet goes to
 * a client before it is accepted. A refusal asks the cloud to remove the client (KICK with
 * reason `connectRefused`). Without a callback every client passes at once.
 */
import { PunchthroughError, type Env, type TimerHandle } from '../core/index.js';
import type { PeerAddressesEvent } from '../src/protocol/index.js';
import { CONNECT_REQUEST_TIMEOUT_MS, MAX_CONNECTION_TOKEN_BYTES, MAX_KICK_MESSAGE_CHARS, MAX_PENDING_CONNECT_REQUESTS } from './constants.js';
import type { ConnectRequestDecision, ConnectRequestHandler } from './types.js';

export interface ConnectRequestHooks {
  /** Starts (or updates) the pair with these addresses. */
  apply(event: PeerAddressesEvent, at: number): void;
  /** Asks the cloud to remove the refused client. */
  refuse(actor: number, peerId: string, reason: string): void;
  /** The runner stopped or the session ended: no decision applies any more. */
  stopped(): boolean;
}

interface Pending {
  status: 'pending' | 'accepted' | 'refused';
  /** The newest addresses while undecided (a later report adds candidates). */
  latest: PeerAddressesEvent;
}

/** A verdict, whatever the game's callback returned. */
type Verdict = { accept: true } | { accept: false; reason: string };

export class ConnectRequests {
  /** By peer id; an entry lives until the client leaves or goes inactive (a rejoin asks again). */
  readonly #clients = new Map<string, Pending>();

  constructor(
    private readonly env: Pick<Env, 'clock' | 'logger'>,
    private readonly handler: ConnectRequestHandler | undefined,
    private readonly hooks: ConnectRequestHooks,
  ) {}

  /** A PEER_ADDRESSES event (server: about a client; client: about its server, which always passes). */
  addresses(event: PeerAddressesEvent, at: number): void {
    if (!this.handler || event.mode !== 'client') return this.hooks.apply(event, at);
    const known = this.#clients.get(event.peerId);
    if (known?.status === 'accepted') return this.hooks.apply(event, at);
    if (known) {
      // Undecided: keep the newest; refused: nothing more goes to it.
      if (known.status === 'pending') known.latest = event;
      return;
    }
    if (this.#clients.size >= MAX_PENDING_CONNECT_REQUESTS) {
      this.env.logger.warn({ peerId: event.peerId }, 'too many connect requests at once; this one is dropped');
      return;
    }
    const entry: Pending = { status: 'pending', latest: event };
    this.#clients.set(event.peerId, entry);
    void this.#decide(entry, event);
  }

  /** The client left or went inactive: a later return asks again. */
  forget(peerId: string): void {
    this.#clients.delete(peerId);
  }

  async #decide(entry: Pending, event: PeerAddressesEvent): Promise<void> {
    const verdict = await this.#ask(event);
    // The client left, rejoined (a new entry) or the runner stopped meanwhile: this answer is stale.
    if (this.#clients.get(event.peerId) !== entry || this.hooks.stopped()) return;
    if (verdict.accept) {
      entry.status = 'accepted';
      // The pair's schedule starts now: the time spent deciding is not its own.
      this.hooks.apply(entry.latest, this.env.clock.now());
      return;
    }
    entry.status = 'refused';
    this.env.logger.info({ peerId: event.peerId, reason: verdict.reason }, 'connect request refused');
    this.hooks.refuse(event.actor, event.peerId, verdict.reason);
  }

  /** The game's callback, bounded in time; a throw, a rejection or a timeout refuses. */
  async #ask(event: PeerAddressesEvent): Promise<Verdict> {
    const { clock, logger } = this.env;
    const token = event.connectionToken && event.connectionToken.length <= MAX_CONNECTION_TOKEN_BYTES ? event.connectionToken : undefined;
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(
        () => reject(new PunchthroughError('CONNECT_REFUSED', `onConnectRequest did not answer within ${CONNECT_REQUEST_TIMEOUT_MS} ms`)),
        CONNECT_REQUEST_TIMEOUT_MS,
      );
    });
    try {
      const answer = Promise.resolve().then(() => this.handler!({ peerId: event.peerId, actor: event.actor, token }));
      return verdictOf(await Promise.race([answer, timeout]));
    } catch (error) {
      logger.warn({ err: error, peerId: event.peerId }, 'onConnectRequest failed; the client is refused');
      return { accept: false, reason: 'the server could not decide on the connect request' };
    } finally {
      clock.clearTimeout(timer);
    }
  }
}

/** Reads the game's answer without trusting its shape: anything but an accept refuses. */
function verdictOf(answer: ConnectRequestDecision | unknown): Verdict {
  if (answer === true) return { accept: true };
  if (typeof answer === 'object' && answer !== null && 'accept' in answer) {
    if (answer.accept === true) return { accept: true };
    const reason = 'reason' in answer && typeof answer.reason === 'string' ? answer.reason.slice(0, MAX_KICK_MESSAGE_CHARS) : '';
    return { accept: false, reason };
  }
  return { accept: false, reason: '' };
}
