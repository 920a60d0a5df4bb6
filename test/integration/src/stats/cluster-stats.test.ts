// The operator's statistics in cluster mode: each node counts the connects its clients report, and any node's /v1/stats shows the whole cluster's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloud, type Cloud } from '../../../../src/index.js';
import { EventType, RequestType, type JoinResult, type NatType } from '../../../../src/protocol/index.js';
import type { StatsView } from '../../../../src/stats/index.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis } from '../../../support/redis.js';
import { TestSignalingClient } from '../../../support/signaling-client.js';

const LOOPBACK = { host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: null, relayPort: 0, ipv6: false } as const;
const TOKEN = 'cluster-stats-admin-token-0123';

describe.skipIf(!redisAvailable())('statistics across cluster nodes', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  let redis: TestRedis;
  const clients: TestSignalingClient[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await redis?.stop();
  });

  const node = (nodeId: string): Promise<Cloud> =>
    createCloud({ ...LOOPBACK, relaySecret: 'x'.repeat(32), session: { adminToken: TOKEN }, cluster: { redisUrl: `unix://${redis.socketPath}`, nodeId } });
  const client = async (cloud: Cloud): Promise<TestSignalingClient> => {
    const c = await TestSignalingClient.hello(cloud.signalingUrl);
    clients.push(c);
    return c;
  };
  const stats = async (cloud: Cloud): Promise<StatsView> =>
    (await (await fetch(`${cloud.httpUrl}/v1/stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as StatsView;
  const addresses = (natType: NatType) => ({ type: RequestType.REPORT_ADDRESSES, local: [{ address: '10.0.0.2', port: 4000 }], natType });

  it('merges both nodes\' counts, lists the sessions from Redis, and leaves no statistics key behind', async () => {
    const [n1, n2] = [await node('n1'), await node('n2')];
    // Session a: host on n1, its client on n2 (the client's CONNECTED is counted on n2).
    const hostA = await client(n1);
    const a = (await hostA.request({ type: RequestType.CREATE, name: 'a' })) as JoinResult;
    await hostA.request(addresses('symmetric'));
    const guestA = await client(n2);
    await guestA.request({ type: RequestType.JOIN, name: 'a' });
    await guestA.next(EventType.START);
    await guestA.request(addresses('fullCone'));
    await guestA.request({ type: RequestType.CONNECTED, peerId: a.peerId, path: 'direct', ms: 40, rttMs: 12 });
    // Session b: both on n1, on the relay.
    const hostB = await client(n1);
    const b = (await hostB.request({ type: RequestType.CREATE, name: 'b' })) as JoinResult;
    await hostB.request(addresses('symmetric'));
    const guestB = await client(n1);
    await guestB.request({ type: RequestType.JOIN, name: 'b' });
    await guestB.request(addresses('symmetric'));
    await guestB.request({ type: RequestType.CONNECTED, peerId: b.peerId, path: 'relay', ms: 3_100 });

    // Each node shares every 5 s and classifies NAT pairs within 2 s.
    let view: StatsView | undefined;
    for (let tries = 0; tries < 60; tries++) {
      view = await stats(n1);
      if (view.totals.connects === 2 && view.natPairs.length === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(view!.totals).toMatchObject({ connects: 2, direct: 1, relay: 1, directRate: 0.5, sessions: 2, livePairs: 2 });
    expect(view!.natPairs.map((p) => [p.client, p.server, p.direct, p.relay])).toEqual([
      ['fullCone', 'symmetric', 1, 0],
      ['symmetric', 'symmetric', 0, 1],
    ]);
    expect(view!.nodes.map((n) => [n.id, n.reporting])).toEqual([
      ['n1', true],
      ['n2', true],
    ]);
    expect(view!.sessions.map((s) => [s.name, s.players, s.pairs.map((p) => p.outcome)])).toEqual([
      ['a', 2, ['direct']],
      ['b', 2, ['relay']],
    ]);
    // The other node answers the same totals (from its own counts and n1's share).
    for (let tries = 0; tries < 60; tries++) {
      if ((await stats(n2)).totals.connects === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect((await stats(n2)).totals).toMatchObject({ connects: 2, direct: 1, relay: 1 });
    expect(await redis.keys('pt:stats')).toEqual(['pt:stats']);

    await n1.close();
    await n2.close();
    expect(await redis.keys('pt:stats*')).toEqual([]);
  }, 60_000);
});
