// A multi-core STUN server: this thread's socket loop plus worker threads on SO_REUSEPORT sockets.
import { Worker } from 'node:worker_threads';
import { PunchthroughError } from '../core/index.js';
import { resolveUdpIoMode, UDP_IO_ENV } from '../udp-native/index.js';
import { MAX_STUN_WORKERS } from './constants.js';
import { STUN_DROP_REASONS } from './responder.js';
import type { StunListenOptions, StunServer, StunServerOptions, StunServerStats } from './server.js';

/** What a worker thread gets: plain data only (no logger, clock or factory crosses threads). */
export interface StunWorkerData {
  options: Pick<StunServerOptions, 'ipv4' | 'ipv6' | 'software' | 'rateLimit' | 'receiveBufferBytes'>;
  /** The worker's counters, published for the main thread (STUN_COUNTER_FIELDS order). */
  counters: SharedArrayBuffer;
}

export type StunWorkerMessage = { type: 'ready' } | { type: 'failed'; code: string | undefined; message: string };

/** The order of the counters in a worker's shared array. */
export const STUN_COUNTER_FIELDS = ['received', 'requests', 'successResponses', 'errorResponses', 'socketErrors', ...STUN_DROP_REASONS] as const;

export function writeStunCounters(target: Float64Array, stats: StunServerStats): void {
  target[0] = stats.received;
  target[1] = stats.requests;
  target[2] = stats.successResponses;
  target[3] = stats.errorResponses;
  target[4] = stats.socketErrors;
  STUN_DROP_REASONS.forEach((reason, i) => (target[5 + i] = stats.drops[reason]));
}

function addStunCounters(stats: StunServerStats, source: Float64Array): void {
  stats.received += source[0]!;
  stats.requests += source[1]!;
  stats.successResponses += source[2]!;
  stats.errorResponses += source[3]!;
  stats.socketErrors += source[4]!;
  STUN_DROP_REASONS.forEach((reason, i) => (stats.drops[reason] += source[5 + i]!));
}

function invalid(message: string): PunchthroughError {
  return new PunchthroughError('INVALID_OPTIONS', `createStunServer: ${message}`);
}

/**
 * Starts a worker thread on the compiled stun-worker.js, or, when this module runs from the
 * TypeScript sources (tests, benches), on stun-worker.ts through tsx's loader (a development
 * dependency), which a worker does not inherit.
 */
function spawnWorker(data: StunWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./stun-worker.js', import.meta.url), { workerData: data });
  const entry = new URL('./stun-worker.ts', import.meta.url).href;
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData: data });
}

export async function startStunWorkers(
  options: StunServerOptions,
  single: (options: StunServerOptions, reusePort: boolean) => Promise<StunServer>,
): Promise<StunServer> {
  const count = options.workers!;
  if (!Number.isInteger(count) || count < 1 || count > MAX_STUN_WORKERS) throw invalid(`workers must be an integer 1..${MAX_STUN_WORKERS}, got ${count}`);
  if (options.socketFactory) throw invalid('workers need the batched UDP path (SO_REUSEPORT sockets), not an injected socketFactory');
  if (resolveUdpIoMode(options.udpIo, process.env[UDP_IO_ENV]) === 'dgram') {
    throw invalid(`workers need the batched UDP path (SO_REUSEPORT sockets); udpIo is dgram (option or ${UDP_IO_ENV})`);
  }
  const main = await single({ ...options, udpIo: 'batched', workers: 1 }, true);
  // Every worker listens on the ports this thread bound (port 0 resolved to the real one).
  const listen = (family: 'IPv4' | 'IPv6', given: StunListenOptions | false | undefined): StunListenOptions | false => {
    const mine = main.endpoints().filter((endpoint) => endpoint.family === family);
    const primary = mine.find((endpoint) => endpoint.role === 'primary');
    if (!primary || given === false) return false;
    const alternate = mine.find((endpoint) => endpoint.role === 'alternate-port');
    return { ...given, port: primary.port, ...(alternate ? { alternatePort: alternate.port } : {}) };
  };
  const shared = {
    ipv4: listen('IPv4', options.ipv4 ?? {}),
    ipv6: listen('IPv6', options.ipv6 ?? false),
    ...(options.software === undefined ? {} : { software: options.software }),
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
    ...(options.receiveBufferBytes === undefined ? {} : { receiveBufferBytes: options.receiveBufferBytes }),
  };
  const workers: { worker: Worker; counters: Float64Array; exited: Promise<void> }[] = [];
  const stopWorkers = async (): Promise<void> => {
    for (const { worker } of workers) worker.postMessage('close');
    await Promise.all(workers.map(({ exited }) => exited));
  };
  try {
    for (let i = 1; i < count; i++) {
      const buffer = new SharedArrayBuffer(STUN_COUNTER_FIELDS.length * Float64Array.BYTES_PER_ELEMENT);
      const data: StunWorkerData = { options: shared, counters: buffer };
      const worker = spawnWorker(data);
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      workers.push({ worker, counters: new Float64Array(buffer), exited });
      const message = await new Promise<StunWorkerMessage>((resolve) => {
        worker.once('message', resolve);
        worker.once('error', (error) => resolve({ type: 'failed', code: undefined, message: error.message }));
        void exited.then(() => resolve({ type: 'failed', code: undefined, message: 'the worker exited during start' }));
      });
      if (message.type === 'failed') {
        throw new PunchthroughError(message.code === 'UDP_IO_UNAVAILABLE' ? 'UDP_IO_UNAVAILABLE' : 'INVALID_OPTIONS', `createStunServer: worker ${i}: ${message.message}`);
      }
    }
  } catch (error) {
    await stopWorkers();
    await main.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    endpoints: () => main.endpoints(),
    address: (family) => main.address(family),
    stats() {
      const total = main.stats();
      for (const { counters } of workers) addStunCounters(total, counters);
      return total;
    },
    udpIo: () => main.udpIo(),
    close: () => (closing ??= Promise.all([stopWorkers(), main.close()]).then(() => undefined)),
  };
}
