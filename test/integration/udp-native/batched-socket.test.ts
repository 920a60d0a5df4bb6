// The batched UDP socket against node:dgram peers on loopback: round trips, bursts, retention, close, errors.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { UdpEndpoint } from '../../../core/index.js';
import { createBatchedUdpSocketFactory, loadUdpBatchAddon, type BatchedUdpSocket } from '../../../udp-native/index.js';

const addon = loadUdpBatchAddon();
const BIG_BUFFER = 4 << 20;

describe('the batched UDP addon', () => {
  it.runIf(process.env.PUNCHTHROUGH_REQUIRE_ADDON === '1')('built and loads (CI sets PUNCHTHROUGH_REQUIRE_ADDON=1 on Linux)', () => {
    expect(addon.ok ? 'loaded' : addon.reason).toBe('loaded');
  });
});

describe.skipIf(!addon.ok)('batched UDP socket', () => {
  const opened: { close(): unknown }[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((socket) => socket.close()));
  });

  async function batched(type: 'udp4' | 'udp6', options: { maxDatagramBytes?: number; coalesceMicros?: number } = {}): Promise<BatchedUdpSocket> {
    const socket = await createBatchedUdpSocketFactory(options).bind({
      type,
      address: type === 'udp4' ? '127.0.0.1' : '::1',
      port: 0,
      receiveBufferSize: BIG_BUFFER,
      sendBufferSize: BIG_BUFFER,
    });
    opened.push(socket);
    return socket;
  }

  async function peer(type: 'udp4' | 'udp6'): Promise<dgram.Socket> {
    const socket = dgram.createSocket({ type, recvBufferSize: BIG_BUFFER, sendBufferSize: BIG_BUFFER });
    opened.push({ close: () => new Promise<void>((resolve) => socket.close(() => resolve())) });
    socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1');
    await once(socket, 'listening');
    return socket;
  }

  function collect(socket: BatchedUdpSocket, count: number): Promise<{ data: Buffer; from: UdpEndpoint }[]> {
    const got: { data: Buffer; from: UdpEndpoint }[] = [];
    return new Promise((resolve) => {
      socket.onMessage((data, from) => {
        got.push({ data, from });
        if (got.length === count) resolve(got);
      });
    });
  }

  for (const type of ['udp4', 'udp6'] as const) {
    it(`round-trips with a node:dgram peer over ${type}`, async () => {
      const server = await batched(type);
      const client = await peer(type);
      server.onMessage((data, from) => server.send(Buffer.concat([Buffer.from('echo:'), data]), from.port, from.address));
      const answer = once(client, 'message');
      client.send('hello', server.address().port, server.address().address);
      const [data, info] = (await answer) as [Buffer, dgram.RemoteInfo];
      expect(data.toString()).toBe('echo:hello');
      expect(info.port).toBe(server.address().port);
      expect(server.address()).toMatchObject({ family: type === 'udp4' ? 'IPv4' : 'IPv6', address: type === 'udp4' ? '127.0.0.1' : '::1' });

      // And sends made outside a receive handler (a timer, a later turn) leave too.
      const later = once(client, 'message');
      const from = client.address();
      server.send(Buffer.from('unprompted'), from.port, from.address);
      expect(((await later) as [Buffer])[0].toString()).toBe('unprompted');
    });
  }

  it('delivers a burst of 1,000 datagrams from each of two senders, in order per sender', async () => {
    const server = await batched('udp4');
    const senders = [await peer('udp4'), await peer('udp4')];
    const all = collect(server, 2000);
    for (let i = 0; i < 1000; i++) {
      for (const [s, sender] of senders.entries()) sender.send(`${s}:${i}`, server.address().port, '127.0.0.1');
    }
    const got = await all;
    for (const [s, sender] of senders.entries()) {
      const port = sender.address().port;
      const sequence = got.filter((m) => m.from.port === port).map((m) => m.data.toString());
      expect(sequence).toEqual(Array.from({ length: 1000 }, (_, i) => `${s}:${i}`));
    }
    expect(server.stats().batches).toBeLessThan(2000); // more than one datagram per system call
  });

  it('leaves a datagram a handler kept intact after later batches', async () => {
    const server = await batched('udp4');
    const client = await peer('udp4');
    const first = collect(server, 1);
    client.send(Buffer.alloc(100, 0xab), server.address().port, '127.0.0.1');
    const [kept] = await first;
    const rest = collect(server, 500);
    for (let i = 0; i < 500; i++) client.send(Buffer.alloc(100, i & 0xff), server.address().port, '127.0.0.1');
    await rest;
    expect(kept!.data.equals(Buffer.alloc(100, 0xab))).toBe(true);
  });

  it('closes idempotently and frees the port', async () => {
    const server = await batched('udp4');
    const { port } = server.address();
    await Promise.all([server.close(), server.close()]);
    await server.close();
    const again = dgram.createSocket('udp4');
    again.bind(port, '127.0.0.1');
    await once(again, 'listening');
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });

  it('reports a send after close to the error handlers instead of throwing', async () => {
    const server = await batched('udp4');
    const errors: Error[] = [];
    server.onError((error) => errors.push(error));
    await server.close();
    expect(() => server.send(Buffer.from('late'), 9, '127.0.0.1')).not.toThrow();
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ERR_SOCKET_DGRAM_NOT_RUNNING']);
  });

  it('reports a bad destination to the error handlers instead of throwing', async () => {
    const server = await batched('udp4');
    const errors: Error[] = [];
    server.onError((error) => errors.push(error));
    server.send(Buffer.from('x'), 9, 'not-an-address');
    server.send(Buffer.from('x'), 0, '127.0.0.1');
    server.send(Buffer.from('x'), 9, '::1'); // IPv6 on an IPv4 socket
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['EINVAL', 'EINVAL', 'EINVAL']);
  });

  it('drops and counts datagrams longer than its slot, and keeps receiving', async () => {
    const server = await batched('udp4', { maxDatagramBytes: 512 });
    const client = await peer('udp4');
    const next = collect(server, 1);
    client.send(Buffer.alloc(2000), server.address().port, '127.0.0.1');
    client.send(Buffer.alloc(512, 7), server.address().port, '127.0.0.1');
    const [small] = await next;
    expect(small!.data.length).toBe(512);
    expect(server.stats()).toMatchObject({ received: 2, truncated: 1 });
  });

  it('fails to bind a port in use with its errno code', async () => {
    const server = await batched('udp4');
    await expect(
      createBatchedUdpSocketFactory().bind({ type: 'udp4', address: '127.0.0.1', port: server.address().port }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('under load reads once per coalescing window, complete and in order, and on every wake-up again once quiet', async () => {
    const server = await batched('udp4', { coalesceMicros: 2_000 });
    const sender = await peer('udp4');
    const got: string[] = [];
    server.onMessage((data) => void got.push(data.toString()));
    const port = server.address().port;
    // One datagram per event-loop turn: a wake-up each, far more often than one per 2 ms.
    for (let i = 0; i < 400; i++) {
      sender.send(String(i), port, '127.0.0.1');
      await new Promise((resolve) => setImmediate(resolve));
    }
    while (got.length < 400) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(got).toEqual(Array.from({ length: 400 }, (_, i) => String(i)));
    const loaded = server.stats();
    expect(loaded.timedReads).toBeGreaterThan(0);
    // Read on every wake-up, 400 datagrams sent one per turn take about 400 reads.
    expect(loaded.batches).toBeLessThan(200);

    // A window that gathers fewer than two ends the coalescing; after ten windows' rest a lone
    // datagram is read on its own wake-up, with no timed read.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const quiet = server.stats().timedReads;
    const next = collect(server, 1);
    sender.send('alone', port, '127.0.0.1');
    expect((await next)[0]!.data.toString()).toBe('alone');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.stats().timedReads).toBe(quiet);
  });

  it('refuses a coalescing window beyond 10 ms', () => {
    expect(() => createBatchedUdpSocketFactory({ coalesceMicros: 10_001 })).toThrow(/coalesceMicros must be an integer in 0\.\.10000/);
    expect(() => createBatchedUdpSocketFactory({ coalesceMicros: 1.5 })).toThrow(/coalesceMicros/);
  });

  it('lets a worker thread end with its socket open, receiving and coalescing, without harm to the process, and frees the port', async () => {
    if (!addon.ok) return;
    // In a process of its own whose main thread never loads the addon, as a STUN worker's parent:
    // there the worker's teardown unloads it, and a close callback left for later would run
    // unloaded code (SIGSEGV). The worker opens a socket with the addon and never closes it.
    const script = `
      const { Worker } = require('node:worker_threads');
      const dgram = require('node:dgram');
      const { once } = require('node:events');
      const worker = \`
        const { parentPort, workerData } = require('node:worker_threads');
        const binding = require(workerData.path);
        const meta = new Int32Array(binding.batchSize * binding.metaPerDatagram);
        const handle = binding.open(4, '127.0.0.1', 0, 0, 0, false, 2048, meta, () => {}, () => {}, 100);
        parentPort.postMessage(binding.address(handle)[1]);
        parentPort.on('message', () => process.exit(0));
      \`;
      (async () => {
        const sender = dgram.createSocket('udp4');
        for (const end of ['terminate', 'exit']) {
          const thread = new Worker(worker, { eval: true, workerData: { path: process.argv[1] } });
          const [port] = await once(thread, 'message');
          for (let i = 0; i < 200; i++) {
            sender.send(String(i), port, '127.0.0.1');
            await new Promise((resolve) => setImmediate(resolve));
          }
          const exited = once(thread, 'exit');
          if (end === 'terminate') await thread.terminate();
          else thread.postMessage('exit');
          await exited;
          const again = dgram.createSocket('udp4');
          again.bind(port, '127.0.0.1');
          await once(again, 'listening');
          again.close();
          console.log(end, 'ok');
        }
        sender.close();
      })();
    `;
    const child = spawn(process.execPath, ['-e', script, addon.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect({ code, signal, out }).toEqual({ code: 0, signal: null, out: 'terminate ok\nexit ok\n' });
  });
});
