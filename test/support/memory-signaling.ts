/**
 * An in-memory signaling pair: the SDK's SignalingConnector wired straight to the session
 * service's gateway (`connect(PeerSocket, remoteAddress)`), with no socket in between. Frames
 * are encoded and decoded as on the wire and cross on the microtask queue, so the two ends never
 * call into each other re-entrantly; pings are answered the way a ws client answers them. With
 * every clock the same ManualClock, a full system (runners, service, STUN, relay on the virtual
 * network) runs with no real socket.
 */
import { PunchthroughError, errorFromWire } from '../../core/index.js';
import type { Signaling, SignalingConnector } from '../../client-sdk/signaling.js';
import {
  PROTOCOL_MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  ReplyType,
  RequestType,
  createSignalingCodec,
  type Event,
  type Request,
} from '../../src/protocol/index.js';
import type { PeerConnection, PeerSocket } from '../../src/session/gateway.js';
import { type HasLink, signalingStreams } from './signaling-link.js';

export interface MemorySignalingOptions {
  /** The service's end: the gateway's (or the hub's) `connect`. */
  connect(socket: PeerSocket, remoteAddress: string): PeerConnection;
  /** The address the service sees each connection come from. Default 198.51.100.10. */
  remoteAddress?: string;
  /** Sent in the hello's `auth` field. Default: none. */
  auth?: string;
  /**
   * The virtual links the connection crosses (the runner's host, its NATs): frames are then
   * delayed by them and lost frames retransmitted TCP-style (test/support/signaling-link.ts).
   * Default: none, frames cross on the microtask queue.
   */
  links?: readonly HasLink[];
  /** Seeds the links' loss and jitter draws. Default 1. */
  seed?: number;
}

export interface MemorySignalingStats {
  /** Connections opened through this connector. */
  opened: number;
  /** Close codes the service sent. */
  closeCodes: number[];
}

export function memorySignaling(options: MemorySignalingOptions): SignalingConnector & { stats: MemorySignalingStats } {
  const stats: MemorySignalingStats = { opened: 0, closeCodes: [] };
  const connector: SignalingConnector = async (signalingOptions) => {
    const { clock, logger } = signalingOptions;
    const codec = createSignalingCodec({ maxFrameBytes: PROTOCOL_MAX_FRAME_BYTES });
    const pending = new Map<number, { type: RequestType; resolve: (result: never) => void; reject: (error: PunchthroughError) => void }>();
    const eventHandlers = new Set<(event: Event) => void>();
    const closeHandlers = new Set<(error: PunchthroughError) => void>();
    let nextId = 1;
    let dropped = 0;
    let gone: PunchthroughError | undefined;
    const later = (work: () => void): void => void Promise.resolve().then(work);
    const streams = options.links ? signalingStreams(clock, options.links, (options.seed ?? 1) + stats.opened) : undefined;
    /** Carries a frame one way: over the links when given (a stream that gives up closes the connection). */
    const carry = (direction: 'up' | 'down', work: () => void): void => {
      if (!streams) return later(work);
      if (!streams[direction].send(() => !gone && work())) later(() => finish('retransmission limit'));
    };

    const finish = (reason: string): void => {
      if (gone) return;
      gone = new PunchthroughError('CLOUD_UNREACHABLE', `signaling connection closed: ${reason}`);
      for (const entry of pending.values()) entry.reject(gone);
      pending.clear();
      for (const handler of [...closeHandlers]) handler(gone);
      // The service learns of the close as it would from its transport.
      later(() => connection.onClose());
    };

    const onServerFrame = (frame: Uint8Array): void => {
      if (gone) return;
      const decoded = codec.decodeServerMessage(frame);
      if (!decoded.ok) {
        dropped++;
        return;
      }
      const message = decoded.value;
      if (message.type === ReplyType.RESPONSE || message.type === ReplyType.ERROR) {
        const entry = message.id === undefined ? undefined : pending.get(message.id);
        if (!entry) return void dropped++;
        pending.delete(message.id!);
        if (message.type === ReplyType.ERROR) entry.reject(errorFromWire(message.code, message.message, message.photonCode));
        else if (message.request !== entry.type) entry.reject(new PunchthroughError('INVALID_REQUEST', 'reply to another request type'));
        else entry.resolve(message.result as never);
        return;
      }
      for (const handler of [...eventHandlers]) handler(message);
    };

    const socket: PeerSocket = {
      send: (frame) => {
        const copy = frame.slice();
        carry('down', () => onServerFrame(copy));
      },
      bufferedAmount: 0,
      close: (code, reason) => {
        stats.closeCodes.push(code);
        later(() => finish(`${code} ${reason}`));
      },
      terminate: () => later(() => finish('terminated by the service')),
      ping: () => later(() => !gone && connection.onPong()),
    };
    const connection = options.connect(socket, options.remoteAddress ?? '198.51.100.10');
    stats.opened += 1;

    const signaling: Signaling = {
      request(body) {
        if (gone) return Promise.reject(gone);
        const id = nextId++;
        const frame = codec.encode({ ...body, id } as Request);
        return new Promise((resolve, reject) => {
          const timer = clock.setTimeout(() => {
            pending.delete(id);
            reject(new PunchthroughError('CLOUD_UNREACHABLE', `no reply to request ${body.type} within ${signalingOptions.requestTimeoutMs} ms`));
          }, signalingOptions.requestTimeoutMs);
          pending.set(id, {
            type: body.type,
            resolve: (result) => {
              clock.clearTimeout(timer);
              resolve(result);
            },
            reject: (error) => {
              clock.clearTimeout(timer);
              reject(error);
            },
          });
          carry('up', () => !gone && connection.onFrame(frame, true));
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
      failedFrames: 0,
      async close() {
        finish('closed by the runner');
      },
    };

    try {
      await signaling.request({
        type: RequestType.HELLO,
        appId: signalingOptions.appId,
        appVersion: signalingOptions.appVersion,
        protocolVersion: PROTOCOL_VERSION,
        ...(options.auth === undefined ? {} : { auth: options.auth }),
      });
    } catch (error) {
      await signaling.close();
      logger.debug({ err: error }, 'in-memory signaling: hello refused');
      throw error;
    }
    return signaling;
  };
  return Object.assign(connector, { stats });
}
