import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stunBinding } from '../../client-sdk/index.js';
import { createNodeUdpSocketFactory } from '../../core/index.js';

/** True when coturn's binaries are on PATH (Debian package `coturn`; .ci/run installs it). */
export function coturnAvailable(): boolean {
  return spawnSync('sh', ['-c', 'command -v turnserver && command -v turnutils_stunclient']).status === 0;
}

export const COTURN_MISSING = 'coturn is not installed (apt-get install coturn); .ci/run installs it so this runs in CI';

/** A free UDP port on every one of `hosts` (bound and released: good enough on a test machine). */
export async function freeUdpPort(hosts: string[] = ['127.0.0.1']): Promise<number> {
  const factory = createNodeUdpSocketFactory();
  for (;;) {
    const probe = await factory.bind({ type: 'udp4', address: hosts[0]! });
    const { port } = probe.address();
    await probe.close();
    const others = await Promise.all(
      hosts.slice(1).map((address) =>
        factory.bind({ type: 'udp4', address, port }).then(
          async (socket) => (await socket.close(), true),
          () => false,
        ),
      ),
    );
    if (others.every(Boolean)) return port;
  }
}

export interface Turnserver {
  port: number;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL if it lingers; removes its temporary directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs coturn's `turnserver` as a STUN-only server on loopback: no config file (-n), UDP only,
 * its pid file and user database in a temporary directory, logs to a pipe we drain. Resolves
 * once it answers a Binding request.
 */
export async function startTurnserver(options: { hosts?: string[]; port?: number; altPort?: number } = {}): Promise<Turnserver> {
  const hosts = options.hosts ?? ['127.0.0.1'];
  const port = options.port ?? (await freeUdpPort(hosts));
  const dir = mkdtempSync(join(tmpdir(), 'punchthrough-coturn-'));
  const args = [
    '-n',
    '--stun-only',
    ...hosts.flatMap((host) => ['--listening-ip', host]),
    '--listening-port',
    String(port),
    ...(options.altPort === undefined ? ['--no-rfc5780'] : ['--alt-listening-port', String(options.altPort)]),
    '--no-tcp',
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--log-file',
    'stdout',
    '--pidfile',
    join(dir, 'turnserver.pid'),
    '--userdb',
    join(dir, 'turndb'),
  ];
  const child = spawn('turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    })());

  // Ready when it answers: retransmit patiently instead of sleeping a guessed startup time.
  const died = exited.then(() => {
    throw new Error(`turnserver exited before answering:\n${output}`);
  });
  died.catch(() => undefined); // only matters while we wait for readiness
  const socket = await createNodeUdpSocketFactory().bind({ type: 'udp4', address: '127.0.0.1' });
  try {
    await Promise.race([
      stunBinding(socket, { address: hosts[0]!, port }, { initialRtoMs: 50, maxRetransmits: 9, lastWaitRtos: 40 }),
      died,
    ]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    await socket.close();
  }
  return { port, child, stop };
}
