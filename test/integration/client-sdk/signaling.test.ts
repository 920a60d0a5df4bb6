// The SDK's signaling client against scripted WebSocket servers on loopback: hostile frames are
// dropped and counted, a dead or absent cloud is a CLOUD_UNREACHABLE error, nothing escapes.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { createRealClock, createSilentLogger } from '../../../core/index.js';
import { createSignalingCodec, ReplyType, RequestType, type Request } from '../../../src/protocol/index.js';
import { connectSignaling } from '../../../client-sdk/signaling.js';
import { NetworkRunner } from '../../../client-sdk/index.js';

const codec = createSignalingCodec({ maxFrameBytes: 16 * 1024 });
const servers: WebSocketServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function scriptedServer(onRequest: (socket: WebSocket, request: Request) => void): Promise<string> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  await once(server, 'listening');
  server.on('connection', (socket) => {
    socket.on('message', (data: Buffer) => {
      const decoded = codec.decodeRequest(data);
      if (decoded.ok) onRequest(socket, decoded.value);
    });
  });
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/signaling`;
}

const options = (url: string) => ({
  url,
  appId: 'a',
  appVersion: '1',
  clock: createRealClock(),
  logger: createSilentLogger(),
  connectTimeoutMs: 5_000,
  requestTimeoutMs: 2_000,
});

describe('signaling client', () => {
  it('drops garbage, text, unsolicited and mistyped frames, and still gets its reply', async () => {
    const url = await scriptedServer((socket, request) => {
      socket.send(Buffer.from([0xc1, 0xff, 0x00]));
      socket.send('not binary');
      socket.send(codec.encode({ type: ReplyType.RESPONSE, id: 999, request: RequestType.LEAVE, result: {} }));
      socket.send(Buffer.from(codec.encode({ type: 77 } as never)));
      socket.send(codec.encode({ type: ReplyType.RESPONSE, id: request.id, request: RequestType.HELLO, result: { protocolVersion: 1, maxFrameBytes: 16384 } }));
    });
    const signaling = await connectSignaling(options(url));
    expect(signaling.droppedFrames).toBe(4);
    await signaling.close();
    await signaling.close();
  });

  it('turns an error reply into a PunchthroughError with its code', async () => {
    const url = await scriptedServer((socket, request) =>
      socket.send(codec.encode({ type: ReplyType.ERROR, id: request.id, code: 'UNSUPPORTED_VERSION', message: 'too old' })),
    );
    await expect(connectSignaling(options(url))).rejects.toMatchObject({ code: 'UNSUPPORTED_VERSION', message: 'too old' });
  });

  it('fails a request with CLOUD_UNREACHABLE when the service closes the connection', async () => {
    const url = await scriptedServer((socket) => socket.close(4001, 'bye'));
    await expect(connectSignaling(options(url))).rejects.toMatchObject({ code: 'CLOUD_UNREACHABLE' });
  });

  it('fails with CLOUD_UNREACHABLE when nothing listens, and the runner leaves nothing open', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    await expect(connectSignaling(options(`ws://127.0.0.1:${port}/v1/signaling`))).rejects.toMatchObject({ code: 'CLOUD_UNREACHABLE' });
    const runner = new NetworkRunner({ cloudUrl: `http://127.0.0.1:${port}`, appId: 'a', bindAddress: '127.0.0.1' });
    await expect(runner.startGame({ mode: 'client', sessionName: 'x' })).rejects.toMatchObject({ code: 'CLOUD_UNREACHABLE' });
    await runner.shutdown();
  });
});
