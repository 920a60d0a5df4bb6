// Review of issue 17 (cluster mode): each case below failed on the merge 95640a7 and is fixed by
// the commit that added it. Real redis-server, real services on port 0.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCloud, type Cloud } from '../../../../src/index.js';
import { EventType, RequestType, type JoinResult } from '../../../../src/protocol/index.js';
import { createEnv } from '../../../../core/index.js';
import { createMembership } from '../../../../src/cluster/membership.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis } from '../../../support/redis.js';
import { SignalingError, TestSignalingClient } from '../../../support/signaling-client.js';
import { spawnCli, type SpawnedCli } from '../../../support/cli.js';

const LOOPBACK = { host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: null, relayPort: 0, ipv6: false } as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean>, timeoutMs: number, stepMs = 50): Promise<boolean> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(stepMs)) if (await check()) return true;
  return check();
}

describe.skipIf(!redisAvailable())('review 17: cluster mode defects', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  let redis: TestRedis;
  const cleanup: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
    await redis.flush();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const node = async (nodeId: string, session: Record<string, unknown> = {}, failoverGraceMs?: number): Promise<Cloud> => {
    const cloud = await createCloud({
      ...LOOPBACK,
      relaySecret: 'x'.repeat(32),
      session,
      cluster: { redisUrl: `unix://${redis.socketPath}`, nodeId, ...(failoverGraceMs === undefined ? {} : { failoverGraceMs }) },
    });
    cleanup.push(() => cloud.close());
    return cloud;
  };
  const client = async (cloud: Cloud | string) => {
    const c = await TestSignalingClient.hello(typeof cloud === 'string' ? cloud : cloud.signalingUrl);
    cleanup.push(() => c.close());
    return c;
  };

  it('a node killed (-9) and restarted under the same --node-id: the members of its earlier life are detached, then dropped', async () => {
    const args = ['cloud', '--host', '127.0.0.1', '--http-port', '0', '--stun-port', '0', '--stun-alt-port', '0', '--relay-port', '0', '--no-ipv6', '--json',
      '--redis-url', `unix://${redis.socketPath}`, '--node-id', 's1', '--failover-grace-ms', '200'];
    const spawnNode = async (): Promise<{ cli: SpawnedCli; url: string }> => {
      const cli = spawnCli(args, { PUNCHTHROUGH_RELAY_SECRET: 'y'.repeat(32) });
      cleanup.push(() => cli.stop());
      const ready = await cli.waitFor((line) => line.event === 'ready', 15_000);
      return { cli, url: `${String(ready.http).replace(/^http/, 'ws')}/v1/signaling` };
    };
    const first = await spawnNode();
    const host = await client(first.url);
    const created = (await host.request({ type: RequestType.CREATE, name: 'g', playerTtlMs: 200 })) as JoinResult;
    expect(await redis.keys('pt:sid:*')).toEqual([`pt:sid:${created.session.sessionId}`]);
    first.cli.child.kill('SIGKILL');
    await first.cli.exited;
    // Restarted at once (systemd Restart=always, same --node-id as docs/operations.md shows): it
    // takes the lease back as soon as the old one lapses. Nobody else runs a reaper here.
    await spawnNode();
    // The host's SDK never comes back: past the failover grace and its PlayerTTL the server is
    // removed and the session closes. Before the fix it stayed active (a ghost) for ever.
    expect(await until(async () => (await redis.keys('pt:sid:*')).length === 0, 8_000)).toBe(true);
  }, 40_000);

  it('a drained node leaves no inbox stream behind', async () => {
    const n1 = await node('n1');
    const n2 = await node('n2');
    const host = await client(n1);
    await host.request({ type: RequestType.CREATE, name: 'g' });
    const guest = await client(n2);
    await guest.request({ type: RequestType.JOIN, name: 'g' });
    await host.next(EventType.PEER_JOINED);
    expect(await redis.keys('pt:in:n1')).toEqual(['pt:in:n1']);
    await n1.close();
    expect(await host.closed).toBe(1012);
    // Past the lease period and several reaper rounds of n2: pt:in:n1 is nobody's and is never read again.
    await sleep(4_500);
    expect(await redis.keys('pt:in:n1')).toEqual([]);
  }, 20_000);

  it('the reaper does not delete the inbox and member set of a node that registered again after its lease check', async () => {
    const admin = await redis.client();
    const raw = await redis.client({ disableOfflineQueue: true });
    await admin.hSet('pt:nodes', 'd', '{}');
    await admin.sAdd('pt:nm:d', '{abcdefgh}|sid1');
    let scanned = false;
    let simulated = false;
    const commands = {
      async sendCommand(args: string[]): Promise<unknown> {
        // Node d comes back and receives an event after the reaper scanned its members, just
        // before the reaper's step that deletes its keys (the only command naming d's inbox): that
        // step must see the new lease. Keyed on the command, not on its order, because the lease
        // refresh loop shares this commander.
        if (scanned && !simulated && args.includes('pt:in:d')) {
          simulated = true;
          await admin.set('pt:lease:d', 'new-incarnation', { PX: 60_000 });
          await admin.sendCommand(['XADD', 'pt:in:d', '*', 's', 'sid1', 'v', '7', 'd', '[]']);
          await admin.sAdd('pt:nm:d', '{abcdefgh}|sid2');
        }
        const reply = await raw.sendCommand(args);
        if (args[0] === 'SSCAN' && args[1] === 'pt:nm:d') scanned = true;
        return reply;
      },
    };
    let n = 0;
    const reaper = createMembership(createEnv(), {
      commands,
      nodeId: 'r',
      newIncarnation: () => `r-${++n}`,
      onFenced: () => undefined,
      detachNode: async () => undefined,
      leaseMs: 200,
      refreshMs: 50,
      reaperPeriodMs: 60_000,
    });
    cleanup.push(async () => reaper.close());
    await reaper.start();
    await sleep(250);
    await reaper.reap();
    expect(simulated).toBe(true);
    expect(await redis.keys('pt:in:d')).toEqual(['pt:in:d']);
    expect(await admin.sMembers('pt:nm:d')).toContain('{abcdefgh}|sid2');
  });

  it('a session closed through another node frees its creator\'s per-address quota on the node that created it', async () => {
    const n1 = await node('n1', { maxSessionsPerAddress: 1, reconnectGraceMs: 5_000 });
    const n2 = await node('n2', { maxSessionsPerAddress: 1, reconnectGraceMs: 5_000 });
    const host = await client(n1);
    const created = (await host.request({ type: RequestType.CREATE, name: 'a' })) as JoinResult;
    await host.close();
    // The host's SDK comes back through the balancer on n2 and leaves there: the session closes on n2.
    const back = await client(n2);
    await back.request({ type: RequestType.REJOIN, sessionId: created.session.sessionId, actor: 1, rejoinToken: created.rejoinToken });
    await back.request({ type: RequestType.LEAVE });
    expect(await until(async () => (await redis.keys('pt:sid:*')).length === 0, 2_000)).toBe(true);
    // The same address creates again on n1: it holds no live session anywhere.
    const again = await client(n1);
    const second = (await again.request({ type: RequestType.CREATE, name: 'b' })) as JoinResult;
    expect(second.created).toBe(true);
  });

  it('during a Redis pause, a request queued behind another on the same session is answered within 1.2 s', async () => {
    const n1 = await node('n1');
    const host = await client(n1);
    await host.request({ type: RequestType.CREATE, name: 'g' });
    const guests = [await client(n1), await client(n1)];
    for (const g of guests) await g.request({ type: RequestType.JOIN, name: 'g' });
    process.kill(redis.pid, 'SIGSTOP');
    const waited: number[] = [];
    try {
      const leave = async (g: TestSignalingClient): Promise<void> => {
        const sentAt = Date.now();
        await g.request({ type: RequestType.LEAVE }).catch((error: unknown) => {
          if (!(error instanceof SignalingError) || error.reply.code !== 'SERVICE_UNAVAILABLE') throw error;
        });
        waited.push(Date.now() - sentAt);
      };
      const first = leave(guests[0]!);
      await sleep(300);
      const second = leave(guests[1]!);
      await Promise.race([Promise.all([first, second]), sleep(2_500)]);
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    await sleep(200);
    expect(waited).toHaveLength(2);
    for (const ms of waited) expect(ms).toBeLessThan(1_200);
  });

  it('a member that resumes on the same node gets no event older than its START (held while it was away)', async () => {
    const n1 = await node('n1', { reconnectGraceMs: 5_000 });
    const n2 = await node('n2', { reconnectGraceMs: 5_000 });
    const host = await client(n1);
    const created = (await host.request({ type: RequestType.CREATE, name: 'g' })) as JoinResult;
    await host.kill();
    await sleep(200);
    // While the host is away (detached, still routed to n1), a guest joins through n2: the
    // PEER_JOINED for the host lands in n1's inbox with nobody attached, and n1 holds it.
    const guest = await client(n2);
    const joined = (await guest.request({ type: RequestType.JOIN, name: 'g' })) as JoinResult;
    await sleep(200);
    const back = await client(n1);
    await back.request({ type: RequestType.REJOIN, sessionId: created.session.sessionId, actor: 1, rejoinToken: created.rejoinToken });
    const start = await back.next(EventType.START);
    // The snapshot already has the guest; in one process the event for the absent host was dropped.
    expect(start.session.peers.map((p) => p.actor)).toContain(joined.actor);
    await sleep(300);
    expect(back.events.filter((e) => e.type === EventType.PEER_JOINED)).toEqual([]);
  });

  // The record had a 24 h PEXPIRE (a leak guard) on its hash alone: a live session with no commit
  // for a day lost its record while its name, indexes, pointer and routing stayed, so it was
  // SESSION_NOT_FOUND to its own players and its name SESSION_EXISTS for ever. A session now
  // lives until the model closes it (deadlines, the reaper's detach and PlayerTTL).
  it('a session record never expires on its own', async () => {
    const n1 = await node('n1');
    const host = await client(n1);
    const created = (await host.request({ type: RequestType.CREATE, name: 'g' })) as JoinResult;
    const admin = await redis.client();
    for (const key of await redis.keys('pt:*')) {
      if (key.startsWith('pt:lease:') || key === 'pt:reaper') continue;
      expect(await admin.pTTL(key), key).toBe(-1);
    }
    expect((await redis.keys('pt:{*}:s:*')).some((key) => key.endsWith(created.session.sessionId))).toBe(true);
    await host.request({ type: RequestType.SET_PROPERTIES, properties: { round: 1 } });
  });
});
