// The relay path's carrier: UDP on the game socket, or the relay's WebSocket when UDP gets no answer (or when forced).
import { PunchthroughError, type Clock, type ErrorCode, type Logger, type UdpSocket } from '../core/index.js';
import {
  createRelayClient,
  openRelayWebSocket,
  type RelayClient,
  type RelayClientState,
  type RelayWebSocketTransport,
} from '../relay/client/index.js';
import type { RelayPath } from './deps.js';

/** The `relayTransport` option. */
export type RelayTransportMode = 'auto' | 'udp' | 'websocket';

/** Which carrier a relay path uses. */
export type RelayCarrier = 'udp' | 'websocket';

/** What decides the carrier: the option, the grant, and how the last bind ended. */
export interface CarrierState {
  readonly mode: RelayTransportMode;
  /** The grant's WebSocket URL; undefined when the relay serves none. */
  readonly wsUrl: string | undefined;
  readonly carrier: RelayCarrier;
}

/** The carrier of the first bind: the WebSocket only when forced and offered. */
export function firstCarrier(mode: RelayTransportMode, wsUrl: string | undefined): RelayCarrier {
  return mode === 'websocket' && wsUrl !== undefined ? 'websocket' : 'udp';
}

/**
 * After a failed bind: move to the WebSocket, once, when in `auto`, offered one, still on UDP and
 * the relay did not answer at all (RELAY_TIMEOUT: UDP to it is lost). A relay that answered with
 * a refusal (ticket, full) would refuse on any carrier; a WebSocket is never left for UDP.
 */
export function fallBackAfter(state: CarrierState, failure: ErrorCode): boolean {
  return state.mode === 'auto' && state.wsUrl !== undefined && state.carrier === 'udp' && failure === 'RELAY_TIMEOUT';
}

export interface CarrierChoosingRelayOptions {
  socket: UdpSocket;
  relay: { address: string; port: number };
  ticket: Uint8Array;
  clock: Clock;
  logger: Logger;
  wsUrl?: string | undefined;
  relayTransport?: RelayTransportMode | undefined;
}

/** A relay path that may change carrier; what it uses now and how long the WebSocket took to open. */
export interface CarrierChoosingRelay extends RelayPath {
  readonly carrier: RelayCarrier;
  /** Opening the relay's WebSocket, ms (undefined while on UDP). */
  readonly wsConnectMs: number | undefined;
}

/**
 * The SDK's relay connector: a relay client on UDP first (or the WebSocket when forced); in
 * `auto`, a UDP bind that got no answer moves it to the WebSocket for the rest of the session.
 * The runner sees one relay path throughout; handlers follow the client across the move.
 */
export function createCarrierChoosingRelay(options: CarrierChoosingRelayOptions): CarrierChoosingRelay {
  const { socket, relay, clock, logger } = options;
  const mode = options.relayTransport ?? 'auto';
  const wsUrl = options.wsUrl;
  let ticket = options.ticket;
  let carrier: RelayCarrier = firstCarrier(mode, wsUrl);
  let ws: RelayWebSocketTransport | undefined;
  let closed = false;
  let pending: Promise<void> | undefined;
  const messageHandlers = new Set<(fromActor: number, payload: Uint8Array) => void>();
  const errorHandlers = new Set<(error: PunchthroughError, actor: number | undefined) => void>();
  const stateHandlers = new Set<(state: RelayClientState) => void>();

  const wire = (client: RelayClient): RelayClient => {
    client.onMessage((from, payload) => {
      for (const handler of messageHandlers) handler(from, payload);
    });
    client.onError((error, actor) => {
      for (const handler of errorHandlers) handler(error, actor);
    });
    client.onStateChange((state) => {
      for (const handler of stateHandlers) handler(state);
    });
    return client;
  };
  const udp = createRelayClient({ socket, relay, ticket, clock, logger });
  let active: RelayClient | undefined = carrier === 'udp' ? wire(udp) : undefined;

  const moveToWebSocket = async (): Promise<RelayClient> => {
    const transport = await openRelayWebSocket({ url: wsUrl!, clock, logger });
    if (closed) {
      transport.close();
      throw new PunchthroughError('NOT_BOUND', 'the relay client was closed before it was bound');
    }
    ws = transport;
    carrier = 'websocket';
    udp.close();
    logger.info({ wsUrl, connectMs: transport.connectMs }, 'relay over WebSocket');
    active = wire(createRelayClient({ transport, ticket, clock, logger }));
    return active;
  };

  const bindOnce = async (): Promise<void> => {
    const client = active ?? (await moveToWebSocket());
    try {
      await client.bind();
    } catch (error) {
      const code = error instanceof PunchthroughError ? error.code : 'RELAY_TIMEOUT';
      if (closed || !fallBackAfter({ mode, wsUrl, carrier }, code)) throw error;
      logger.info({ relay, wsUrl }, 'no UDP answer from the relay; trying its WebSocket');
      await (await moveToWebSocket()).bind();
    }
  };

  return {
    get carrier() {
      return carrier;
    },
    get wsConnectMs() {
      return ws?.connectMs;
    },
    bind() {
      if (closed) return Promise.reject(new PunchthroughError('NOT_BOUND', 'the relay client is closed'));
      pending ??= bindOnce().finally(() => (pending = undefined));
      return pending;
    },
    send: (toActor, payload) => active?.send(toActor, payload) ?? false,
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
    // Late UDP answers from the relay stay the relay's even after a move (not stray peer packets).
    isFromRelay: (from) => udp.isFromRelay(from),
    setTicket(fresh) {
      ticket = fresh;
      active?.setTicket(fresh);
    },
    close() {
      if (closed) return;
      closed = true;
      active?.close();
      udp.close();
      ws?.close();
      messageHandlers.clear();
      errorHandlers.clear();
      stateHandlers.clear();
    },
  };
}
