// The relay over WebSocket with the real cloud on loopback: a client whose UDP is all dropped plays through it; forced mode; no fallback when UDP works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkRunner, type NetworkRunnerOptions } from '../../../client-sdk/index.js';
import { createCloud, type Cloud } from '../../../src/index.js';
import { udpHostileSocketFactory } from '../../support/udp-hostile.js';

let cloud: Cloud;
const runners: NetworkRunner[] = [];

beforeAll(async () => {
  cloud = await createCloud({ host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: 0, relayPort: 0, relayWsPort: 0 });
});
afterAll(async () => {
  await Promise.allSettled(runners.map((r) => r.shutdown()));
  await cloud.close();
});

function runner(options: Partial<NetworkRunnerOptions> = {}): NetworkRunner {
  const made = new NetworkRunner({ cloudUrl: cloud.httpUrl, appId: 'ws-relay-test', bindAddress: '127.0.0.1', ...options });
  runners.push(made);
  return made;
}

/** A server-mode runner that echoes every update back and counts what it received. */
async function echoServer(sessionName: string) {
  const server = runner();
  const received = new Set<number>();
  server.on('message', ({ peerId, data }) => {
    received.add(Buffer.from(data).readUInt32BE(0));
    server.send(peerId, data);
  });
  const result = await server.startGame({ mode: 'server', sessionName });
  return { server, result, received };
}

/** Sends `count` numbered updates, resending the missing ones, until each came back. */
async function exchange(client: NetworkRunner, serverPeerId: string, count: number): Promise<number> {
  const echoed = new Set<number>();
  const done = new Promise<void>((resolve) => {
    client.on('message', ({ data }) => {
      echoed.add(Buffer.from(data).readUInt32BE(0));
      if (echoed.size === count) resolve();
    });
  });
  for (let round = 0; round < 50 && echoed.size < count; round++) {
    for (let i = 0; i < count; i++) {
      if (echoed.has(i)) continue;
      const update = Buffer.alloc(8);
      update.writeUInt32BE(i, 0);
      client.send(serverPeerId, update);
    }
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 200))]);
  }
  return echoed.size;
}

describe('the relay over WebSocket', () => {
  it('the cloud grants a wsUrl on its relay WebSocket listener', () => {
    expect(cloud.relayWsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/relay$/);
  });

  it('a client whose network drops all UDP connects through the WebSocket relay and exchanges 100 updates both ways', async () => {
    const { result, received } = await echoServer('hostile-room');
    const hostile = udpHostileSocketFactory();
    const before = cloud.relayWs!.stats();
    const client = runner({ socketFactory: hostile });
    const startedAt = performance.now();
    const start = await client.startGame({ mode: 'client', sessionName: 'hostile-room' });
    const connectMs = performance.now() - startedAt;
    expect(start.server).toMatchObject({ peerId: result.peerId, path: 'relay' });
    expect(await exchange(client, result.peerId, 100)).toBe(100);
    expect(received.size).toBe(100);
    // Nothing crossed UDP: every frame of the client went by the WebSocket.
    expect(hostile.dropped.sent).toBeGreaterThan(0);
    const after = cloud.relayWs!.stats();
    expect(after.accepted - before.accepted).toBe(1);
    expect(after.messagesIn - before.messagesIn).toBeGreaterThanOrEqual(100);
    expect(after.messagesOut - before.messagesOut).toBeGreaterThanOrEqual(100);
    const metrics = await (await fetch(`${cloud.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^punchthrough_relay_ws_connections 1$/m);
    expect(metrics).toMatch(/^punchthrough_relay_ws_messages_total\{direction="in"\} \d{3,}$/m);
    console.info(`relay over WebSocket, all UDP dropped: connect ${connectMs.toFixed(0)} ms (cloud-reported ${start.server!.ms ?? '?'} ms)`);
  });

  it('with connectPolicy race, a client whose network drops all UDP connects through the WebSocket relay without waiting out the direct attempts', async () => {
    const { result } = await echoServer('race-room');
    const client = runner({ socketFactory: udpHostileSocketFactory(), connectPolicy: 'race' });
    const startedAt = performance.now();
    const start = await client.startGame({ mode: 'client', sessionName: 'race-room' });
    const connectMs = performance.now() - startedAt;
    expect(start.server).toMatchObject({ path: 'relay' });
    expect(await exchange(client, result.peerId, 100)).toBe(100);
    console.info(`relay over WebSocket, all UDP dropped, connectPolicy race: connect ${connectMs.toFixed(0)} ms (attempt ${start.server!.attempt})`);
    // The STUN request's 3 s remain; the six direct attempts' 3 s do not.
    expect(connectMs).toBeLessThan(5_000);
  });

  it('relayTransport websocket binds over the WebSocket from the start, and exchanges 100 updates', async () => {
    const { result } = await echoServer('forced-room');
    const before = cloud.relayWs!.stats();
    const client = runner({ forceRelay: true, relayTransport: 'websocket' });
    const startedAt = performance.now();
    const start = await client.startGame({ mode: 'client', sessionName: 'forced-room' });
    const connectMs = performance.now() - startedAt;
    expect(start.server).toMatchObject({ path: 'relay' });
    expect(await exchange(client, result.peerId, 100)).toBe(100);
    expect(cloud.relayWs!.stats().accepted - before.accepted).toBe(1);
    // No UDP bind timeout to wait out: well under the 3 s the fallback costs.
    expect(connectMs).toBeLessThan(3_000);
  });

  it('in auto, a client whose UDP reaches the relay never opens the WebSocket', async () => {
    const { result } = await echoServer('udp-room');
    const before = cloud.relayWs!.stats();
    const relayedBefore = cloud.relayServer.stats().packetsRelayed;
    const client = runner({ forceRelay: true });
    const start = await client.startGame({ mode: 'client', sessionName: 'udp-room' });
    expect(start.server).toMatchObject({ path: 'relay' });
    expect(await exchange(client, result.peerId, 20)).toBe(20);
    expect(cloud.relayServer.stats().packetsRelayed - relayedBefore).toBeGreaterThanOrEqual(40);
    expect(cloud.relayWs!.stats().accepted).toBe(before.accepted);
    expect(cloud.relayWs!.stats().messagesIn).toBe(before.messagesIn);
  });
});
