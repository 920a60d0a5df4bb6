// Server child of the session benchmark: runs either the session service or a bare `ws`
// server (the baseline) in a fresh process, so each memory figure starts from a clean RSS.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Packr, Unpackr } from 'msgpackr';
import { WebSocketServer } from 'ws';
import type * as cloudTypes from '../../src/index.js';

// The service runs compiled (dist/, built by the benchmark first), as users run it: tsx's
// transform adds per-closure overhead that compiled code does not have.
type Cloud = typeof cloudTypes;
const cloud = (await import(new URL('../../dist/src/index.js', import.meta.url).href)) as Cloud;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

type Command = { cmd: 'start'; kind: 'session' | 'bare' } | { cmd: 'memory' } | { cmd: 'cpu' } | { cmd: 'stop' };

let stop: (() => Promise<void>) | undefined;

function memory(): NodeJS.MemoryUsage {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage();
}

async function start(kind: 'session' | 'bare'): Promise<number> {
  if (kind === 'session') {
    // Each load connection runs thousands of join cycles, so the per-connection lifetime and
    // rate limits (sized for real peers) are lifted here.
    const service = cloud.buildSessionService({
      maxSessionsPerConnection: Number.MAX_SAFE_INTEGER,
      requestsPerSecond: 1e9,
      requestBurst: 1e9,
    });
    const { port } = await service.listen({ host: '127.0.0.1', port: 0 });
    stop = () => service.close();
    return port;
  }
  // Baseline: the same WebSocket library, no fastify, no session state; it echoes each frame
  // decoded and re-encoded with msgpack, so a round trip costs what framing alone costs.
  const packr = new Packr({ useRecords: false });
  const unpackr = new Unpackr({ useRecords: false });
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 16 * 1024 });
  server.on('connection', (socket) => {
    socket.on('error', () => undefined);
    socket.on('message', (data: Buffer) => socket.send(packr.pack(unpackr.unpack(data))));
  });
  await new Promise((resolve) => server.once('listening', resolve));
  stop = async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  };
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

process.on('message', (message: Command) => {
  void (async () => {
    if (message.cmd === 'start') process.send!({ port: await start(message.kind), memory: memory() });
    else if (message.cmd === 'memory') process.send!({ memory: memory() });
    else if (message.cmd === 'cpu') process.send!({ cpu: process.cpuUsage() });
    else {
      await stop?.();
      process.exit(0);
    }
  })();
});
