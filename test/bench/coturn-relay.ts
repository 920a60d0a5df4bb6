// bench:relay's coturn baseline: coturn relaying between TURN clients (turnutils_uclient -y), forwards per CPU-second.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort } from '../support/coturn.js';

/** turnutils_uclient's load: the command (50 clients in pairs, 64-byte messages). */
export const UCLIENT_ARGS = ['-y', '-m', '50', '-l', '64', '-n', '2000'];

export interface CoturnRelayFigures {
  /** Messages the clients received (each crossed coturn twice: client → relay → relay → client). */
  messages: number;
  /** Datagrams coturn forwarded: two per message. */
  forwards: number;
  cpuSeconds: number;
  forwardsPerCpuSecond: number;
  averageRttMs: number;
  lost: number;
}

/** A loopback TURN server, unauthenticated and relaying to loopback peers, as the uclient load and the TURN pairs need it. */
export interface CoturnRelay {
  port: number;
  /** On-CPU time of all its threads so far, µs (the scheduler's ns counters: finer than /proc/<pid>/stat's ticks). */
  cpuMicros(): number;
  stop(): Promise<void>;
}

export async function startCoturnRelay(): Promise<CoturnRelay> {
  const port = await freeUdpPort();
  const dir = mkdtempSync(join(tmpdir(), 'punchthrough-coturn-relay-'));
  const server = spawn(
    'turnserver',
    [
      '-n', '--listening-ip', '127.0.0.1', '--listening-port', String(port), '--relay-ip', '127.0.0.1',
      '--allow-loopback-peers', '--no-auth', '--no-tcp', '--no-tls', '--no-dtls', '--no-cli', '--no-rfc5780',
      '--log-file', 'stdout', '--pidfile', join(dir, 'pid'), '--userdb', join(dir, 'db'),
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const pid = server.pid!;
  // No readiness probe needed: the clients retry their requests; a short wait keeps retries few.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return {
    port,
    cpuMicros: () => readdirSync(`/proc/${pid}/task`).reduce((sum, task) => sum + Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]) / 1_000, 0),
    async stop() {
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      const killer = setTimeout(() => server.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a loopback TURN server and the uclient load once; coturn's own CPU time. */
export async function measureCoturnRelay(): Promise<CoturnRelayFigures> {
  const relay = await startCoturnRelay();
  try {
    const before = relay.cpuMicros();
    const client = spawn('turnutils_uclient', [...UCLIENT_ARGS, '-p', String(relay.port), '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    client.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000)));
    client.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000)));
    await once(client, 'exit');
    const cpuSeconds = (relay.cpuMicros() - before) / 1e6;
    const messages = Number(/tot_send_msgs=\d+, tot_recv_msgs=(\d+)\s*$/m.exec(output)?.[1] ?? NaN);
    const rtt = Number(/Average round trip delay ([\d.]+) ms/.exec(output)?.[1] ?? NaN);
    const lost = Number(/Total lost packets (\d+)/.exec(output)?.[1] ?? NaN);
    return { messages, forwards: 2 * messages, cpuSeconds, forwardsPerCpuSecond: (2 * messages) / cpuSeconds, averageRttMs: rtt, lost };
  } finally {
    await relay.stop();
  }
}
