// Three real cloud processes in cluster mode on one redis-server, behind a TCP load balancer,
// real SDK runners on loopback (spec §10 step 4): the hosts sit on node s1, their clients on s2
// and s3. kill -9 of s1: every session survives, the hosts' SDKs reconnect through the balancer
// and resume on the other nodes, no client sees a player go inactive, game traffic never stops,
// the reaper removes s1's keys, and a new client joins a resumed host. Then SIGTERM of s2
// drains it: its peers get 1012 and resume on s3 at once. Teardown leaves only registry and lease
// keys and no process behind.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { NetworkRunner, type CloudConnectionRestoredEvent } from '../../../../client-sdk/index.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis } from '../../../support/redis.js';
import { spawnCli, type SpawnedCli } from '../../../support/cli.js';
import { startTcpBalancer, type TcpBalancer } from '../../../support/tcp-balancer.js';

const APP_ID = 'cluster-failover-test';
const SESSIONS = 3;

describe.skipIf(!redisAvailable())('cluster failover (3 cloud processes, real SDK runners)', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  const nodes = new Map<string, SpawnedCli>();
  const runners: NetworkRunner[] = [];
  let redis: TestRedis | undefined;
  let balancer: TcpBalancer | undefined;

  afterAll(async () => {
    await Promise.allSettled(runners.map((r) => r.shutdown()));
    await Promise.allSettled([...nodes.values()].map((n) => n.stop()));
    await balancer?.close();
    await redis?.stop();
  });

  it('kill -9 of the hosts\' node: sessions survive, hosts resume elsewhere unseen; SIGTERM drains with 1012', async () => {
    redis = await startRedis();
    const secret = randomBytes(32).toString('base64url');
    const ports = new Map<string, number>();
    for (const id of ['s1', 's2', 's3']) {
      const node = spawnCli(
        ['cloud', '--host', '127.0.0.1', '--http-port', '0', '--stun-port', '0', '--stun-alt-port', '0', '--relay-port', '0', '--no-ipv6', '--json', '--redis-url', `unix://${redis.socketPath}`, '--node-id', id],
        { PUNCHTHROUGH_RELAY_SECRET: secret },
      );
      nodes.set(id, node);
      const ready = await node.waitFor((line) => line.event === 'ready');
      ports.set(id, Number(new URL(String(ready.http)).port));
    }
    balancer = await startTcpBalancer([ports.get('s1')!]);
    const url = `http://127.0.0.1:${balancer.port}`;
    const runner = (): NetworkRunner => {
      const made = new NetworkRunner({ cloudUrl: url, appId: APP_ID, bindAddress: '127.0.0.1' });
      runners.push(made);
      return made;
    };

    // Hosts through the balancer onto s1; then clients onto s2 and s3.
    const hosts: NetworkRunner[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const host = runner();
      await host.startGame({ mode: 'server', sessionName: `game-${i}` });
      hosts.push(host);
    }
    balancer.backends = [ports.get('s2')!, ports.get('s3')!];
    const clients: NetworkRunner[] = [];
    const inactive: string[] = [];
    const received = new Array<number>(SESSIONS).fill(0);
    let largestGapMs = 0;
    const lastAt = new Array<number>(SESSIONS).fill(0);
    for (let i = 0; i < SESSIONS; i++) {
      const client = runner();
      const { server } = await client.startGame({ mode: 'client', sessionName: `game-${i}` });
      expect(server?.actor).toBe(1);
      client.on('playerInactive', (event) => inactive.push(JSON.stringify(event)));
      client.on('message', () => {
        const now = Date.now();
        if (lastAt[i]) largestGapMs = Math.max(largestGapMs, now - lastAt[i]!);
        lastAt[i] = now;
        received[i]! += 1;
      });
      clients.push(client);
    }
    expect(balancer.accepted.get(ports.get('s2')!)).toBeGreaterThan(0);
    balancer.backends = [ports.get('s1')!, ports.get('s2')!, ports.get('s3')!];
    const ticker = setInterval(() => hosts.forEach((h) => h.broadcast(new Uint8Array([7]))), 20);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const back = hosts.map((h) => new Promise<CloudConnectionRestoredEvent>((resolve) => h.once('cloudConnectionRestored', resolve)));
      const killedAt = Date.now();
      nodes.get('s1')!.child.kill('SIGKILL');
      await nodes.get('s1')!.exited;
      const restored = await Promise.all(back.map((p) => p.then((event) => ({ event, ms: Date.now() - killedAt }))));
      const resumeMs = restored.map((r) => r.ms).sort((a, b) => a - b);
      for (const { event } of restored) expect(event).toMatchObject({ how: 'resumed', actor: 1 });
      expect(resumeMs.at(-1)).toBeLessThan(6_000);
      // The reaper finds s1's lease gone and removes its member set and inbox.
      const admin = await redis.client();
      let reapedMs = -1;
      for (const end = Date.now() + 8_000; Date.now() < end; ) {
        if ((await admin.exists(['pt:nm:s1', 'pt:in:s1'])) === 0 && (await admin.hExists('pt:nodes', 's1')) === 0) {
          reapedMs = Date.now() - killedAt;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(reapedMs).toBeGreaterThan(0);
      expect(reapedMs).toBeLessThan(4_500);
      // Every session is still there, and a new client joins a resumed host and connects.
      const lobby = (await (await fetch(`${url}/v1/sessions?appId=${APP_ID}&appVersion=1`)).json()) as { sessions: Array<{ name: string }> };
      expect(lobby.sessions.map((s) => s.name).sort()).toEqual(Array.from({ length: SESSIONS }, (_, i) => `game-${i}`));
      const newcomer = runner();
      const joined = await newcomer.startGame({ mode: 'client', sessionName: 'game-0' });
      expect(joined.actor).toBe(3);
      const before = [...received];
      await new Promise((resolve) => setTimeout(resolve, 300));
      received.forEach((n, i) => expect(n).toBeGreaterThan(before[i]!));
      expect(inactive).toEqual([]);

      // SIGTERM drains s2: its peers get 1012 and resume at once on s3 (s1 is dead).
      const drained: Array<{ event: CloudConnectionRestoredEvent; ms: number }> = [];
      for (const client of [...clients, newcomer]) client.on('cloudConnectionRestored', (event) => drained.push({ event, ms: Date.now() - termAt }));
      balancer.backends = [ports.get('s3')!, ports.get('s2')!];
      const termAt = Date.now();
      nodes.get('s2')!.child.kill('SIGTERM');
      expect(await nodes.get('s2')!.exited).toBe(0);
      expect(await redis.keys('pt:lease:*')).toEqual(['pt:lease:s3']);
      for (const end = Date.now() + 3_000; drained.length === 0 && Date.now() < end; ) await new Promise((resolve) => setTimeout(resolve, 20));
      // The round-robin put at least one client on s2 (asserted above).
      expect(drained.length).toBeGreaterThan(0);
      for (const { event, ms } of drained) {
        expect(event).toMatchObject({ how: 'resumed' });
        // No backoff before the first try after a 1012.
        expect(ms).toBeLessThan(1_500);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(inactive).toEqual([]);
      console.log(
        `cluster failover: ${SESSIONS} hosts resumed after kill -9 in ${resumeMs.join('/')} ms; s1 reaped after ${reapedMs} ms; ` +
          `largest gap in game traffic ${largestGapMs} ms; drain: ${drained.length} peers resumed in ${drained.map((d) => d.ms).join('/')} ms`,
      );
      // Game traffic never waits on signaling: ~300 ms on a quiet machine; the bound leaves room for a loaded CI box.
      expect(largestGapMs).toBeLessThan(2_000);
    } finally {
      clearInterval(ticker);
    }
  }, 90_000);

  it('teardown leaves only registry and lease keys in Redis, and no node or redis-server process', async () => {
    if (!redis) throw new Error('the failover test did not start redis-server');
    await Promise.allSettled(runners.splice(0).map((r) => r.shutdown()));
    const pids = [...[...nodes.values()].map((n) => n.child.pid!), redis.pid];
    for (const node of nodes.values()) await node.stop();
    const left = await redis.keys('pt:*');
    // pt:nodes (the registry) and the leases (pt:lease:<node>, pt:reaper) lapse on their own.
    expect(left.filter((key) => !/^pt:(nodes|reaper|lease:[^:]+)$/.test(key))).toEqual([]);
    await redis.stop();
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  }, 30_000);
});
