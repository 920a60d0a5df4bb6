// The Redis store passes the same SessionStore conformance suite as the memory store, against a real redis-server.
import { afterAll, beforeAll, describe } from 'vitest';
import { sessionStoreConformance } from '../../../support/session-store-conformance.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis } from '../../../support/redis.js';
import { leftoverKeys, startNode } from '../../../support/redis-store.js';

describe.skipIf(!redisAvailable())('redis store', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  sessionStoreConformance('redis', async () => {
    await redis.flush();
    const node = await startNode(redis, 'node-a');
    return { store: node.store, leftovers: () => leftoverKeys(redis), close: () => node.store.close() };
  });
});
