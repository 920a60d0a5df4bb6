// A cluster node that loses its lease fences itself: it registers again under a new
// incarnation and closes every WebSocket with 1012; the peer rejoins (on any node) and resumes.
import { afterAll, describe, expect, it } from 'vitest';
import { createCloud, type Cloud } from '../../../../src/index.js';
import { RequestType, type JoinResult } from '../../../../src/protocol/index.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis } from '../../../support/redis.js';
import { SignalingError, TestSignalingClient } from '../../../support/signaling-client.js';

describe.skipIf(!redisAvailable())('cluster fence (createCloud on a real redis-server)', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  let redis: TestRedis | undefined;
  let cloud: Cloud | undefined;
  const clients: TestSignalingClient[] = [];
  afterAll(async () => {
    for (const c of clients) await c.close();
    await cloud?.close();
    await redis?.stop();
  });

  it('a write refused by the fence answers SERVICE_UNAVAILABLE (retryable) and is counted', async () => {
    const own = await startRedis();
    const node = await createCloud({
      host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: null, relayPort: 0, ipv6: false,
      cluster: { redisUrl: `unix://${own.socketPath}`, nodeId: 'n1' },
    });
    const peers: TestSignalingClient[] = [];
    try {
      const host = await TestSignalingClient.hello(node.signalingUrl);
      const guest = await TestSignalingClient.hello(node.signalingUrl);
      peers.push(host, guest);
      await host.request({ type: RequestType.CREATE, name: 'g' });
      const admin = await own.client();
      // Another incarnation holds the lease; this node learns it at its next refresh (≤ 500 ms),
      // so the join sent now reaches the store first and the commit's fence refuses it.
      await admin.set('pt:lease:n1', 'not-this-node', { PX: 800 });
      const refused = await guest.request({ type: RequestType.JOIN, name: 'g' }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(SignalingError);
      expect((refused as SignalingError).reply.code).toBe('SERVICE_UNAVAILABLE');
      expect(await node.metrics()).toMatch(/punchthrough_cluster_node\{counter="fencedWrites"\} 1\b/);
      expect(await node.metrics()).toMatch(/punchthrough_session_errors_total\{code="SERVICE_UNAVAILABLE"\} 1\b/);
      // Nothing was written: the session still has its host only.
      const stored = await admin.hGet((await own.keys('pt:{*}:s:*'))[0]!, 'pl');
      expect(stored).toBe('1');
    } finally {
      for (const c of peers) await c.close();
      await node.close();
      await own.stop();
    }
  });

  it('a lease taken away: sockets close with 1012, the node registers again, the peer resumes', async () => {
    redis = await startRedis();
    cloud = await createCloud({
      host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: null, relayPort: 0, ipv6: false,
      cluster: { redisUrl: `unix://${redis.socketPath}`, nodeId: 'n1' },
    });
    const host = await TestSignalingClient.hello(cloud.signalingUrl);
    clients.push(host);
    const created = (await host.request({ type: RequestType.CREATE, name: 'g' })) as JoinResult;
    const admin = await redis.client();
    const before = await admin.get('pt:lease:n1');
    // Another process took the node id (as if this node had been paused past its lease).
    await admin.set('pt:lease:n1', 'not-this-node', { PX: 800 });
    expect(await host.closed).toBe(1012);
    // Registered again, under a new incarnation, once the other lease lapsed.
    let after: string | null = null;
    for (const end = Date.now() + 6_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
      after = await admin.get('pt:lease:n1');
      if (after !== null && after !== 'not-this-node') break;
    }
    expect(after).not.toBeNull();
    expect(after).not.toBe(before);
    const back = await TestSignalingClient.hello(cloud.signalingUrl);
    clients.push(back);
    const rejoined = (await back.request({ type: RequestType.REJOIN, sessionId: created.session.sessionId, actor: 1, rejoinToken: created.rejoinToken })) as JoinResult;
    expect(rejoined).toMatchObject({ actor: 1, resumed: true });
  });
});
