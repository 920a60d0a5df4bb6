/**
 * Child process of relay.bench.ts: runs one forwarder on 127.0.0.1 and reports its port over
 * IPC. `relay` is punchthrough's relay server on the batched UDP addon (its defaults: receive
 * coalescing on), `relay-eager` the same reading on every wake-up, `relay-dgram` the same
 * on node:dgram (limits raised out of the way: the benchmark measures forwarding, not
 * policing); `minimal` is the ceiling for a Node relay — receive, one
 * Map lookup by source port, send the same buffer.
 */
import dgram from 'node:dgram';
import { createRelayServer, relayDefaults } from '../../relay/index.js';
import { LIFTED_BIND_LIMITS, LIFTED_GAME_TRAFFIC_LIMITS } from '../support/relay-limits.js';

type Command = { type: 'pairs'; pairs: Array<[number, number]> } | { type: 'usage' } | { type: 'stop' };

/** CPU time this process has used, in µs, and datagrams it has forwarded. */
const usage = (packets: number) => {
  const cpu = process.cpuUsage();
  return { type: 'usage', cpuMicros: cpu.user + cpu.system, packets };
};

const mode = process.argv[2];
const secret = process.argv[3] ?? '';
const send = (message: unknown): void => {
  process.send?.(message);
};

// If the benchmark process dies, so does its forwarder.
process.on('disconnect', () => process.exit(0));

if (mode === 'relay' || mode === 'relay-eager' || mode === 'relay-dgram') {
  const server = await createRelayServer({
    secret,
    udpIo: mode === 'relay-dgram' ? 'dgram' : 'batched',
    ...(mode === 'relay-eager' ? { udpCoalesceMicros: 0 } : {}),
    host: '127.0.0.1',
    port: 0,
    ...LIFTED_GAME_TRAFFIC_LIMITS,
    // Every pair binds from 127.0.0.1 at once: lift the per-address bounds too.
    ...LIFTED_BIND_LIMITS,
    // A round measures five forwarders back to back: a binding waits longer than 30 s for its next turn.
    idleTimeoutMs: 600_000,
  });
  process.on('message', (command: Command) => {
    if (command.type === 'usage') send(usage(server.stats().packetsRelayed));
    if (command.type === 'stop') {
      send({ type: 'stats', stats: server.stats() });
      void server.close().then(() => process.exit(0));
    }
  });
  send({ type: 'ready', port: server.address().port });
} else {
  const socket = dgram.createSocket({
    type: 'udp4',
    recvBufferSize: relayDefaults.DEFAULT_SOCKET_BUFFER_BYTES,
    sendBufferSize: relayDefaults.DEFAULT_SOCKET_BUFFER_BYTES,
  });
  const route = new Map<number, number>();
  let forwarded = 0;
  socket.on('error', () => undefined);
  socket.on('message', (data, from) => {
    const to = route.get(from.port);
    if (to === undefined) return;
    forwarded++;
    socket.send(data, to, '127.0.0.1');
  });
  socket.bind(0, '127.0.0.1', () => send({ type: 'ready', port: socket.address().port }));
  process.on('message', (command: Command) => {
    if (command.type === 'pairs') {
      for (const [a, b] of command.pairs) {
        route.set(a, b);
        route.set(b, a);
      }
      send({ type: 'routed' });
    } else if (command.type === 'usage') {
      send(usage(forwarded));
    } else {
      socket.close(() => process.exit(0));
    }
  });
}
