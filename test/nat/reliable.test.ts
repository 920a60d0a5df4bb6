/**
 * Reliable messages on the virtual network, all in memory on one ManualClock (docs/sdk.md,
 * "Reliable messages"): both ends stream numbered messages of mixed sizes (many split into
 * segments) while the client's NAT link loses 5 % or 30 % of packets; every message arrives
 * exactly once, intact and in order, through relay → direct upgrades and direct → relay
 * fallbacks mid-stream, and unreliable updates beside them are still flagged unreliable.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageEvent, NetworkRunner, PathChangedEvent } from '../../client-sdk/index.js';
import type { VirtualNat } from '../../vnet/index.js';
import { advanceUntil, advanceUntilSettled } from '../support/drive.js';
import { createMemoryCloud, type MemoryCloud } from '../support/memory-cloud.js';

const STEP_MS = 20;

let cloud: MemoryCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

/** Message `n` of a stream: its number, then `size` bytes that depend on it. */
function body(n: number): Buffer {
  const size = 4 + ((n * 1_237) % 6_000);
  const bytes = Buffer.alloc(size);
  bytes.writeUInt32BE(n);
  for (let i = 4; i < size; i++) bytes[i] = (n + i * 7) & 0xff;
  return bytes;
}

interface Stream {
  /** Next message to send. */
  next: number;
  /** Numbers received, in arrival order, and whether each was intact. */
  received: number[];
  corrupt: number;
  unreliableFlagged: number;
}

interface World {
  c: MemoryCloud;
  hostNat: VirtualNat;
  clientNat: VirtualNat;
  host: NetworkRunner;
  client: NetworkRunner;
  serverId: string;
  clientId: () => string;
  toHost: Stream;
  toClient: Stream;
  changes: PathChangedEvent[];
  disconnected: number;
  /** Both ends send messages for `ms` (each send waits out a full buffer), advancing the clock. */
  play(ms: number, until?: () => boolean): Promise<void>;
  /** Advances until every message sent so far has arrived. */
  drain(): Promise<void>;
}

function stream(runner: NetworkRunner): Stream {
  const s: Stream = { next: 0, received: [], corrupt: 0, unreliableFlagged: 0 };
  runner.on('message', (event: MessageEvent) => {
    if (!event.reliable) {
      s.unreliableFlagged++;
      return;
    }
    const n = Buffer.from(event.data).readUInt32BE(0);
    s.received.push(n);
    if (!Buffer.from(event.data).equals(body(n))) s.corrupt++;
  });
  return s;
}

async function world(seed: number, blocked = false): Promise<World> {
  const c = (cloud = await createMemoryCloud(seed));
  const hostNat = c.network.addNat({ preset: 'port-restricted-cone', link: { latencyMs: 10 } });
  const clientNat = c.network.addNat({ preset: 'port-restricted-cone', link: { latencyMs: 10 } });
  const unblock = blocked ? c.network.blockUdp(hostNat.publicAddress, clientNat.publicAddress) : undefined;
  const host = c.runner(hostNat.addHost());
  const client = c.runner(clientNat.addHost());
  let clientId = '';
  host.on('peerConnected', (event) => (clientId = event.peerId));
  const changes: PathChangedEvent[] = [];
  client.on('pathChanged', (event) => changes.push(event));
  host.on('pathChanged', (event) => changes.push(event));
  let disconnected = 0;
  client.on('peerDisconnected', () => disconnected++);
  host.on('peerDisconnected', () => disconnected++);
  const toHost = stream(host);
  const toClient = stream(client);
  await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: `reliable-${seed}` }), 'host start');
  const started = await advanceUntilSettled(c.clock, client.startGame({ mode: 'client', sessionName: `reliable-${seed}` }), 'client start');
  const serverId = started.server!.peerId;
  const w: World = {
    c,
    hostNat,
    clientNat,
    host,
    client,
    serverId,
    clientId: () => clientId,
    toHost,
    toClient,
    changes,
    get disconnected() {
      return disconnected;
    },
    async play(ms, until) {
      const end = c.clock.now() + ms;
      while (c.clock.now() < end && !until?.()) {
        if (client.send(serverId, body(toHost.next), { reliable: true })) toHost.next++;
        if (host.send(clientId, body(toClient.next), { reliable: true })) toClient.next++;
        // An unreliable update beside them: its event says so.
        client.send(serverId, Buffer.from('u'));
        await c.clock.advanceAsync(STEP_MS);
      }
    },
    async drain() {
      await advanceUntil(c.clock, () => toHost.received.length >= toHost.next && toClient.received.length >= toClient.next, 'reliable drain', { maxMs: 300_000 });
    },
  };
  if (unblock) (w as World & { unblock: () => void }).unblock = unblock;
  return w;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function expectExactlyOnceInOrder(s: Stream): void {
  expect(s.received).toEqual(range(s.next));
  expect(s.corrupt).toBe(0);
}

describe('reliable messages on the virtual network', () => {
  it.each([
    { loss: 0.05, seed: 301 },
    { loss: 0.3, seed: 302 },
  ])('$loss loss on the client\'s NAT link: every message in both directions arrives once, intact, in order', async ({ loss, seed }) => {
    const w = await world(seed);
    w.clientNat.setLink({ latencyMs: 10, lossRate: loss });
    await w.play(20_000);
    await w.drain();
    expect(w.toHost.next).toBeGreaterThan(200);
    expectExactlyOnceInOrder(w.toHost);
    expectExactlyOnceInOrder(w.toClient);
    expect(w.toHost.unreliableFlagged).toBeGreaterThan(0);
    expect(w.c.network.counters().droppedByLoss).toBeGreaterThan(0);
    expect(w.client.reliableStats.retransmissions + w.host.reliableStats.retransmissions).toBeGreaterThan(0);
    expect(w.host.reliableStats.messagesDelivered).toBe(w.toHost.next);
    expect(w.disconnected).toBe(0);
  });

  it('relay → direct mid-stream (peer UDP blocked, then lifted): nothing lost, duplicated or reordered across the path change', async () => {
    const w = (await world(303, true)) as World & { unblock: () => void };
    expect(w.client.connectionType(w.serverId)).toBe('relay');
    await w.play(6_000);
    w.unblock();
    await w.play(70_000, () => w.client.connectionType(w.serverId) === 'direct' && w.host.connectionType(w.clientId()) === 'direct');
    await w.play(3_000);
    await w.drain();
    expect(w.changes.map((c) => `${c.from}→${c.path}`)).toEqual(['relay→direct', 'relay→direct']);
    expectExactlyOnceInOrder(w.toHost);
    expectExactlyOnceInOrder(w.toClient);
  });

  it('direct → relay mid-stream (direct blocked): what was in flight on direct arrives through the relay, in order', async () => {
    const w = await world(304);
    expect(w.client.connectionType(w.serverId)).toBe('direct');
    await w.play(3_000);
    w.c.network.blockUdp(w.hostNat.publicAddress, w.clientNat.publicAddress);
    await w.play(5_000);
    await w.drain();
    expect(w.changes.filter((c) => c.reason === 'fallback')).toHaveLength(2);
    expectExactlyOnceInOrder(w.toHost);
    expectExactlyOnceInOrder(w.toClient);
    expect(w.disconnected).toBe(0);
  });

  it('broadcast with { reliable: true } reaches every connected client once, in order; send to a peer not connected returns false', async () => {
    const w = await world(306);
    const second = w.c.runner(w.c.network.addNat({ preset: 'full-cone', link: { latencyMs: 10 } }).addHost());
    const secondStream = stream(second);
    await advanceUntilSettled(w.c.clock, second.startGame({ mode: 'client', sessionName: 'reliable-306' }), 'second client start');
    // The host connects a round trip after the client does (its probe's reply).
    await advanceUntil(w.c.clock, () => w.host.connectedPeers().length === 2, 'host sees both clients');
    expect(w.host.send('no-such-peer', body(0), { reliable: true })).toBe(false);
    for (let n = 0; n < 40; n++) {
      expect(w.host.broadcast(body(n), { reliable: true })).toBe(2);
      await w.c.clock.advanceAsync(STEP_MS);
    }
    await advanceUntil(w.c.clock, () => w.toClient.received.length === 40 && secondStream.received.length === 40, 'broadcast drain');
    expect(w.toClient.received).toEqual(range(40));
    expect(secondStream.received).toEqual(range(40));
    expect(w.toClient.corrupt + secondStream.corrupt).toBe(0);
  });

  it('a reliable message over 64 KiB throws INVALID_REQUEST; one of exactly 64 KiB arrives whole', async () => {
    const w = await world(305);
    expect(() => w.client.send(w.serverId, new Uint8Array(64 * 1024 + 1), { reliable: true })).toThrow(/at most 65536/);
    const big = Buffer.alloc(64 * 1024, 7);
    big.writeUInt32BE(0);
    let got: Uint8Array | undefined;
    w.host.on('message', (event) => event.reliable && event.data.length === big.length && (got = event.data));
    expect(w.client.send(w.serverId, big, { reliable: true })).toBe(true);
    await advanceUntil(w.c.clock, () => got !== undefined, 'the big message');
    expect(Buffer.from(got!).equals(big)).toBe(true);
  });
});
