/**
 * Child process of relay-ws.bench.ts: punchthrough's relay on 127.0.0.1 with its WebSocket
 * listener, limits lifted (the benchmark measures carrying, not policing); reports both ports over IPC.
 */
import { createRealClock, createSilentLogger } from '../../core/index.js';
import { createRelayServer, createRelayWebSocketServer } from '../../relay/index.js';
import { LIFTED_BIND_LIMITS, LIFTED_GAME_TRAFFIC_LIMITS } from '../support/relay-limits.js';

const secret = process.argv[2] ?? '';
process.on('disconnect', () => process.exit(0));
const relay = await createRelayServer({ secret, host: '127.0.0.1', port: 0, ...LIFTED_GAME_TRAFFIC_LIMITS, ...LIFTED_BIND_LIMITS });
const ws = await createRelayWebSocketServer(
  { clock: createRealClock(), logger: createSilentLogger() },
  { relay, host: '127.0.0.1', port: 0, maxConnectionsPerAddress: 1e9, messagesPerSecond: 1e9, messageBurst: 1e9 },
);
process.on('message', (command: { type: string }) => {
  if (command.type !== 'stop') return;
  void Promise.all([ws.close(), relay.close()]).then(() => process.exit(0));
});
process.send?.({ type: 'ready', port: relay.address().port, wsUrl: `ws://127.0.0.1:${ws.address().port}${ws.path}` });
