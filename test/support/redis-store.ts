// Redis session stores for tests: a node's lease set by hand (helper B's heartbeat does it in the product), stores on their own clients.
import { randomBytes } from 'node:crypto';
import { createEnv } from '../../core/index.js';
import { createRedisSessionStore, leaseKey, type RedisSessionStore, type RedisSessionStoreOptions } from '../../src/cluster/index.js';
import type { TestRedis } from './redis.js';

export interface TestNode {
  nodeId: string;
  incarnation: string;
  store: RedisSessionStore;
}

/** A store as node `nodeId` on its own client, its lease held (no expiry: tests drop it by hand). */
export async function startNode(redis: TestRedis, nodeId: string, options: { lease?: boolean } & Pick<RedisSessionStoreOptions, 'own'> = {}): Promise<TestNode> {
  const incarnation = randomBytes(8).toString('hex');
  const client = await redis.client({ disableOfflineQueue: true });
  if (options.lease ?? true) await client.set(leaseKey(nodeId), incarnation);
  const store = await createRedisSessionStore(createEnv(), { client, nodeId, incarnation, ...(options.own ? { own: options.own } : {}) });
  return { nodeId, incarnation, store };
}

/** Keys under pt: that are not node leases (what a clean cluster leaves: nothing). */
export async function leftoverKeys(redis: TestRedis): Promise<string[]> {
  return (await redis.keys('pt:*')).filter((key) => !key.startsWith('pt:lease:'));
}
