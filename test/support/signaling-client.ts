// A minimal signaling client for tests and the benchmark: sends requests, awaits replies by id,
// queues events so a test can wait for the next one of a type.
import { once } from 'node:events';
import WebSocket from 'ws';
import {
  Feature,
  PROTOCOL_VERSION,
  ReplyType,
  RequestType,
  createSignalingCodec,
  type ErrorMessage,
  type Event,
  type EventType,
  type RequestBody,
  type ResultOf,
} from '../../src/protocol/index.js';

type Waiter = { resolve: (value: unknown) => void; reject: (error: Error) => void };

export class SignalingError extends Error {
  constructor(readonly reply: ErrorMessage) {
    super(`${reply.code}: ${reply.message}`);
  }
}

export class TestSignalingClient {
  readonly codec = createSignalingCodec({ maxFrameBytes: 1 << 20 });
  readonly events: Event[] = [];
  readonly errors: ErrorMessage[] = [];
  closeCode: number | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Waiter>();
  private readonly eventWaiters: { type: EventType; resolve: (event: Event) => void }[] = [];
  readonly closed: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => this.onFrame(data));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', (code) => {
        this.closeCode = code;
        for (const waiter of this.pending.values()) waiter.reject(new Error(`closed ${code}`));
        resolve(code);
      }),
    );
  }

  static async connect(url: string): Promise<TestSignalingClient> {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await once(socket, 'open');
    return new TestSignalingClient(socket);
  }

  /** Connects and says hello as a current SDK does (codes-v2: every error code as it is). */
  static async hello(url: string, appId = 'game', appVersion = '1', features: string[] = [Feature.CODES_V2]): Promise<TestSignalingClient> {
    const client = await TestSignalingClient.connect(url);
    await client.request({ type: RequestType.HELLO, appId, appVersion, protocolVersion: PROTOCOL_VERSION, features });
    return client;
  }

  private onFrame(data: Buffer): void {
    const decoded = this.codec.decodeServerMessage(data);
    if (!decoded.ok) throw new Error(`service sent an invalid frame: ${decoded.error.message}`);
    const message = decoded.value;
    if (message.type === ReplyType.RESPONSE || message.type === ReplyType.ERROR) {
      if (message.type === ReplyType.ERROR) this.errors.push(message);
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter || message.id === undefined) return;
      this.pending.delete(message.id);
      if (message.type === ReplyType.RESPONSE) waiter.resolve(message.result);
      else waiter.reject(new SignalingError(message));
      return;
    }
    const index = this.eventWaiters.findIndex((waiter) => waiter.type === message.type);
    if (index >= 0) this.eventWaiters.splice(index, 1)[0]!.resolve(message);
    else this.events.push(message);
  }

  request<B extends RequestBody>(body: B): Promise<ResultOf[B['type']]> {
    const id = this.nextId++;
    const promise = new Promise<ResultOf[B['type']]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    this.socket.send(this.codec.encode({ ...body, id } as never));
    return promise;
  }

  /** The next event of `type` (already received or yet to come). */
  next<T extends EventType>(type: T): Promise<Extract<Event, { type: T }>> {
    const index = this.events.findIndex((event) => event.type === type);
    if (index >= 0) return Promise.resolve(this.events.splice(index, 1)[0] as Extract<Event, { type: T }>);
    return new Promise((resolve) => this.eventWaiters.push({ type, resolve: resolve as (event: Event) => void }));
  }

  sendRaw(frame: Uint8Array | string): void {
    this.socket.send(frame);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await this.closed;
  }

  /** Drops the TCP connection without a close handshake (a crashed peer). */
  async kill(): Promise<void> {
    this.socket.terminate();
    await this.closed;
  }
}
