import { afterEach, describe, expect, it } from 'vitest';
import { createNodeUdpSocketFactory, parseEndpoint, formatEndpoint, type UdpSocket } from '../../../core/index.js';

describe('node:dgram UdpSocketFactory', () => {
  const open: UdpSocket[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((socket) => socket.close()));
  });

  it('binds on port 0 and exchanges datagrams on loopback', async () => {
    const factory = createNodeUdpSocketFactory();
    const a = await factory.bind({ type: 'udp4', address: '127.0.0.1' });
    const b = await factory.bind({ type: 'udp4', address: '127.0.0.1' });
    open.push(a, b);
    expect(a.address().port).toBeGreaterThan(0);
    const received = new Promise<{ text: string; port: number }>((resolve) => {
      b.onMessage((data, from) => resolve({ text: data.toString(), port: from.port }));
    });
    a.send(Buffer.from('hello'), b.address().port, '127.0.0.1');
    await expect(received).resolves.toEqual({ text: 'hello', port: a.address().port });
  });

  it('sends low-TTL datagrams (loopback is zero hops away) before a full-TTL one sent in the same turn, on IPv4 and IPv6', async () => {
    const factory = createNodeUdpSocketFactory();
    for (const [type, address] of [['udp4', '127.0.0.1'], ['udp6', '::1']] as const) {
      const a = await factory.bind({ type, address });
      const b = await factory.bind({ type, address });
      open.push(a, b);
      const errors: Error[] = [];
      a.onError((error) => errors.push(error));
      const texts: string[] = [];
      const all = new Promise<void>((resolve) => b.onMessage((data) => texts.push(data.toString()) === 3 && resolve()));
      // In one turn: the full-TTL send waits for the primes (one TTL change serves both).
      a.send(Buffer.from('prime'), b.address().port, address, 1);
      a.send(Buffer.from('full'), b.address().port, address);
      a.send(Buffer.from('prime 2'), b.address().port, address, 1);
      await all;
      expect(texts).toEqual(['prime', 'prime 2', 'full']);
      expect(errors).toEqual([]);
    }
  });

  it('reports a bad send to error handlers instead of throwing, and closes idempotently', async () => {
    const socket = await createNodeUdpSocketFactory().bind({ type: 'udp4', address: '127.0.0.1' });
    const errors: Error[] = [];
    socket.onError((error) => errors.push(error));
    expect(() => socket.send(Buffer.from('x'), 70000, '127.0.0.1')).not.toThrow();
    expect(errors).toHaveLength(1);
    await socket.close();
    await socket.close();
    expect(() => socket.send(Buffer.from('x'), 9, '127.0.0.1')).not.toThrow();
  });

  it('delivers a datagram sent right before close()', async () => {
    const factory = createNodeUdpSocketFactory();
    const receiver = await factory.bind({ type: 'udp4', address: '127.0.0.1' });
    const sender = await factory.bind({ type: 'udp4', address: '127.0.0.1' });
    open.push(receiver);
    const received = new Promise<string>((resolve) => receiver.onMessage((data) => resolve(data.toString())));
    sender.send(Buffer.from('goodbye'), receiver.address().port, '127.0.0.1');
    await sender.close();
    await expect(received).resolves.toBe('goodbye');
  });

  it('rejects a bind to a port already in use', async () => {
    const factory = createNodeUdpSocketFactory();
    const a = await factory.bind({ type: 'udp4', address: '127.0.0.1' });
    open.push(a);
    await expect(factory.bind({ type: 'udp4', address: '127.0.0.1', port: a.address().port })).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('endpoint text', () => {
  it('formats and parses IPv4 and IPv6', () => {
    expect(formatEndpoint({ address: '::1', port: 5 })).toBe('[::1]:5');
    expect(parseEndpoint('[::1]:5')).toEqual({ address: '::1', port: 5, family: 'IPv6' });
    expect(parseEndpoint('10.0.0.1:3478')).toEqual({ address: '10.0.0.1', port: 3478, family: 'IPv4' });
    expect(parseEndpoint('10.0.0.1:99999')).toBeUndefined();
    expect(parseEndpoint('nonsense')).toBeUndefined();
  });
});
