// The relay client's WebSocket carrier: one binary message per relay frame, reopened (and rebound) if it drops.
import WebSocket from 'ws';
import { PunchthroughError, type Clock, type Logger, type TimerHandle } from '../../core/index.js';
import { DEFAULT_MAX_DATAGRAM_BYTES, DEFAULT_WS_CONNECT_TIMEOUT_MS, DEFAULT_WS_RECONNECT_DELAY_MS } from '../constants.js';
import type { RelayFrameTransport } from './transport.js';

export interface RelayWebSocketTransportOptions {
  /** The relay's WebSocket URL, as the cloud's grant names it (`wsUrl`). */
  url: string;
  clock: Clock;
  logger: Logger;
  /** Opening gives up after this long. Default `DEFAULT_WS_CONNECT_TIMEOUT_MS`. */
  connectTimeoutMs?: number;
  /** Reopening after a drop waits this long. Default `DEFAULT_WS_RECONNECT_DELAY_MS`. */
  reconnectDelayMs?: number;
  /** Larger messages from the relay close the connection (1009). Default `DEFAULT_MAX_DATAGRAM_BYTES`. */
  maxFrameBytes?: number;
}

/** A relay WebSocket carrier, open. */
export interface RelayWebSocketTransport extends RelayFrameTransport {
  /** How long the first open took (TCP, TLS behind a proxy, upgrade), ms. */
  readonly connectMs: number;
  /** Frames dropped because the WebSocket was down when they were sent. */
  readonly droppedWhileDown: number;
}

/** Opens the WebSocket; rejects with RELAY_WS_UNAVAILABLE when it does not open in time. */
export async function openRelayWebSocket(options: RelayWebSocketTransportOptions): Promise<RelayWebSocketTransport> {
  const { clock, logger, url } = options;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_WS_CONNECT_TIMEOUT_MS;
  const reconnectDelayMs = options.reconnectDelayMs ?? DEFAULT_WS_RECONNECT_DELAY_MS;
  const maxPayload = options.maxFrameBytes ?? DEFAULT_MAX_DATAGRAM_BYTES;
  const frameHandlers = new Set<(frame: Uint8Array) => void>();
  const resetHandlers = new Set<() => void>();
  let closed = false;
  let droppedWhileDown = 0;
  let reconnectTimer: TimerHandle | undefined;

  const open = (): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      let socket: WebSocket;
      try {
        socket = new WebSocket(url, { perMessageDeflate: false, maxPayload, handshakeTimeout: connectTimeoutMs });
      } catch (error) {
        reject(new PunchthroughError('RELAY_WS_UNAVAILABLE', `bad relay WebSocket URL ${url}`, { cause: error as Error }));
        return;
      }
      const timer = clock.setTimeout(() => fail(new Error(`not open after ${connectTimeoutMs} ms`)), connectTimeoutMs);
      const fail = (error: Error): void => {
        clock.clearTimeout(timer);
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.terminate();
        reject(new PunchthroughError('RELAY_WS_UNAVAILABLE', `the relay WebSocket at ${url} did not open: ${error.message}`, { cause: error }));
      };
      socket.once('error', fail);
      socket.once('unexpected-response', (_request, response) => fail(new Error(`HTTP ${response.statusCode ?? '?'}`)));
      socket.once('open', () => {
        clock.clearTimeout(timer);
        socket.removeAllListeners();
        resolve(socket);
      });
    });

  const startedAt = clock.now();
  let current: WebSocket | undefined = await open();
  const connectMs = clock.now() - startedAt;

  const attach = (socket: WebSocket): void => {
    socket.on('message', (data, isBinary) => {
      if (!isBinary || !Buffer.isBuffer(data)) return;
      for (const handler of frameHandlers) handler(data);
    });
    socket.on('error', (error) => logger.debug({ err: error }, 'relay websocket error'));
    socket.on('close', () => {
      if (current === socket) current = undefined;
      if (!closed) scheduleReopen();
    });
  };

  const scheduleReopen = (): void => {
    if (closed || reconnectTimer) return;
    reconnectTimer = clock.setTimeout(() => {
      reconnectTimer = undefined;
      open().then(
        (socket) => {
          if (closed) {
            socket.terminate();
            return;
          }
          current = socket;
          attach(socket);
          logger.debug({ url }, 'relay websocket reopened');
          for (const handler of resetHandlers) handler();
        },
        (error: unknown) => {
          logger.debug({ err: error }, 'relay websocket reopen failed');
          scheduleReopen();
        },
      );
    }, reconnectDelayMs);
  };

  attach(current);
  return {
    kind: 'websocket',
    connectMs,
    get droppedWhileDown() {
      return droppedWhileDown;
    },
    send(frame) {
      if (current?.readyState !== WebSocket.OPEN) {
        droppedWhileDown++;
        return;
      }
      current.send(frame, { binary: true });
    },
    onFrame(handler) {
      frameHandlers.add(handler);
      return () => frameHandlers.delete(handler);
    },
    onReset(handler) {
      resetHandlers.add(handler);
      return () => resetHandlers.delete(handler);
    },
    isFromRelay: () => false,
    close() {
      if (closed) return;
      closed = true;
      clock.clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      frameHandlers.clear();
      resetHandlers.clear();
      // close() lets frames already queued (the unbind) go out first.
      current?.close(1000);
      current = undefined;
    },
  };
}
