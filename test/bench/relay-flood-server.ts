// Child process of relay-flood.bench.ts: the relay of the checkout at argv[2], on 127.0.0.1, reporting its port, CPU time and stats over IPC.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LIFTED_GAME_TRAFFIC_LIMITS } from '../support/relay-limits.js';

const root = process.argv[2] ?? process.cwd();
const secret = process.argv[3] ?? '';

interface RelayModule {
  createRelayServer(options: Record<string, unknown>): Promise<{ address(): { port: number }; stats(): unknown; close(): Promise<void> }>;
}

const relay = (await import(pathToFileURL(join(root, 'relay/index.ts')).href)) as RelayModule;
// Per-peer game-traffic limits are lifted (the pair sends well above 200 packets/s); every bind
// defence keeps its default, since binds are what the flood attacks.
const server = await relay.createRelayServer({
  secret,
  host: '127.0.0.1',
  port: 0,
  ...LIFTED_GAME_TRAFFIC_LIMITS,
  // RELAY_COALESCE_US=0: the batched socket reads on every wake-up (receive coalescing off), for an A/B in one checkout.
  ...(process.env.RELAY_COALESCE_US === undefined ? {} : { udpCoalesceMicros: Number(process.env.RELAY_COALESCE_US) }),
});
process.on('disconnect', () => process.exit(0));
process.on('message', (command: { type: 'usage' | 'stop' }) => {
  if (command.type === 'usage') {
    const cpu = process.cpuUsage();
    process.send?.({ type: 'usage', cpuMicros: cpu.user + cpu.system, stats: server.stats() });
  } else {
    void server.close().then(() => process.exit(0));
  }
});
process.send?.({ type: 'ready', port: server.address().port });
