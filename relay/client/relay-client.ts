// The relay client: binds to the relay over a shared socket and sends and receives through it.
import {
  PunchthroughError,
  createRealClock,
  createSilentLogger,
  type Clock,
  type Logger,
  type TimerHandle,
  type UdpSocket,
} from '../../core/index.js';
import { DEFAULT_BIND_ATTEMPTS, DEFAULT_BIND_RETRY_INTERVAL_MS, DEFAULT_KEEPALIVE_INTERVAL_MS } from '../constants.js';
import { bindProof, decodeRelayFrame, encodeRelayFrame, splitTicket, type RelayErrorCode } from '../wire/index.js';
import { udpRelayTransport, type RelayFrameTransport } from './transport.js';

/** Frames as datagrams on a shared UDP socket. */
export interface RelayClientUdpCarrier {
  /**
   * An already-bound socket, usually the game's one socket that also carries STUN and direct
   * peer packets. The client only reads datagrams from the relay's endpoint and never closes it.
   */
  socket: UdpSocket;
  /** The relay's endpoint as the cloud announced it (an IP literal, not a host name). */
  relay: { address: string; port: number };
}

/** Frames on another carrier (the relay's WebSocket: `openRelayWebSocket`); its opener closes it. */
export interface RelayClientTransportCarrier {
  transport: RelayFrameTransport;
  socket?: undefined;
  relay?: undefined;
}

export type RelayClientOptions = RelayClientCommonOptions & (RelayClientUdpCarrier | RelayClientTransportCarrier);

export interface RelayClientCommonOptions {
  /** The ticket the session service issued for this peer (`createTicketIssuer().issue`). */
  ticket: Uint8Array;
  /** Timers for bind retransmission and keepalives. Default: real clock. */
  clock?: Clock;
  /** Default: silent. */
  logger?: Logger;
  /** Bind retransmission interval. Default `DEFAULT_BIND_RETRY_INTERVAL_MS`. */
  bindRetryIntervalMs?: number;
  /** Bind requests sent before `bind()` fails with RELAY_TIMEOUT. Default `DEFAULT_BIND_ATTEMPTS`. */
  bindAttempts?: number;
  /**
   * Keepalive interval while bound; 0 sends keepalives only when `keepalive()` is called.
   * Default `DEFAULT_KEEPALIVE_INTERVAL_MS`.
   */
  keepaliveIntervalMs?: number;
}

/**
 * - `idle`: created, `bind()` not called yet.
 * - `binding`: bind requests in flight (first bind, a rebind, or after the relay said NOT_BOUND).
 * - `bound`: the relay forwards to and from this peer.
 * - `failed`: the last bind failed (see the error `bind()` rejected with); `bind()` may retry.
 * - `closed`: `close()` was called.
 */
export type RelayClientState = 'idle' | 'binding' | 'bound' | 'failed' | 'closed';

/** Handler of a datagram another peer of the session sent through the relay. */
export type RelayMessageHandler = (fromActor: number, payload: Uint8Array) => void;

/** Handler of an error the relay reported (e.g. PEER_NOT_BOUND with the target actor). */
export type RelayErrorHandler = (error: PunchthroughError, actor: number | undefined) => void;

export interface RelayClient {
  /** Current state; see `RelayClientState`. */
  readonly state: RelayClientState;
  /** This peer's actor number, as the relay confirmed it in its bound answer. */
  readonly actor: number | undefined;
  /** Round-trip time of the last answered keepalive, in ms. */
  readonly rttMs: number | undefined;
  /**
   * Binds (or rebinds, e.g. after a NAT mapping change) this socket's address at the relay,
   * retransmitting until the relay answers. `ticket` replaces the current ticket. The relay's
   * cookie exchange (bind, challenge, bind with cookie and proof) happens inside. Resolves
   * when bound; rejects with a PunchthroughError: RELAY_TIMEOUT, TICKET_INVALID,
   * TICKET_EXPIRED, TICKET_REVOKED, UNSUPPORTED_VERSION, RELAY_FULL, SESSION_FULL, or
   * NOT_BOUND when closed first.
   * Calls while a bind is in flight share its outcome.
   */
  bind(ticket?: Uint8Array): Promise<void>;
  /**
   * Replaces the ticket for the next (re)bind without binding now (the cloud re-issues tickets
   * before they expire). A bind in flight carries the new one from its next retransmission.
   */
  setTicket(ticket: Uint8Array): void;
  /** Sends `payload` to `toActor` of the same session. Returns false (sends nothing) unless bound. */
  send(toActor: number, payload: Uint8Array): boolean;
  /** Sends one keepalive now (also measures `rttMs`). No-op unless bound. */
  keepalive(): void;
  /** Adds a handler for relayed datagrams; returns its remover. */
  onMessage(handler: RelayMessageHandler): () => void;
  /** Adds a handler for errors the relay reports while bound; returns its remover. */
  onError(handler: RelayErrorHandler): () => void;
  /** Adds a handler for state changes; returns its remover. */
  onStateChange(handler: (state: RelayClientState) => void): () => void;
  /** True when a datagram from `from` is the relay's (other users of the shared socket skip those). */
  isFromRelay(from: { address: string; port: number }): boolean;
  /**
   * Unbinds at the relay (if bound), removes this client's socket handlers and timers, and
   * rejects a pending bind. Does not close the shared socket. Idempotent.
   */
  close(): void;
}

/** Errors after which retransmitting the same bind cannot succeed. */
const fatalBindErrors: ReadonlySet<RelayErrorCode> = new Set([
  'TICKET_INVALID',
  'TICKET_EXPIRED',
  'TICKET_REVOKED',
  'UNSUPPORTED_VERSION',
  'RELAY_FULL',
  'SESSION_FULL',
]);

/**
 * A relay client over a shared socket (docs/connection-process.md, connection steps 4 and
 * 10–12: the client's connect request and then game updates go through the relay; the server
 * answers the same way).
 */
export function createRelayClient(options: RelayClientOptions): RelayClient {
  // A transport made here from the socket is this client's to close; a given one is its opener's.
  const given = 'transport' in options ? options.transport : undefined;
  const ownTransport = given === undefined;
  const transport = given ?? udpRelayTransport(options.socket!, options.relay!);
  const relayName = options.relay ? `${options.relay.address}:${options.relay.port}` : transport.kind;
  const clock = options.clock ?? createRealClock();
  const logger = options.logger ?? createSilentLogger();
  const retryMs = options.bindRetryIntervalMs ?? DEFAULT_BIND_RETRY_INTERVAL_MS;
  const maxAttempts = options.bindAttempts ?? DEFAULT_BIND_ATTEMPTS;
  const keepaliveMs = options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS;
  const messageHandlers = new Set<RelayMessageHandler>();
  const errorHandlers = new Set<RelayErrorHandler>();
  const stateHandlers = new Set<(state: RelayClientState) => void>();

  let ticket = options.ticket;
  let state: RelayClientState = 'idle';
  let actor: number | undefined;
  let rttMs: number | undefined;
  let retryTimer: TimerHandle | undefined;
  let keepaliveTimer: TimerHandle | undefined;
  let pending: { promise: Promise<void>; resolve: () => void; reject: (error: PunchthroughError) => void } | undefined;
  let nonce = 0;
  /** The relay's latest cookie for this bind (return-routability proof); none until it challenges. */
  let cookie: Uint8Array | undefined;
  /**
   * Whether a challenge was answered since the last retransmission: one answer per retry
   * interval, so challenges forged with the relay's address cannot make this peer a reflector.
   */
  let answeredChallenge = false;
  /** The relay's token for our unbind, from its latest bound answer. */
  let unbindToken: Uint8Array = new Uint8Array(0);
  const keepalivesInFlight = new Map<number, number>();

  const setState = (next: RelayClientState): void => {
    if (next === state) return;
    state = next;
    for (const handler of stateHandlers) handler(next);
  };

  const sendFrame = (frame: Uint8Array): void => transport.send(frame);

  /**
   * A bind carries the ticket's body only; its MAC stays here and keys the proof over the
   * relay's cookie. Without a cookie yet, cookie and proof go as zeros (same length, so the
   * relay's challenge is never larger than what provoked it).
   */
  const sendBind = (): void => {
    const { body, mac } = splitTicket(ticket);
    sendFrame(encodeRelayFrame({ type: 'bind', body, cookie, proof: cookie ? bindProof(mac, cookie) : new Uint8Array(0) }));
  };

  const settle = (error: PunchthroughError | undefined): void => {
    clock.clearInterval(retryTimer);
    retryTimer = undefined;
    const waiting = pending;
    pending = undefined;
    if (error) {
      setState(state === 'closed' ? 'closed' : 'failed');
      waiting?.reject(error);
    } else {
      setState('bound');
      waiting?.resolve();
    }
  };

  const bind = (newTicket?: Uint8Array): Promise<void> => {
    if (state === 'closed') return Promise.reject(new PunchthroughError('NOT_BOUND', 'the relay client is closed'));
    if (newTicket) {
      ticket = newTicket;
      cookie = undefined; // a cookie names the ticket body it was minted for
    }
    if (pending) return pending.promise;
    // A new bind may come from a new address (a NAT mapping changed): start with a fresh cookie.
    cookie = undefined;
    let resolve!: () => void;
    let reject!: (error: PunchthroughError) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    pending = { promise, resolve, reject };
    setState('binding');
    let attempts = 0;
    const attempt = (): void => {
      if (attempts >= maxAttempts) {
        settle(new PunchthroughError('RELAY_TIMEOUT', `the relay at ${relayName} did not answer ${maxAttempts} bind requests`));
        return;
      }
      attempts++;
      answeredChallenge = false;
      sendBind();
    };
    // The timer exists before the first send: an answer may arrive (and settle) within it.
    retryTimer = clock.setInterval(attempt, retryMs);
    attempt();
    return promise;
  };

  /** After the relay forgot us (idle expiry, restart, or our NAT mapping changed), bind again. */
  const rebindQuietly = (): void => {
    setState('binding');
    bind().catch((error: unknown) => logger.debug({ err: error }, 'relay rebind failed'));
  };

  const keepalive = (): void => {
    if (state !== 'bound') return;
    nonce = (nonce + 1) >>> 0;
    // Only the latest few matter for RTT; the map stays small if acks are lost.
    if (keepalivesInFlight.size >= 8) keepalivesInFlight.clear();
    keepalivesInFlight.set(nonce, clock.now());
    sendFrame(encodeRelayFrame({ type: 'keepalive', nonce }));
  };
  if (keepaliveMs > 0) keepaliveTimer = clock.setInterval(keepalive, keepaliveMs);

  const isFromRelay = (from: { address: string; port: number }): boolean => transport.isFromRelay(from);

  // A reopened carrier is a new address at the relay, which answers nothing there until bound.
  const detachReset = transport.onReset?.(() => {
    if (state === 'bound') rebindQuietly();
  });

  const detach = transport.onFrame((data) => {
    if (state === 'closed') return;
    const decoded = decodeRelayFrame(data);
    if (!decoded.ok) return; // not for us (or garbage): the socket's other users may want it
    const frame = decoded.value;
    switch (frame.type) {
      case 'deliver':
        if (state !== 'bound') return;
        for (const handler of messageHandlers) handler(frame.fromActor, frame.payload);
        return;
      case 'challenge':
        // Answer at once (retransmissions, if this is lost, carry the cookie too). The frame is
        // a view into the socket's buffer: keep a copy.
        if (state !== 'binding') return;
        cookie = Uint8Array.from(frame.cookie);
        if (answeredChallenge) return;
        answeredChallenge = true;
        sendBind();
        return;
      case 'bound':
        if (state !== 'binding' && state !== 'bound') return;
        actor = frame.actor;
        unbindToken = Uint8Array.from(frame.unbindToken);
        if (state === 'binding') settle(undefined);
        return;
      case 'keepaliveAck': {
        const sentAt = keepalivesInFlight.get(frame.nonce);
        if (sentAt === undefined) return;
        keepalivesInFlight.delete(frame.nonce);
        rttMs = clock.now() - sentAt;
        return;
      }
      case 'error': {
        const error = new PunchthroughError(frame.code, `relay: ${frame.code}`);
        if (state === 'binding' && fatalBindErrors.has(frame.code)) {
          settle(error);
        } else if (state === 'bound' && frame.code === 'NOT_BOUND') {
          rebindQuietly();
        }
        for (const handler of errorHandlers) handler(error, frame.actor === 0 ? undefined : frame.actor);
        return;
      }
      default:
        return; // peer-to-relay frames never come from the relay
    }
  });

  return {
    get state() {
      return state;
    },
    get actor() {
      return actor;
    },
    get rttMs() {
      return rttMs;
    },
    bind,
    setTicket(newTicket) {
      if (state === 'closed') return;
      ticket = newTicket;
      cookie = undefined; // a cookie names the ticket body it was minted for
    },
    send(toActor, payload) {
      if (state !== 'bound') return false;
      sendFrame(encodeRelayFrame({ type: 'send', toActor, payload }));
      return true;
    },
    keepalive,
    onMessage(handler) {
      messageHandlers.add(handler);
      return () => messageHandlers.delete(handler);
    },
    onError(handler) {
      errorHandlers.add(handler);
      return () => errorHandlers.delete(handler);
    },
    onStateChange(handler) {
      stateHandlers.add(handler);
      return () => stateHandlers.delete(handler);
    },
    isFromRelay,
    close() {
      if (state === 'closed') return;
      if (state === 'bound') sendFrame(encodeRelayFrame({ type: 'unbind', unbindToken }));
      setState('closed');
      detach();
      detachReset?.();
      if (ownTransport) transport.close();
      clock.clearInterval(keepaliveTimer);
      keepaliveTimer = undefined;
      settle(new PunchthroughError('NOT_BOUND', 'the relay client was closed before it was bound'));
      messageHandlers.clear();
      errorHandlers.clear();
      stateHandlers.clear();
    },
  };
}
