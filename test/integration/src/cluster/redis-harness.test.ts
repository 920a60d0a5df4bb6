// The test harness's redis-server: starts on a private unix socket, answers, and leaves nothing behind.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REDIS_MISSING, redisAvailable, startRedis } from '../../../support/redis.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!redisAvailable())('redis harness', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);

  it('runs a private server on a unix socket and removes it, process and directory, on stop', async () => {
    const redis = await startRedis();
    const client = await redis.client();
    expect(await client.ping()).toBe('PONG');
    expect(await client.configGet('port')).toMatchObject({ port: '0' });
    await client.set('pt:x', '1');
    expect(await redis.keys('pt:*')).toEqual(['pt:x']);
    await redis.stop();
    expect(alive(redis.pid)).toBe(false);
    expect(existsSync(dirname(redis.socketPath))).toBe(false);
    await redis.stop(); // idempotent
  });
});
