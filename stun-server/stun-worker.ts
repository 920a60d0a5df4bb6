// A STUN worker thread: one more socket loop on the server's SO_REUSEPORT ports (stun-server/workers.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { isPunchthroughError } from '../core/index.js';
import { STUN_WORKER_STATS_INTERVAL_MS } from './constants.js';
import { createSingleStunServer } from './server.js';
import { writeStunCounters, type StunWorkerData, type StunWorkerMessage } from './workers.js';

const data = workerData as StunWorkerData;
const counters = new Float64Array(data.counters);
const post = (message: StunWorkerMessage): void => parentPort!.postMessage(message);

try {
  const server = await createSingleStunServer({ ...data.options, udpIo: 'batched' }, true);
  const publish = setInterval(() => writeStunCounters(counters, server.stats()), STUN_WORKER_STATS_INTERVAL_MS);
  parentPort!.once('message', () => {
    clearInterval(publish);
    void server.close().then(() => {
      writeStunCounters(counters, server.stats());
      parentPort!.close();
    });
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', code: isPunchthroughError(error) ? error.code : undefined, message: (error as Error).message });
  parentPort!.close();
}
