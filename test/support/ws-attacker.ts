// A signaling client that speaks raw frames, for attack tests: opens a WebSocket (optionally from
// another loopback address), sends whatever bytes it is given, and reports how the service ended it.
import WebSocket from 'ws';
import { encode } from 'msgpackr';
import { PROTOCOL_VERSION, RequestType, SIGNALING_PATH } from '../../src/protocol/index.js';

export interface RawSignaling {
  readonly socket: WebSocket;
  /** Frames received so far. */
  readonly received: Uint8Array[];
  /** Resolves with the close code once the connection ends. */
  readonly closed: Promise<number>;
  send(frame: Uint8Array): void;
  /** Sends a well-formed hello and waits for its reply. */
  hello(appId?: string): Promise<void>;
}

/** `httpUrl` is `http://host:port`; `localAddress` picks the source (127.0.0.2 is another "client"). */
export async function openRawSignaling(
  httpUrl: string,
  options: { localAddress?: string; headers?: Record<string, string> } = {},
): Promise<RawSignaling> {
  const socket = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}${SIGNALING_PATH}`, {
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const received: Uint8Array[] = [];
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  socket.on('error', () => undefined);
  socket.on('message', (data: Buffer) => received.push(new Uint8Array(data)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('close', (code) => reject(new Error(`closed with ${code} before open`)));
  });
  return {
    socket,
    received,
    closed,
    send: (frame) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(frame);
    },
    async hello(appId = 'attack') {
      const before = received.length;
      socket.send(encode({ type: RequestType.HELLO, id: 1, appId, appVersion: '1', protocolVersion: PROTOCOL_VERSION }));
      for (let i = 0; i < 200 && received.length === before; i++) await new Promise((r) => setTimeout(r, 5));
      if (received.length === before) throw new Error('no hello reply');
    },
  };
}
