// Three real session services on one Redis (3 nodes, port 0) and 64 raw WebSocket clients joining one 64-player session at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRealClock, type Clock } from '../../../../core/index.js';
import { buildSessionService, type SessionService } from '../../../../src/index.js';
import { RequestType } from '../../../../src/protocol/index.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis } from '../../../support/redis.js';
import { leftoverKeys, startNode, type TestNode } from '../../../support/redis-store.js';
import { SignalingError, TestSignalingClient } from '../../../support/signaling-client.js';

describe.skipIf(!redisAvailable())('three session services on one Redis', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  let redis: TestRedis;
  let nodes: TestNode[];
  let services: SessionService[];
  let urls: string[];
  const clients: TestSignalingClient[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    nodes = await Promise.all(['node-a', 'node-b', 'node-c'].map((id) => startNode(redis, id)));
    services = nodes.map((node) => buildSessionService({ store: node.store, nodeId: node.nodeId, clock: wallClock() }));
    const endpoints = await Promise.all(services.map((service) => service.listen({ host: '127.0.0.1', port: 0 })));
    urls = endpoints.map((endpoint) => `ws://127.0.0.1:${endpoint.port}/v1/signaling`);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all((services ?? []).map((service) => service.close()));
    await redis?.stop();
  });

  it('64 concurrent joins across 3 nodes into a 64-player session: exactly 63 admitted, the last SESSION_FULL, no other error', async () => {
    const host = await TestSignalingClient.hello(urls[0]!);
    clients.push(host);
    await host.request({ type: RequestType.CREATE, name: 'hot', maxPlayers: 64 });
    const joiners = await Promise.all(Array.from({ length: 64 }, (_, i) => TestSignalingClient.hello(urls[i % 3]!)));
    clients.push(...joiners);
    const results = await Promise.allSettled(joiners.map((client) => client.request({ type: RequestType.JOIN, name: 'hot' })));
    const admitted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.actor] : []));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof SignalingError ? r.reason.reply.code : String(r.reason)] : []));
    expect(errors).toEqual(['SESSION_FULL']);
    expect(admitted).toHaveLength(63);
    expect(new Set(admitted).size).toBe(63);
    const stored = (await nodes[2]!.store.find({ appKey: 'game\u00001', limit: 5 }))[0]!;
    expect(stored.members).toHaveLength(64);
    expect(new Set(stored.members.map((m) => m.node))).toEqual(new Set(['node-a', 'node-b', 'node-c']));
    console.log(`3 services: ${JSON.stringify(nodes.map((n) => n.store.stats()))}`);
    // The host leaves: the session closes on every node, and no key but inboxes and leases is left.
    await host.request({ type: RequestType.LEAVE });
    expect(await nodes[1]!.store.count()).toBe(0);
    expect((await leftoverKeys(redis)).filter((key) => !key.startsWith('pt:in:'))).toEqual([]);
  });
});

/** Wall-clock time as the service clock: deadlines stored in Redis mean the same on every node (cluster mode's rule). */
function wallClock(): Clock {
  const real = createRealClock();
  return { ...real, now: () => real.wallTime() };
}
