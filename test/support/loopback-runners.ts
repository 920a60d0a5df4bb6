// One loopback cloud per test file and the runners its tests make, all shut down after the file.
import { afterAll, beforeAll } from 'vitest';
import { NetworkRunner, type NetworkRunnerOptions } from '../../client-sdk/index.js';
import type { SessionServiceOptions } from '../../src/index.js';
import { startLoopbackCloud, type LoopbackCloud } from './sdk-cloud.js';

export interface LoopbackRunners {
  /** The file's cloud (after beforeAll). */
  readonly cloud: LoopbackCloud;
  /** A runner on 127.0.0.1 against the file's cloud, shut down after the file. */
  runner(options?: Partial<NetworkRunnerOptions>): NetworkRunner;
  /** Keeps runners made elsewhere for the same shutdown. */
  keep(...made: NetworkRunner[]): void;
}

/** Registers the file's beforeAll/afterAll: call at the top level of a test file. */
export function useLoopbackRunners(appId: string, session: SessionServiceOptions = {}): LoopbackRunners {
  let cloud: LoopbackCloud | undefined;
  const runners: NetworkRunner[] = [];
  beforeAll(async () => {
    cloud = await startLoopbackCloud(session);
  });
  afterAll(async () => {
    await Promise.allSettled(runners.map((r) => r.shutdown()));
    await cloud?.close();
  });
  const started = (): LoopbackCloud => {
    if (!cloud) throw new Error('the loopback cloud starts in beforeAll');
    return cloud;
  };
  return {
    get cloud() {
      return started();
    },
    runner: (options = {}) => {
      const made = new NetworkRunner({ cloudUrl: started().url, appId, bindAddress: '127.0.0.1', ...options });
      runners.push(made);
      return made;
    },
    keep: (...made) => void runners.push(...made),
  };
}
