// Reliable messages on loopback with real sockets and the real cloud, all on port 0: direct and through the relay, with 10 % of the client's datagrams dropped once connected.
import { describe, expect, it } from 'vitest';
import type { NetworkRunnerOptions } from '../../../client-sdk/index.js';
import { droppingSocketFactory } from '../../support/sdk-cloud.js';
import { useLoopbackRunners } from '../../support/loopback-runners.js';

const loopback = useLoopbackRunners('sdk-reliable');
const { runner } = loopback;


/** Message `n`: its number, then bytes that depend on it; every seventh is 20 KB (18 segments). */
function body(n: number): Buffer {
  const bytes = Buffer.alloc(n % 7 === 0 ? 20_000 : 4 + (n % 300));
  bytes.writeUInt32BE(n);
  for (let i = 4; i < bytes.length; i++) bytes[i] = (n * 3 + i) & 0xff;
  return bytes;
}

/** A deterministic coin for the dropping socket. */
function coin(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

async function scenario(name: string, clientOptions: Partial<NetworkRunnerOptions>, count: number) {
  const server = runner();
  // The server echoes each reliable message back reliably (its buffer is far larger than what is in flight here).
  server.on('message', ({ peerId, data, reliable }) => {
    if (reliable) expect(server.send(peerId, data, { reliable: true })).toBe(true);
  });
  await server.startGame({ mode: 'server', sessionName: name });
  let lossy = false;
  const random = coin(7);
  const client = runner({ ...clientOptions, socketFactory: droppingSocketFactory(() => lossy && random() < 0.1) });
  const start = await client.startGame({ mode: 'client', sessionName: name });
  const serverId = start.server!.peerId;
  const echoed: number[] = [];
  let corrupt = 0;
  const done = new Promise<void>((resolve) => {
    client.on('message', ({ data, reliable }) => {
      if (!reliable) return;
      const n = Buffer.from(data).readUInt32BE(0);
      if (!Buffer.from(data).equals(body(n))) corrupt++;
      echoed.push(n);
      if (echoed.length === count) resolve();
    });
  });
  lossy = true;
  for (let n = 0; n < count; n++) expect(client.send(serverId, body(n), { reliable: true })).toBe(true);
  await done;
  return { echoed, corrupt, path: start.server!.path, stats: client.reliableStats };
}

describe('reliable messages on loopback', () => {
  it('direct, 10 % of the client\'s datagrams dropped: 60 messages (some 20 KB) echoed back once each, in order, intact', async () => {
    const { echoed, corrupt, path, stats } = await scenario('reliable-direct', {}, 60);
    expect(path).toBe('direct');
    expect(echoed).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(corrupt).toBe(0);
    expect(stats.retransmissions).toBeGreaterThan(0);
  });

  it('through the relay (force relay), 10 % dropped: the same', async () => {
    const { echoed, corrupt, path } = await scenario('reliable-relay', { forceRelay: true }, 60);
    expect(path).toBe('relay');
    expect(echoed).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(corrupt).toBe(0);
  });
});
