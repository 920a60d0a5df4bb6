// The relay's WebSocket listener: each binary message is one relay frame, each connection one address of the relay's binding table.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  checkIntegerOptions,
  fullBucket,
  MAX_TIMER_MS,
  PORT,
  POSITIVE,
  takeTokens,
  type BucketRate,
  type Env,
  type IntegerRange,
  type NumericOptionKeys,
  type TimerHandle,
  type TokenBucket,
} from '../core/index.js';
import {
  DEFAULT_MAX_DATAGRAM_BYTES,
  DEFAULT_WS_BIND_TIMEOUT_MS,
  DEFAULT_WS_IDLE_TIMEOUT_MS,
  DEFAULT_WS_MAX_BUFFERED_BYTES,
  DEFAULT_WS_MAX_CONNECTIONS,
  DEFAULT_WS_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_WS_MESSAGE_BURST,
  DEFAULT_WS_MESSAGES_PER_SECOND,
  DEFAULT_WS_SWEEP_INTERVAL_MS,
  RELAY_WS_PATH,
} from './constants.js';
import type { RelayServer, RelayStream } from './server.js';
import { admitWsConnection, judgeWsConnection, wsCanSend, wsClientAddress, type WsLimits } from './ws-limits.js';

export interface RelayWebSocketOptions {
  /** The relay whose binding table the connections join. */
  relay: Pick<RelayServer, 'openStream'>;
  /** Local address to listen on. Default `0.0.0.0`. */
  host?: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** The upgrade path; other paths get 404. Default `RELAY_WS_PATH`. */
  path?: string;
  /** Largest message: the relay's `maxDatagramBytes` (a larger one closes the connection, 1009). Default `DEFAULT_MAX_DATAGRAM_BYTES`. */
  maxMessageBytes?: number;
  /** Default `DEFAULT_WS_MAX_CONNECTIONS`. */
  maxConnections?: number;
  /** Default `DEFAULT_WS_MAX_CONNECTIONS_PER_ADDRESS`. */
  maxConnectionsPerAddress?: number;
  /** Default `DEFAULT_WS_IDLE_TIMEOUT_MS`. */
  idleTimeoutMs?: number;
  /** Default `DEFAULT_WS_BIND_TIMEOUT_MS`. */
  bindTimeoutMs?: number;
  /** Default `DEFAULT_WS_MAX_BUFFERED_BYTES`. */
  maxBufferedBytes?: number;
  /** Default `DEFAULT_WS_MESSAGES_PER_SECOND`. */
  messagesPerSecond?: number;
  /** Default `DEFAULT_WS_MESSAGE_BURST`. */
  messageBurst?: number;
  /** Default `DEFAULT_WS_SWEEP_INTERVAL_MS`. */
  sweepIntervalMs?: number;
  /** Reverse proxies (exact IP addresses) whose `X-Forwarded-For` names the client. Default none. */
  trustedProxies?: readonly string[];
}

export interface RelayWebSocketStats {
  /** Open connections now. */
  connections: number;
  accepted: number;
  refused: { total: number; perAddress: number; path: number };
  closed: { idle: number; unbound: number; tooLarge: number; other: number };
  messagesIn: number;
  messagesOut: number;
  /** Messages dropped here, before the relay saw them or after it sent them. */
  dropped: { notBinary: number; rateLimited: number; backpressure: number };
}

export interface RelayWebSocketServer {
  /** The listening TCP endpoint (the real port when 0 was asked for). */
  address(): { address: string; port: number };
  /** The path connections upgrade on. */
  readonly path: string;
  stats(): RelayWebSocketStats;
  /** Closes every connection (1001) and the listener. Idempotent. */
  close(): Promise<void>;
}

interface Connection {
  readonly socket: WebSocket;
  readonly stream: RelayStream;
  readonly address: string;
  readonly openedAtMs: number;
  lastMessageMs: number;
  readonly bucket: TokenBucket;
  readonly bound: boolean;
}

/** Each numeric option's integers: a 0 bound or rate would refuse or drop everything. */
const INTEGER_RANGES: Record<NumericOptionKeys<RelayWebSocketOptions>, IntegerRange> = {
  port: PORT,
  maxMessageBytes: [1, 65_535],
  maxConnections: POSITIVE,
  maxConnectionsPerAddress: POSITIVE,
  idleTimeoutMs: POSITIVE,
  bindTimeoutMs: POSITIVE,
  maxBufferedBytes: POSITIVE,
  messagesPerSecond: POSITIVE,
  messageBurst: POSITIVE,
  sweepIntervalMs: [1, MAX_TIMER_MS],
};

/** Starts a WebSocket listener for `options.relay` on its own TCP port. */
export async function createRelayWebSocketServer(env: Pick<Env, 'clock' | 'logger'>, options: RelayWebSocketOptions): Promise<RelayWebSocketServer> {
  checkIntegerOptions('createRelayWebSocketServer', options, INTEGER_RANGES);
  const { clock, logger } = env;
  const path = options.path ?? RELAY_WS_PATH;
  const limits: WsLimits = {
    maxConnections: options.maxConnections ?? DEFAULT_WS_MAX_CONNECTIONS,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? DEFAULT_WS_MAX_CONNECTIONS_PER_ADDRESS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_WS_IDLE_TIMEOUT_MS,
    bindTimeoutMs: options.bindTimeoutMs ?? DEFAULT_WS_BIND_TIMEOUT_MS,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_WS_MAX_BUFFERED_BYTES,
  };
  const rate: BucketRate = {
    perSecond: options.messagesPerSecond ?? DEFAULT_WS_MESSAGES_PER_SECOND,
    burst: options.messageBurst ?? DEFAULT_WS_MESSAGE_BURST,
  };
  const trusted = new Set(options.trustedProxies ?? []);
  const stats: RelayWebSocketStats = {
    connections: 0,
    accepted: 0,
    refused: { total: 0, perAddress: 0, path: 0 },
    closed: { idle: 0, unbound: 0, tooLarge: 0, other: 0 },
    messagesIn: 0,
    messagesOut: 0,
    dropped: { notBinary: 0, rateLimited: 0, backpressure: 0 },
  };
  const connections = new Set<Connection>();
  const perAddress = new Map<string, number>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_DATAGRAM_BYTES, perMessageDeflate: false });
  const http: Server = createServer((_request, response) => {
    response.writeHead(426, { 'content-type': 'text/plain' }).end('the relay speaks WebSocket here\n');
  });

  const refuse = (socket: Duplex, status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  const accept = (socket: WebSocket, address: string): void => {
    const family = address.includes(':') ? 'IPv6' : 'IPv4';
    const stream = options.relay.openStream({ address, family }, (frame) => {
      if (socket.readyState !== socket.OPEN) return;
      if (!wsCanSend(limits, socket.bufferedAmount)) {
        stats.dropped.backpressure++;
        return;
      }
      stats.messagesOut++;
      socket.send(frame, { binary: true });
    });
    if (!stream) {
      socket.close(1001, 'relay closing');
      return;
    }
    const now = clock.now();
    const connection: Connection = {
      socket,
      stream,
      address,
      openedAtMs: now,
      lastMessageMs: now,
      bucket: fullBucket(rate, now),
      get bound() {
        return stream.bound;
      },
    };
    connections.add(connection);
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    stats.accepted++;
    stats.connections = connections.size;
    socket.on('message', (data, isBinary) => {
      const at = clock.now();
      if (!isBinary || !Buffer.isBuffer(data)) {
        stats.dropped.notBinary++;
        return;
      }
      if (!takeTokens(connection.bucket, rate, at)) {
        stats.dropped.rateLimited++;
        return;
      }
      stats.messagesIn++;
      connection.lastMessageMs = at;
      stream.receive(data);
    });
    socket.on('error', (error) => {
      // ws closes the connection itself after a protocol error (1002) or an oversize message (1009).
      if ((error as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') stats.closed.tooLarge++;
      else stats.closed.other++;
      logger.debug({ err: error, address }, 'relay websocket error');
    });
    socket.on('close', () => {
      if (!connections.delete(connection)) return;
      stream.close();
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
      stats.connections = connections.size;
    });
  };

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = request.url ?? '';
    if (url.split('?', 1)[0] !== path) {
      stats.refused.path++;
      refuse(socket, '404 Not Found');
      return;
    }
    const address = wsClientAddress(request.socket.remoteAddress ?? '', request.headers['x-forwarded-for'], trusted);
    const refusal = admitWsConnection(limits, connections.size, perAddress.get(address) ?? 0);
    if (refusal) {
      stats.refused[refusal]++;
      refuse(socket, '503 Service Unavailable');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, address));
  });

  let sweep: TimerHandle | undefined = clock.setInterval(() => {
    const now = clock.now();
    for (const connection of connections) {
      const verdict = judgeWsConnection(limits, connection, now);
      if (verdict === 'keep') continue;
      stats.closed[verdict]++;
      connections.delete(connection);
      connection.stream.close();
      const left = (perAddress.get(connection.address) ?? 1) - 1;
      if (left > 0) perAddress.set(connection.address, left);
      else perAddress.delete(connection.address);
      stats.connections = connections.size;
      connection.socket.close(verdict === 'idle' ? 1001 : 4008, verdict);
    }
  }, options.sweepIntervalMs ?? DEFAULT_WS_SWEEP_INTERVAL_MS);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host ?? '0.0.0.0', () => {
      http.off('error', reject);
      resolve();
    });
  });
  http.on('error', (error) => logger.warn({ err: error }, 'relay websocket listener error'));
  const bound = http.address();
  const local = typeof bound === 'object' && bound ? { address: bound.address, port: bound.port } : { address: options.host ?? '0.0.0.0', port: options.port };
  logger.info({ relayWs: `${local.address}:${local.port}${path}` }, 'relay websocket listening');

  let closing: Promise<void> | undefined;
  return {
    address: () => ({ ...local }),
    path,
    stats: () => ({
      ...stats,
      refused: { ...stats.refused },
      closed: { ...stats.closed },
      dropped: { ...stats.dropped },
    }),
    close() {
      closing ??= (async () => {
        clock.clearInterval(sweep);
        sweep = undefined;
        for (const connection of connections) {
          connection.stream.close();
          connection.socket.terminate();
        }
        connections.clear();
        perAddress.clear();
        stats.connections = 0;
        wss.close();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      })();
      return closing;
    },
  };
}
