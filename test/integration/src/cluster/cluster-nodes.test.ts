// Two cloud nodes in cluster mode on one real redis-server: a session created on one is joined
// through the other with events crossing nodes; draining a node closes its sockets with 1012
// and its peers resume on the other node unseen; the lobby is the same from both.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCloud, type Cloud } from '../../../../src/index.js';
import { EventType, ReplyType, RequestType, createSignalingCodec, type JoinResult } from '../../../../src/protocol/index.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis } from '../../../support/redis.js';
import { TestSignalingClient } from '../../../support/signaling-client.js';

const LOOPBACK = { host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: null, relayPort: 0, ipv6: false } as const;

describe.skipIf(!redisAvailable())('cluster nodes (createCloud on a real redis-server)', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  let redis: TestRedis;
  const cleanup: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    await redis.flush();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const node = async (nodeId: string): Promise<Cloud> => {
    const cloud = await createCloud({ ...LOOPBACK, relaySecret: 'x'.repeat(32), cluster: { redisUrl: `unix://${redis.socketPath}`, nodeId } });
    cleanup.push(() => cloud.close());
    return cloud;
  };
  const client = async (cloud: Cloud) => {
    const c = await TestSignalingClient.hello(cloud.signalingUrl);
    cleanup.push(() => c.close());
    return c;
  };
  /** What reaches `peer` from now on, as the wire carried it: TCP chunks, and each message ('reply', 'error CODE', 'event TYPE'). */
  const wireLog = (peer: TestSignalingClient) => {
    const codec = createSignalingCodec({ maxFrameBytes: 1 << 20 });
    const log = { chunks: 0, messages: [] as string[] };
    peer.socket.on('message', (data: Buffer) => {
      const decoded = codec.decodeServerMessage(data);
      const message = decoded.ok ? decoded.value : undefined;
      log.messages.push(!message ? 'bad' : message.type === ReplyType.RESPONSE ? 'reply' : message.type === ReplyType.ERROR ? `error ${message.code}` : `event ${message.type}`);
    });
    (peer.socket as unknown as { _socket: NodeJS.EventEmitter })._socket.on('data', () => (log.chunks += 1));
    return log;
  };

  it('a session created on one node is joined through another; events cross nodes; the lobby is shared', async () => {
    const [n1, n2] = [await node('n1'), await node('n2')];
    const host = await client(n1);
    const created = (await host.request({ type: RequestType.CREATE, name: 'g' })) as JoinResult;
    expect(created.created).toBe(true);
    const guest = await client(n2);
    const joined = (await guest.request({ type: RequestType.JOIN, name: 'g' })) as JoinResult;
    expect(joined.actor).toBe(2);
    await guest.next(EventType.START);
    const peerJoined = await host.next(EventType.PEER_JOINED);
    expect(peerJoined).toMatchObject({ peer: { actor: 2, peerId: joined.peerId }, rejoined: false });
    for (const cloud of [n1, n2]) {
      const lobby = (await (await fetch(`${cloud.httpUrl}/v1/sessions?appId=game&appVersion=1`)).json()) as { sessions: Array<{ name: string }> };
      expect(lobby.sessions.map((s) => s.name)).toEqual(['g']);
    }
    expect(await redis.keys('pt:lease:*')).toEqual(['pt:lease:n1', 'pt:lease:n2']);
  });

  it('/health answers 503 draining while a node drains, so a load balancer stops routing to it', async () => {
    const n1 = await node('n1');
    const host = await client(n1);
    await host.request({ type: RequestType.CREATE, name: 'g' });
    const health = async () => {
      const response = await fetch(`${n1.httpUrl}/health`);
      return { code: response.status, body: (await response.json()) as { status: string } };
    };
    expect(await health()).toMatchObject({ code: 200, body: { status: 'ok' } });
    // Redis paused: the drain's detach waits out its 1 s command timeout, a window to ask in.
    process.kill(redis.pid, 'SIGSTOP');
    let drained: Promise<void> | undefined;
    try {
      drained = n1.close();
      expect(await health()).toMatchObject({ code: 503, body: { status: 'draining' } });
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    await drained;
    expect(await host.closed).toBe(1012);
  });

  it('draining a node closes its sockets with 1012 and deletes its lease; its peers resume on the other node and nobody else sees a thing', async () => {
    const n1 = await node('n1');
    const n2 = await node('n2');
    const host = await client(n1);
    const created = (await host.request({ type: RequestType.CREATE, name: 'g' })) as JoinResult;
    const guest = await client(n2);
    await guest.request({ type: RequestType.JOIN, name: 'g' });
    await host.next(EventType.PEER_JOINED);
    await n1.close();
    expect(await host.closed).toBe(1012);
    expect(await redis.keys('pt:lease:*')).toEqual(['pt:lease:n2']);
    const back = await client(n2);
    const rejoined = (await back.request({
      type: RequestType.REJOIN,
      sessionId: created.session.sessionId,
      actor: created.actor,
      rejoinToken: created.rejoinToken,
    })) as JoinResult;
    expect(rejoined).toMatchObject({ actor: 1, peerId: created.peerId, resumed: true });
    await back.next(EventType.START);
    // Events reach the host on its new node.
    await guest.request({ type: RequestType.LEAVE });
    expect(await back.next(EventType.PEER_LEFT)).toMatchObject({ actor: 2 });
    expect(guest.events.filter((e) => e.type === EventType.PEER_INACTIVE || e.type === EventType.PEER_LEFT)).toEqual([]);
  });

  it('a peer who joins while the host is detached (its node drained) is in the START snapshot of the host\'s rejoin, with its addresses', async () => {
    const n1 = await node('n1');
    const n2 = await node('n2');
    const host = await client(n1);
    const created = (await host.request({ type: RequestType.CREATE, name: 'g' })) as JoinResult;
    await n1.close();
    expect(await host.closed).toBe(1012);
    // The window: the host is detached (no node holds its socket), so PEER_JOINED reaches nobody.
    const late = await client(n2);
    const joined = (await late.request({ type: RequestType.JOIN, name: 'g' })) as JoinResult;
    await late.request({ type: RequestType.REPORT_ADDRESSES, local: [{ address: '192.168.0.3', port: 4000 }], reflexive: { address: '203.0.113.9', port: 4000 } });
    const back = await client(n2);
    const rejoined = (await back.request({
      type: RequestType.REJOIN,
      sessionId: created.session.sessionId,
      actor: created.actor,
      rejoinToken: created.rejoinToken,
    })) as JoinResult;
    expect(rejoined).toMatchObject({ actor: 1, resumed: true });
    const start = await back.next(EventType.START);
    expect(start.session.peers.map((p) => p.actor).sort()).toEqual([1, 2]);
    expect(start.session.peers.find((p) => p.actor === 2)).toMatchObject({ peerId: joined.peerId });
    // The addresses it reported in the window come too, so the SDK can punch to it.
    expect(await back.next(EventType.PEER_ADDRESSES)).toMatchObject({ actor: 2, reflexive: { address: '203.0.113.9', port: 4000 } });
  });

  it("an address report's reply waits for its commit and leaves in one write with the events that commit brings back, reply first", async () => {
    const n1 = await node('n1');
    const host = await client(n1);
    await host.request({ type: RequestType.CREATE, name: 'g' });
    const guest = await client(n1);
    await guest.request({ type: RequestType.JOIN, name: 'g' });
    const [hostLog, guestLog] = [wireLog(host), wireLog(guest)];
    const report = (peer: TestSignalingClient, port: number) =>
      peer.request({ type: RequestType.REPORT_ADDRESSES, local: [{ address: '192.168.0.2', port }], reflexive: { address: '203.0.113.8', port } });
    let replies: Promise<unknown>;
    process.kill(redis.pid, 'SIGSTOP');
    try {
      // The host's commit goes first (Redis holds it); the guest's waits behind it on the node.
      const first = report(host, 3000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      replies = Promise.all([first, report(guest, 4000)]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Without the hold both replies would be here already: they are sent before the commits.
      expect([hostLog.chunks, guestLog.chunks]).toEqual([0, 0]);
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    await replies;
    expect(await guest.next(EventType.PEER_ADDRESSES)).toMatchObject({ actor: 1, reflexive: { port: 3000 } });
    expect(await host.next(EventType.PEER_ADDRESSES)).toMatchObject({ actor: 2, reflexive: { port: 4000 } });
    // The guest's reply waited for its commit, behind the host's that brought it the host's addresses: one chunk, reply first.
    expect(guestLog).toEqual({ chunks: 1, messages: ['reply', `event ${EventType.PEER_ADDRESSES}`] });
    expect(hostLog.messages).toEqual(['reply', `event ${EventType.PEER_ADDRESSES}`]);
  });

  it("an address report whose commit fails is refused with SERVICE_UNAVAILABLE: its held reply is withdrawn, not sent before the error", async () => {
    const n1 = await node('n1');
    const host = await client(n1);
    await host.request({ type: RequestType.CREATE, name: 'g' });
    const log = wireLog(host);
    process.kill(redis.pid, 'SIGSTOP');
    let outcome: unknown;
    try {
      // Past the 1 s command timeout: the commit fails.
      outcome = await host.request({ type: RequestType.REPORT_ADDRESSES, local: [{ address: '192.168.0.2', port: 3000 }] }).then(
        () => 'answered',
        (error: unknown) => error,
      );
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    expect(outcome).toMatchObject({ reply: { code: 'SERVICE_UNAVAILABLE' } });
    const replies = log.messages.filter((m) => !m.startsWith('event'));
    expect(replies).toEqual(['error SERVICE_UNAVAILABLE']);
  });
});
