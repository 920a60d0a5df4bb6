// A test file's virtual worlds: one signaling cloud for the file, and each test's world closed after it.
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { NetworkRunner, PeerConnectedEvent } from '../../client-sdk/index.js';
import { createVirtualWorld, startSignalingCloud, type PairOutcome, type SignalingCloud, type VirtualWorld } from './virtual-cloud.js';

export interface VirtualWorlds {
  /** Opens this test's world (closed after the test). */
  open(seed: number): Promise<VirtualWorld>;
  /** The world the running test opened last. */
  readonly current: VirtualWorld;
}

/** Call at a test file's top level: registers the hooks that start and close everything. */
export function useVirtualWorlds(): VirtualWorlds {
  let cloud: SignalingCloud | undefined;
  let world: VirtualWorld | undefined;
  beforeAll(async () => {
    cloud = await startSignalingCloud();
  });
  afterAll(() => cloud?.close());
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });
  return {
    async open(seed) {
      await world?.close();
      world = await createVirtualWorld(cloud!, seed);
      return world;
    },
    get current() {
      if (!world) throw new Error('no virtual world is open in this test');
      return world;
    },
  };
}

/** The client's connected event of a pair that must have connected. */
export function connected(outcome: PairOutcome): PeerConnectedEvent {
  if (!outcome.result.ok) throw new Error(`did not connect: ${outcome.result.code}`);
  return outcome.result.connected;
}

/** Messages `runner` receives, as text. */
export function inbox(runner: NetworkRunner): string[] {
  const received: string[] = [];
  runner.on('message', (event) => received.push(Buffer.from(event.data).toString()));
  return received;
}
