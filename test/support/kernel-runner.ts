/**
 * A product NetworkRunner for the real-kernel path tests, run inside a namespace with
 * `node --import tsx test/support/kernel-runner.ts`. Prints one JSON object per line.
 *
 *   host <cloudUrl> <session> [optionsJson]
 *       server mode; echoes every message; prints session, peerConnected, pathChanged, peerDisconnected
 *   client <cloudUrl> <session> <durationMs> <intervalMs> [optionsJson]
 *       client mode; after connecting sends a 12-byte update (seq, send time) every `intervalMs`
 *       for `durationMs`, prints every echo with the path carrying traffic then, and at the end
 *       `{event: 'updates', sent, echoed}` (echoes counted as in cli/client-command.ts)
 *
 * Every line carries `at` (ms since the process started) and `wall` (Date.now(): the namespaces
 * share one clock, so the test can compare it with its own).
 * `optionsJson` is spread into the NetworkRunner options (e.g. `{"lowTtlPriming":false}`), which
 * is why the tests use this rather than the CLI, which exposes few options.
 */
import { NetworkRunner, type NetworkRunnerOptions } from '../../client-sdk/index.js';

const UPDATE_BYTES = 12;
const start = performance.now();
const since = (): number => Math.round(performance.now() - start);
const print = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...event, at: since(), wall: Date.now() })}\n`);
};
const endpoint = (value: { address: string; port: number }): string => `${value.address}:${value.port}`;

function makeRunner(cloudUrl: string, extra: string | undefined): NetworkRunner {
  const options = (extra ? JSON.parse(extra) : {}) as Partial<NetworkRunnerOptions>;
  const runner = new NetworkRunner({ cloudUrl, appId: 'kernel-paths', appVersion: '1', ipv6: false, ...options });
  runner.on('pathChanged', (change) =>
    print({ event: 'pathChanged', path: change.path, from: change.from, reason: change.reason, remote: endpoint(change.remote) }),
  );
  runner.on('peerDisconnected', (peer) => print({ event: 'peerDisconnected', reason: peer.reason }));
  return runner;
}

async function host(cloudUrl: string, session: string, extra?: string): Promise<void> {
  const runner = makeRunner(cloudUrl, extra);
  runner.on('peerConnected', (peer) => print({ event: 'peerConnected', path: peer.path, remote: endpoint(peer.remote) }));
  runner.on('message', (message) => runner.send(message.peerId, message.data));
  const started = await runner.startGame({ mode: 'server', sessionName: session });
  print({ event: 'session', name: started.sessionName });
}

async function client(cloudUrl: string, session: string, durationMs: number, intervalMs: number, extra?: string): Promise<void> {
  const runner = makeRunner(cloudUrl, extra);
  const started = await runner.startGame({ mode: 'client', sessionName: session });
  const server = started.server;
  if (!server) throw new Error('no server peer');
  print({ event: 'connected', path: server.path, attempt: server.attempt, ms: Math.round(server.ms), remote: endpoint(server.remote) });
  const seen = new Set<number>();
  runner.on('message', ({ peerId, data }) => {
    if (peerId !== server.peerId || data.byteLength !== UPDATE_BYTES) return;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const seq = view.getUint32(0);
    if (seen.has(seq)) return;
    seen.add(seq);
    print({ event: 'echo', seq, path: runner.connectionType(server.peerId) ?? null, rttMs: Math.round(performance.now() - view.getFloat64(4)) });
  });
  const sendStart = performance.now();
  let sent = 0;
  while (performance.now() - sendStart < durationMs) {
    const update = new Uint8Array(UPDATE_BYTES);
    const view = new DataView(update.buffer);
    view.setUint32(0, sent++);
    view.setFloat64(4, performance.now());
    runner.send(server.peerId, update);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  // Echoes still in flight: one second is ample for a round trip through the relay.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  print({ event: 'updates', sent, echoed: seen.size, path: runner.connectionType(server.peerId) ?? null });
  await runner.shutdown();
  process.exit(0);
}

const [mode, ...args] = process.argv.slice(2);
try {
  if (mode === 'host') await host(args[0]!, args[1]!, args[2]);
  else if (mode === 'client') await client(args[0]!, args[1]!, Number(args[2]), Number(args[3]), args[4]);
  else {
    process.stderr.write('usage: kernel-runner.ts host <cloudUrl> <session> [optionsJson] | client <cloudUrl> <session> <durationMs> <intervalMs> [optionsJson]\n');
    process.exitCode = 2;
  }
} catch (error) {
  print({ event: 'failed', message: (error as Error).message });
  process.exit(1);
}
