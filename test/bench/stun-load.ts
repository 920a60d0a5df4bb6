// Load generator process for bench:stun (forked, IPC with advanced serialization). The bench
// tells it when to start (warm-up), when to begin counting, and when to stop; it answers with
// what it counted.
import dgram from 'node:dgram';
import { once } from 'node:events';

export interface LoadCommand {
  command: 'start' | 'measure' | 'stop';
  port?: number;
}

export interface LoadReport {
  completed: number;
  lost: number;
  latencies: Float64Array;
}

const [SOCKETS, IN_FLIGHT, LOST_AFTER_MS] = process.argv.slice(2).map(Number) as [number, number, number];

let run: { measure(): void; stop(): Promise<LoadReport> } | undefined;

process.on('message', async (message: LoadCommand) => {
  if (message.command === 'start') {
    run = await start(message.port!);
    process.send!('started');
  } else if (message.command === 'measure') {
    run!.measure();
  } else {
    process.send!(await run!.stop());
  }
});
process.on('disconnect', () => process.exit(0));

/** Closed-loop load: every socket keeps IN_FLIGHT requests outstanding, each in its own reusable buffer. */
async function start(port: number) {
  const sockets = await Promise.all(
    Array.from({ length: SOCKETS }, async () => {
      const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
      socket.bind(0, '127.0.0.1');
      await once(socket, 'listening');
      return socket;
    }),
  );
  // Each slot's transaction id carries (socket, slot, sequence number).
  const requests = sockets.map((_, s) =>
    Array.from({ length: IN_FLIGHT }, (_, slot) => {
      const request = Buffer.from('000100002112a442000000000000000000000000', 'hex');
      request.writeUInt16BE(s, 8);
      request.writeUInt16BE(slot, 10);
      return request;
    }),
  );
  const sentAt = sockets.map(() => new Float64Array(IN_FLIGHT));
  const sequence = sockets.map(() => new Uint32Array(IN_FLIGHT));
  let measuring = false;
  let completed = 0;
  let lost = 0;
  let latencies = new Float64Array(1 << 16);

  const send = (s: number, slot: number): void => {
    const request = requests[s]![slot]!;
    request.writeUInt32BE(++sequence[s]![slot]!, 12);
    sentAt[s]![slot] = performance.now();
    sockets[s]!.send(request, port, '127.0.0.1');
  };
  sockets.forEach((socket, s) => {
    socket.on('message', (data: Buffer) => {
      if (data.length < 20 || data.readUInt16BE(0) !== 0x0101) return;
      const slot = data.readUInt16BE(10);
      if (data.readUInt16BE(8) !== s || slot >= IN_FLIGHT || data.readUInt32BE(12) !== sequence[s]![slot]) return;
      if (measuring) {
        if (completed === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[completed++] = performance.now() - sentAt[s]![slot]!;
      }
      send(s, slot);
    });
  });
  const sweeper = setInterval(() => {
    const now = performance.now();
    sentAt.forEach((times, s) =>
      times.forEach((at, slot) => {
        if (now - at > LOST_AFTER_MS) {
          if (measuring) lost++;
          send(s, slot);
        }
      }),
    );
  }, 100);
  for (let s = 0; s < SOCKETS; s++) for (let slot = 0; slot < IN_FLIGHT; slot++) send(s, slot);

  return {
    measure() {
      measuring = true;
    },
    async stop(): Promise<LoadReport> {
      measuring = false;
      clearInterval(sweeper);
      await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
      return { completed, lost, latencies: latencies.slice(0, completed) };
    },
  };
}
