/**
 * The gateway: the door of the signaling service. It admits connections (limits in total and per
 * address), gives each one its hello timeout, heartbeats, request rate limit and violation count,
 * caps what goes out (frame size, send buffer), decodes what comes in, and closes with the
 * protocol's close codes. Requests run one after another per connection, through dispatch. It
 * knows nothing about ws or fastify: a connection is a {@link PeerSocket}, so any transport (an
 * in-memory pair in tests) plugs in through `connect`.
 */
import { fullBucket, takeTokens, type Env, type ErrorCode, type TimerHandle, type TokenBucket } from '../../core/index.js';
import {
  CloseCode,
  PROTOCOL_MAX_FRAME_BYTES,
  createSignalingCodec,
  errorReply,
  isDecodeError,
  type Event,
} from '../protocol/index.js';
import type { Dispatch } from './dispatch.js';
import type { SessionMetrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import type { Peer } from './peer.js';

/** The transport under one connection (a ws WebSocket in the service). */
export interface PeerSocket {
  send(frame: Uint8Array): void;
  /** Bytes queued for this connection and not yet written to the network. */
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
  terminate(): void;
  ping(): void;
  /** Keeps what is sent from leaving until the returned function is called (write-batch.ts `hold`); a transport without batching leaves it out. */
  hold?(): (withdrawFirst?: boolean) => void;
}

/** What the transport calls on the gateway for one connection. */
export interface PeerConnection {
  onFrame(frame: Uint8Array, isBinary: boolean): void;
  onPong(): void;
  /** The socket closed (for any reason); idempotent. */
  onClose(): void;
}

export interface Gateway {
  /** A new connection from `remoteAddress`; over a connection limit it is closed at once (1013). */
  connect(socket: PeerSocket, remoteAddress: string): PeerConnection;
  readonly connectionCount: number;
  /** Stops the heartbeat, lets `shuttingDown` tell the sessions, closes every connection (1001, or `code`). */
  shutdown(code?: CloseCode, reason?: string): Promise<void>;
  /** The open connections' peers (a cluster node's drain detaches their members). */
  peers(): Iterable<Peer>;
  /** Closes every connection with `code` and carries on serving (a fenced cluster node: 1012, rejoin elsewhere). */
  closeAll(code: CloseCode, reason: string): void;
}

export type GatewayLimits = Pick<
  ResolvedOptions,
  | 'maxFrameBytes'
  | 'maxHelloFrameBytes'
  | 'maxBufferedBytes'
  | 'maxConnections'
  | 'maxConnectionsPerAddress'
  | 'helloTimeoutMs'
  | 'heartbeatIntervalMs'
  | 'requestsPerSecond'
  | 'requestBurst'
  | 'maxViolations'
>;

export interface GatewayOptions {
  limits: GatewayLimits;
  metrics: SessionMetrics;
  dispatch: Dispatch;
  /** A connection is gone (closed, or dead by heartbeat): release what it held. */
  disconnected(peer: Peer): Promise<void>;
  /** At shutdown, before the connections close: tell their sessions. */
  shuttingDown(peers: Iterable<Peer>): void;
}

interface Connection extends Peer {
  readonly socket: PeerSocket;
  helloTimer?: TimerHandle;
  bucket: TokenBucket;
  violations: number;
  /** A pong (or any frame) arrived since the last ping. */
  alive: boolean;
  /** A close was already sent (heartbeat timeout or violation); terminate on the next sweep. */
  closing: boolean;
  closed: boolean;
  readonly aborter: AbortController;
  /** Requests of one connection run one after another, so its membership never races. */
  queue: Promise<void>;
}

/** The release of a hold on a transport that does not batch (nothing was held). */
const noHold = (): void => undefined;

/** What a refused connection gets: its frames and close are ignored (it is already closing). */
const REFUSED: PeerConnection = { onFrame: () => undefined, onPong: () => undefined, onClose: () => undefined };

export function createGateway(env: Env, options: GatewayOptions): Gateway {
  const { limits, metrics, dispatch } = options;
  const { clock, logger } = env;
  const codec = createSignalingCodec({ maxFrameBytes: limits.maxFrameBytes });
  const requestRate = { perSecond: limits.requestsPerSecond, burst: limits.requestBurst };
  const connections = new Set<Connection>();
  const perAddress = new Map<string, number>();
  // An event published to many members is encoded once.
  const encoded = new WeakMap<Event, Uint8Array>();
  let stopped = false;

  const closeWith = (connection: Connection, code: CloseCode, reason: string): void => {
    connection.closing = true;
    connection.socket.close(code, reason);
  };

  /**
   * Every frame to a peer leaves here. A frame larger than any SDK accepts is never sent (the
   * limits make it impossible; this is the net under them), and a peer that stops reading is
   * closed once its queue passes the cap instead of growing the heap.
   */
  const sendFrame = (connection: Connection, frame: Uint8Array): void => {
    if (connection.closed || connection.closing) return;
    if (frame.length > PROTOCOL_MAX_FRAME_BYTES) {
      metrics.framesDropped.inc({ reason: 'outbound_too_large' });
      logger.error({ bytes: frame.length }, 'an outbound frame exceeded the protocol maximum and was not sent');
      return;
    }
    connection.socket.send(frame);
    if (connection.socket.bufferedAmount > limits.maxBufferedBytes) {
      metrics.connectionsRefused.inc({ reason: 'send_buffer_full' });
      closeWith(connection, CloseCode.SEND_BUFFER_FULL, 'the peer is not reading its frames');
      // The close frame waits behind the unread queue: free the memory now.
      connection.socket.terminate();
    }
  };

  const replyError = (connection: Connection, id: number | undefined, code: ErrorCode, message: string): void => {
    metrics.errors.inc({ code });
    sendFrame(connection, codec.encode(errorReply(code, message, id)));
  };

  const violate = (connection: Connection): void => {
    connection.violations += 1;
    if (connection.violations > limits.maxViolations && !connection.closing) {
      closeWith(connection, CloseCode.PROTOCOL_VIOLATION, 'too many bad requests');
    }
  };

  /**
   * Runs a connection's tasks in order. A task that fails outside its request's own error
   * handling (a store fault) is logged and counted and closes that one connection; it never
   * becomes an unhandled rejection, which would end the process.
   */
  const enqueue = (connection: Connection, task: () => Promise<void>): void => {
    connection.queue = connection.queue.then(task).catch((error: unknown) => {
      metrics.handlerErrors.inc();
      logger.error({ err: error }, 'a signaling task failed; closing its connection');
      if (!connection.closed) connection.socket.terminate();
    });
  };

  const handle = async (connection: Connection, request: Parameters<Dispatch>[1]): Promise<void> => {
    await dispatch(connection, request);
    if (connection.hello) {
      clock.clearTimeout(connection.helloTimer);
      // A login the provider continued (multi-step): each next step has a hello timeout of its own.
      if (connection.auth?.status === 'continue') armHelloTimer(connection);
    }
    // A socket that closed while its join was in flight: treat the fresh membership as a drop.
    if (connection.closed && connection.membership) await options.disconnected(connection);
  };

  const onFrame = (connection: Connection, frame: Uint8Array, isBinary: boolean): void => {
    if (connection.closed || connection.closing) return;
    connection.alive = true;
    if (!isBinary) {
      metrics.framesDropped.inc({ reason: 'text' });
      return closeWith(connection, CloseCode.MALFORMED_FRAME, 'frames must be binary msgpack');
    }
    if (connection.hello === undefined && frame.length > limits.maxHelloFrameBytes) {
      metrics.framesDropped.inc({ reason: 'too_large' });
      return closeWith(connection, CloseCode.FRAME_TOO_LARGE, `frames before hello are limited to ${limits.maxHelloFrameBytes} bytes`);
    }
    // The rate limit comes before decoding, so a flood costs a token check per frame, not a decode.
    if (!takeTokens(connection.bucket, requestRate, clock.now())) {
      metrics.framesDropped.inc({ reason: 'rate_limited' });
      replyError(connection, undefined, 'RATE_LIMITED', `more than ${limits.requestsPerSecond} requests per second`);
      return violate(connection);
    }
    const decoded = codec.decodeRequest(frame);
    if (decoded.ok) {
      const request = decoded.value;
      return enqueue(connection, () => handle(connection, request));
    }
    const failure = decoded.error;
    if (isDecodeError(failure)) {
      const tooLarge = failure.kind === 'frameTooLarge';
      metrics.framesDropped.inc({ reason: tooLarge ? 'too_large' : 'malformed' });
      return closeWith(connection, tooLarge ? CloseCode.FRAME_TOO_LARGE : CloseCode.MALFORMED_FRAME, failure.message);
    }
    metrics.framesDropped.inc({ reason: 'invalid' });
    replyError(connection, failure.id, failure.code, failure.message);
    violate(connection);
  };

  const heartbeat = clock.setInterval(() => {
    for (const connection of connections) {
      if (connection.closed) continue;
      if (connection.alive) {
        connection.alive = false;
        connection.socket.ping();
      } else if (connection.closing) {
        connection.socket.terminate();
      } else {
        closeWith(connection, CloseCode.HEARTBEAT_TIMEOUT, 'no pong within the heartbeat timeout');
        // Without a pong the close handshake will not finish either: drop it now.
        enqueue(connection, () => options.disconnected(connection));
      }
    }
  }, limits.heartbeatIntervalMs);

  /** Closes a connection that has not said hello (or finished its login) within the hello timeout. */
  const armHelloTimer = (connection: Connection): void => {
    connection.helloTimer = clock.setTimeout(() => {
      const loggedIn = connection.hello !== undefined && connection.auth?.status !== 'continue';
      if (loggedIn || connection.closing || connection.closed) return;
      metrics.connectionsRefused.inc({ reason: 'hello_timeout' });
      closeWith(connection, CloseCode.HELLO_TIMEOUT, `no hello (or login step) within ${limits.helloTimeoutMs} ms`);
    }, limits.helloTimeoutMs);
  };

  const refusal = (remoteAddress: string): string | undefined => {
    if (connections.size >= limits.maxConnections) return 'too_many_connections';
    if ((perAddress.get(remoteAddress) ?? 0) >= limits.maxConnectionsPerAddress) return 'too_many_from_address';
    return undefined;
  };

  return {
    connect(socket, remoteAddress) {
      const refused = refusal(remoteAddress);
      if (refused) {
        metrics.connectionsRefused.inc({ reason: refused });
        socket.close(CloseCode.TRY_AGAIN_LATER, refused === 'too_many_connections' ? 'the service is full' : 'too many connections from this address');
        return REFUSED;
      }
      perAddress.set(remoteAddress, (perAddress.get(remoteAddress) ?? 0) + 1);
      const connection: Connection = {
        socket,
        address: remoteAddress,
        sessionsCreated: 0,
        bucket: fullBucket(requestRate, clock.now()),
        violations: 0,
        alive: true,
        closing: false,
        closed: false,
        aborter: new AbortController(),
        get signal() {
          return connection.aborter.signal;
        },
        queue: Promise.resolve(),
        send: (message) => sendFrame(connection, codec.encode(message)),
        deliver: (event) => {
          if (connection.closed || connection.closing) return;
          let frame = encoded.get(event);
          if (!frame) encoded.set(event, (frame = codec.encode(event)));
          sendFrame(connection, frame);
        },
        hold: () => socket.hold?.() ?? noHold,
        violation: () => violate(connection),
        close: (code, reason) => {
          if (!connection.closing && !connection.closed) closeWith(connection, code as CloseCode, reason);
        },
      };
      armHelloTimer(connection);
      connections.add(connection);
      metrics.connectedPeers.inc();
      return {
        onFrame: (frame, isBinary) => onFrame(connection, frame, isBinary),
        onPong: () => {
          connection.alive = true;
        },
        onClose: () => {
          if (connection.closed) return;
          connection.closed = true;
          connection.aborter.abort();
          clock.clearTimeout(connection.helloTimer);
          connections.delete(connection);
          const left = (perAddress.get(remoteAddress) ?? 1) - 1;
          if (left > 0) perAddress.set(remoteAddress, left);
          else perAddress.delete(remoteAddress);
          metrics.connectedPeers.dec();
          enqueue(connection, () => options.disconnected(connection));
        },
      };
    },
    get connectionCount() {
      return connections.size;
    },
    async shutdown(code = CloseCode.GOING_AWAY, reason = 'the session service is shutting down') {
      if (stopped) return;
      stopped = true;
      clock.clearInterval(heartbeat);
      options.shuttingDown(connections);
      for (const connection of connections) {
        clock.clearTimeout(connection.helloTimer);
        closeWith(connection, code, reason);
      }
    },
    peers: () => [...connections],
    closeAll(code, reason) {
      for (const connection of [...connections]) if (!connection.closing) closeWith(connection, code, reason);
    },
  };
}
