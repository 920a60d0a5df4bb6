/**
 * The SDK's end of the signaling WebSocket: requests with ids and one reply each, events pushed
 * by the service. Every frame is decoded with the hardened codec and schema-checked; anything
 * else is dropped and counted. No 'error' event, exception or rejection escapes: failures become
 * PunchthroughErrors on the request that was waiting for them, and on the close handlers.
 *
 * Last resort: a frame whose handling throws anyway (a decoder or validator bug a hostile cloud
 * found, a handler that throws) is counted in `failedFrames` and ends the connection with
 * CLOUD_UNREACHABLE. A frame over the size cap ends it with FRAME_TOO_LARGE. Neither reaches the
 * game process as an uncaught exception.
 */
import WebSocket from 'ws';
import { PunchthroughError, errorFromWire, type Clock, type Logger, type TimerHandle } from '../core/index.js';
import {
  createSignalingCodec,
  PROTOCOL_VERSION,
  ReplyType,
  RequestType,
  SIGNALING_PATH,
  type Event,
  type Request,
  type RequestBody,
  type ResultOf,
} from '../src/protocol/index.js';
import { SDK_FEATURES, SIGNALING_MAX_FRAME_BYTES } from './constants.js';
import type { AuthSession } from './auth-session.js';
import { startOfReply } from './lean-join.js';

export interface SignalingOptions {
  /** `ws://`/`wss://` URL of the signaling endpoint, or the cloud's `http(s)://host:port`. */
  url: string;
  appId: string;
  appVersion: string;
  clock: Clock;
  logger: Logger;
  /** Opening the WebSocket gives up after this long, ms. */
  connectTimeoutMs: number;
  /** Each request gets its reply within this time, ms. */
  requestTimeoutMs: number;
  /** The runner's login (custom authentication): its hello runs through it. Absent: a plain hello. */
  auth?: AuthSession;
}

/** The signaling connection as the runner uses it. */
export interface Signaling {
  /** Sends a request; resolves with its result or rejects with a PunchthroughError. */
  request<T extends RequestType>(body: Extract<RequestBody, { type: T }>): Promise<ResultOf[T]>;
  /** Adds a handler for service events; returns its remover. */
  onEvent(handler: (event: Event) => void): () => void;
  /**
   * Adds a handler called once when the connection is gone (closed by either side or failed),
   * with the coded error the pending requests were rejected with: CLOUD_UNREACHABLE, or
   * FRAME_TOO_LARGE when the cloud sent a frame over the cap.
   */
  onClose(handler: (error: PunchthroughError) => void): () => void;
  /** Frames dropped because they failed decoding or validation (the connection carries on). */
  readonly droppedFrames: number;
  /** Frames whose handling threw: each ended the connection (at most one per connection). */
  readonly failedFrames: number;
  /** Idempotent; rejects every pending request with CLOUD_UNREACHABLE. */
  close(): Promise<void>;
}

/** Opens signaling (with the hello). The seam tests replace with a scripted fake. */
export type SignalingConnector = (options: SignalingOptions) => Promise<Signaling>;

/** `http://h:p` → `ws://h:p/<path>`; a `ws(s)://` URL is used as given. */
export function signalingUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') return parsed.toString();
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PunchthroughError('CLOUD_UNREACHABLE', `cloud URL must be http(s):// or ws(s)://, got ${url}`);
  }
  parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = SIGNALING_PATH;
  return parsed.toString();
}

interface Pending {
  type: RequestType;
  resolve: (result: never) => void;
  reject: (error: PunchthroughError) => void;
  timer: TimerHandle;
}

/** The WebSocket close code behind a CLOUD_UNREACHABLE from a closed connection (not part of the error's wire shape). */
const closeCodes = new WeakMap<PunchthroughError, number>();

/** The CLOUD_UNREACHABLE of a lost connection, remembering the close code the cloud sent (if any). */
export function signalingClosed(reason: string, closeCode?: number): PunchthroughError {
  const error = new PunchthroughError('CLOUD_UNREACHABLE', `signaling connection closed: ${reason}`);
  if (closeCode !== undefined) closeCodes.set(error, closeCode);
  return error;
}

/** The close code the cloud closed the connection with, when `error` reported such a close. */
export function closeCodeOf(error: PunchthroughError): number | undefined {
  return closeCodes.get(error);
}

export const connectSignaling: SignalingConnector = async (options) => {
  const { clock, logger } = options;
  const codec = createSignalingCodec({ maxFrameBytes: SIGNALING_MAX_FRAME_BYTES });
  // No permessage-deflate: signaling frames are small msgpack, and an inflater is one more thing a
  // hostile cloud could make work (the frame cap would still bound the inflated size).
  const socket = new WebSocket(signalingUrl(options.url), { maxPayload: SIGNALING_MAX_FRAME_BYTES, perMessageDeflate: false });
  const pending = new Map<number, Pending>();
  const eventHandlers = new Set<(event: Event) => void>();
  const closeHandlers = new Set<(error: PunchthroughError) => void>();
  let nextId = 1;
  let dropped = 0;
  let failed = 0;
  let gone: PunchthroughError | undefined;
  let closing: Promise<void> | undefined;

  /** Ends the connection once: every pending request and close handler gets `error`. */
  const finish = (error: PunchthroughError): void => {
    if (gone !== undefined) return;
    gone = error;
    for (const [id, entry] of pending) {
      clock.clearTimeout(entry.timer);
      pending.delete(id);
      entry.reject(error);
    }
    for (const handler of [...closeHandlers]) {
      try {
        handler(error);
      } catch (thrown) {
        logger.error({ err: thrown }, 'signaling close handler threw');
      }
    }
  };
  const lost = signalingClosed;

  // An 'error' listener is always attached: ws emits 'error' for refused connections and bad frames.
  socket.on('error', (error: Error & { code?: unknown }) => {
    logger.debug({ err: error }, 'signaling socket error');
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      finish(new PunchthroughError('FRAME_TOO_LARGE', `the cloud sent a signaling frame over ${SIGNALING_MAX_FRAME_BYTES} bytes`));
    } else {
      finish(lost(error.message));
    }
  });
  socket.on('close', (code, reason) => finish(lost(`${code}${reason.length ? ` ${reason.toString('utf8', 0, 123)}` : ''}`, code)));
  socket.on('message', (data, isBinary) => {
    // Last resort: nothing a frame does may unwind into ws's socket callbacks (an uncaught
    // exception there ends the game process). The frame is counted and the connection ended.
    try {
      onFrame(data, isBinary);
    } catch (error) {
      failed++;
      logger.error({ error: describeThrown(error) }, 'signaling frame could not be handled; closing the connection');
      finish(new PunchthroughError('CLOUD_UNREACHABLE', 'signaling connection closed: the cloud sent a frame that could not be handled'));
      socket.terminate();
    }
  });

  const onFrame = (data: WebSocket.RawData, isBinary: boolean): void => {
    if (gone !== undefined) return;
    const frame = toBytes(data);
    const decoded = isBinary && frame ? codec.decodeServerMessage(frame) : undefined;
    if (!decoded?.ok) {
      dropped++;
      // Only the codec's own message is logged, cut short; a flood logs at 1, 2, 4, 8… drops.
      if ((dropped & (dropped - 1)) === 0) {
        const why = decoded && !decoded.ok && typeof decoded.error.message === 'string' ? decoded.error.message.slice(0, 200) : 'text frame';
        logger.warn({ error: why, dropped }, 'signaling frame dropped');
      }
      return;
    }
    const message = decoded.value;
    if (message.type === ReplyType.RESPONSE || message.type === ReplyType.ERROR) {
      const entry = message.id === undefined ? undefined : pending.get(message.id);
      if (!entry || message.id === undefined) {
        dropped++;
        return;
      }
      pending.delete(message.id);
      clock.clearTimeout(entry.timer);
      if (message.type === ReplyType.ERROR) entry.reject(errorFromWire(message.code, message.message, message.photonCode, message.detail));
      else if (message.request !== entry.type) entry.reject(new PunchthroughError('INVALID_REQUEST', 'reply to another request type'));
      else {
        entry.resolve(message.result as never);
        // lean-join: the start came in the reply; its handlers see it as the START that would follow.
        const start = startOfReply(message);
        if (start) for (const handler of [...eventHandlers]) handler(start);
      }
      return;
    }
    for (const handler of [...eventHandlers]) handler(message);
  };

  await new Promise<void>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      reject(new PunchthroughError('CLOUD_UNREACHABLE', `no signaling connection within ${options.connectTimeoutMs} ms`));
      socket.terminate();
    }, options.connectTimeoutMs);
    socket.once('open', () => {
      clock.clearTimeout(timer);
      resolve();
    });
    closeHandlers.add((error) => {
      clock.clearTimeout(timer);
      reject(new PunchthroughError(error.code, `cannot reach the cloud at ${options.url}: ${error.message}`));
    });
  });
  closeHandlers.clear();

  const signaling: Signaling = {
    request(body) {
      if (gone !== undefined) return Promise.reject(gone);
      let frame: Uint8Array;
      try {
        frame = codec.encode({ ...body, id: nextId } as Request);
      } catch (error) {
        return Promise.reject(new PunchthroughError('INVALID_REQUEST', `cannot encode request ${body.type}`, { cause: error }));
      }
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = clock.setTimeout(() => {
          pending.delete(id);
          reject(new PunchthroughError('CLOUD_UNREACHABLE', `no reply to request ${body.type} within ${options.requestTimeoutMs} ms`));
        }, options.requestTimeoutMs);
        pending.set(id, { type: body.type, resolve, reject, timer });
        try {
          socket.send(frame, (error) => {
            if (error) logger.debug({ err: error }, 'signaling send failed');
          });
        } catch (error) {
          // ws throws only for a socket that is not open yet; the close that follows fails the request.
          logger.debug({ err: error }, 'signaling send failed');
        }
      });
    },
    onEvent(handler) {
      eventHandlers.add(handler);
      return () => eventHandlers.delete(handler);
    },
    onClose(handler) {
      closeHandlers.add(handler);
      return () => closeHandlers.delete(handler);
    },
    get droppedFrames() {
      return dropped;
    },
    get failedFrames() {
      return failed;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        finish(lost('closed by the runner'));
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close(1000);
        // A peer that never answers the close handshake must not hold shutdown open.
        const timer = clock.setTimeout(() => socket.terminate(), 1_000);
        socket.once('close', () => clock.clearTimeout(timer));
      });
      return closing;
    },
  };

  try {
    if (options.auth) await options.auth.login(signaling, options.appId, options.appVersion);
    else await signaling.request({ type: RequestType.HELLO, appId: options.appId, appVersion: options.appVersion, protocolVersion: PROTOCOL_VERSION, features: SDK_FEATURES });
  } catch (error) {
    await signaling.close();
    throw error;
  }
  return signaling;
};

/**
 * A short description of whatever a frame's handling threw, for the log: a name and message read
 * only when they are strings (the thrown value may hold decoded, hostile data; pino would walk it).
 */
function describeThrown(thrown: unknown): string {
  if (!(thrown instanceof Error)) return `a thrown ${typeof thrown}`;
  const name = typeof thrown.name === 'string' ? thrown.name.slice(0, 40) : 'Error';
  const message = typeof thrown.message === 'string' ? thrown.message.slice(0, 200) : '';
  return `${name}: ${message}`;
}

function toBytes(data: WebSocket.RawData): Uint8Array | undefined {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return Array.isArray(data) ? Buffer.concat(data) : undefined;
}

