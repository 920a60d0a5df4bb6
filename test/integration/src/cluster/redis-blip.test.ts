// A Redis pause of 2 s under two cluster nodes (spec §11.5): no WebSocket is closed and no node
// fences itself; a request during the pause is refused with SERVICE_UNAVAILABLE within 1.2 s; an
// event committed just before the pause reaches the other node's peer after it, exactly once.
import { afterAll, describe, expect, it } from 'vitest';
import { createCloud, type Cloud } from '../../../../src/index.js';
import { EventType, RequestType } from '../../../../src/protocol/index.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis } from '../../../support/redis.js';
import { SignalingError, TestSignalingClient } from '../../../support/signaling-client.js';

const LOOPBACK = { host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: null, relayPort: 0, ipv6: false } as const;

describe.skipIf(!redisAvailable())('Redis blip under cluster nodes', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  let redis: TestRedis | undefined;
  const clouds: Cloud[] = [];
  const clients: TestSignalingClient[] = [];
  afterAll(async () => {
    for (const c of clients) await c.close();
    for (const c of clouds) await c.close();
    await redis?.stop();
  });

  it('a 2 s SIGSTOP: no socket closed, no fence, requests refused retryably in time, events delivered once after', async () => {
    redis = await startRedis();
    for (const nodeId of ['n1', 'n2']) clouds.push(await createCloud({ ...LOOPBACK, cluster: { redisUrl: `unix://${redis.socketPath}`, nodeId } }));
    const host = await TestSignalingClient.hello(clouds[0]!.signalingUrl);
    const guest = await TestSignalingClient.hello(clouds[1]!.signalingUrl);
    clients.push(host, guest);
    await host.request({ type: RequestType.CREATE, name: 'g' });
    await guest.request({ type: RequestType.JOIN, name: 'g' });
    await host.next(EventType.PEER_JOINED);
    const admin = await redis.client();
    const leases = await Promise.all(['n1', 'n2'].map((n) => admin.get(`pt:lease:${n}`)));

    // Committed (and appended to n2's inbox) just before the pause; n2 reads it after.
    await host.request({ type: RequestType.SET_PROPERTIES, properties: { round: 1 } });
    process.kill(redis.pid, 'SIGSTOP');
    let refusedMs: number | undefined;
    let code: string | undefined;
    try {
      const sentAt = Date.now();
      try {
        await host.request({ type: RequestType.SET_PROPERTIES, properties: { round: 2 } });
      } catch (error) {
        refusedMs = Date.now() - sentAt;
        code = error instanceof SignalingError ? error.reply.code : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 2_000 - (Date.now() - sentAt))));
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    expect(code).toBe('SERVICE_UNAVAILABLE');
    expect(refusedMs).toBeLessThan(1_200);

    await host.request({ type: RequestType.SET_PROPERTIES, properties: { round: 3 } });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const changes = guest.events.filter((e) => e.type === EventType.PROPERTIES_CHANGED).map((e) => (e as { properties: { round?: number } }).properties.round);
    expect(changes).toEqual([1, 3]);
    expect(host.closeCode).toBeUndefined();
    expect(guest.closeCode).toBeUndefined();
    // Nobody fenced: the same incarnations hold the leases.
    expect(await Promise.all(['n1', 'n2'].map((n) => admin.get(`pt:lease:${n}`)))).toEqual(leases);
    console.log(`redis blip: a request during a 2 s pause refused with ${code} after ${refusedMs} ms`);
  });
});
