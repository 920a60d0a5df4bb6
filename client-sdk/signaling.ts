/**
 * The SDK's end of the signaling WebSocket: requests with ids and one reply each, events pushed
 * by the service. Every frame is decoded with the hardened codec and schema-checked; anything
 * else is dropped and counted. No 'error' event or rejection escapes: failures become
 * PunchthroughErrors on the request that was waiting for them.
 */
import WebSocket from 'ws';
import { PunchthroughError, type Clock, type Logger, type TimerHandle } from '../src/runtime/index.js';
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
import { SIGNALING_MAX_FRAME_BYTES } from './constants.js';

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
}

/** The signaling connection as the runner uses it. */
export interface Signaling {
  /** Sends a request; resolves with its result or rejects with a PunchthroughError. */
  request<T extends RequestType>(body: Extract<RequestBody, { type: T }>): Promise<ResultOf[T]>;
  /** Adds a handler for service events; returns its remover. */
  onEvent(handler: (event: Event) => void): () => void;
  /** Adds a handler called once when the connection is gone (closed by either side or failed). */
  onClose(handler: (reason: string) => void): () => void;
  /** Frames dropped because they failed decoding or validation. */
  readonly droppedFrames: number;
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

export const connectSignaling: SignalingConnector = async (options) => {
  const { clock, logger } = options;
  const codec = createSignalingCodec({ maxFrameBytes: SIGNALING_MAX_FRAME_BYTES });
  const socket = new WebSocket(signalingUrl(options.url), { maxPayload: SIGNALING_MAX_FRAME_BYTES });
  const pending = new Map<number, Pending>();
  const eventHandlers = new Set<(event: Event) => void>();
  const closeHandlers = new Set<(reason: string) => void>();
  let nextId = 1;
  let dropped = 0;
  let gone: string | undefined;
  let closing: Promise<void> | undefined;

  const finish = (reason: string): void => {
    if (gone !== undefined) return;
    gone = reason;
    for (const [id, entry] of pending) {
      clock.clearTimeout(entry.timer);
      pending.delete(id);
      entry.reject(new PunchthroughError('CLOUD_UNREACHABLE', `signaling connection closed: ${reason}`));
    }
    for (const handler of closeHandlers) handler(reason);
  };

  // An 'error' listener is always attached: ws emits 'error' for refused connections and bad frames.
  socket.on('error', (error) => {
    logger.debug({ err: error }, 'signaling socket error');
    finish(error.message);
  });
  socket.on('close', (code, reason) => finish(`closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`));
  socket.on('message', (data, isBinary) => {
    const frame = toBytes(data);
    const decoded = isBinary && frame ? codec.decodeServerMessage(frame) : undefined;
    if (!decoded?.ok) {
      dropped++;
      logger.warn({ error: decoded && !decoded.ok ? decoded.error : 'text frame' }, 'signaling frame dropped');
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
      if (message.type === ReplyType.ERROR) entry.reject(new PunchthroughError(message.code, message.message));
      else if (message.request !== entry.type) entry.reject(new PunchthroughError('INVALID_REQUEST', 'reply to another request type'));
      else entry.resolve(message.result as never);
      return;
    }
    for (const handler of eventHandlers) handler(message);
  });

  await new Promise<void>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      reject(new PunchthroughError('CLOUD_UNREACHABLE', `no signaling connection within ${options.connectTimeoutMs} ms`));
      socket.terminate();
    }, options.connectTimeoutMs);
    socket.once('open', () => {
      clock.clearTimeout(timer);
      resolve();
    });
    closeHandlers.add((reason) => {
      clock.clearTimeout(timer);
      reject(new PunchthroughError('CLOUD_UNREACHABLE', `cannot reach the cloud at ${options.url}: ${reason}`));
    });
  });
  closeHandlers.clear();

  const signaling: Signaling = {
    request(body) {
      if (gone !== undefined) {
        return Promise.reject(new PunchthroughError('CLOUD_UNREACHABLE', `signaling connection closed: ${gone}`));
      }
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = clock.setTimeout(() => {
          pending.delete(id);
          reject(new PunchthroughError('CLOUD_UNREACHABLE', `no reply to request ${body.type} within ${options.requestTimeoutMs} ms`));
        }, options.requestTimeoutMs);
        pending.set(id, { type: body.type, resolve, reject, timer });
        socket.send(codec.encode({ ...body, id } as Request), (error) => {
          if (error) logger.debug({ err: error }, 'signaling send failed');
        });
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
    close() {
      closing ??= new Promise<void>((resolve) => {
        finish('closed by the runner');
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
    await signaling.request({ type: RequestType.HELLO, appId: options.appId, appVersion: options.appVersion, protocolVersion: PROTOCOL_VERSION });
  } catch (error) {
    await signaling.close();
    throw error;
  }
  return signaling;
};

function toBytes(data: WebSocket.RawData): Uint8Array | undefined {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return Array.isArray(data) ? Buffer.concat(data) : undefined;
}

