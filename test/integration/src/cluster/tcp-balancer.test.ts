// The tests' TCP load balancer: round-robin over backends, skipping refused ones.
import { createServer, connect, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpBalancer, type TcpBalancer } from '../../../support/tcp-balancer.js';

/** A backend that answers every line with its own name. */
async function nameServer(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.on('data', () => socket.end(name));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as { port: number }).port };
}

function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write('who?\n'));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const { server, port } = await nameServer('gone');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('tcp balancer (test support)', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  const track = (server: Server) => closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('round-robins new connections over the backends', async () => {
    const a = await nameServer('a');
    const b = await nameServer('b');
    track(a.server);
    track(b.server);
    const balancer: TcpBalancer = await startTcpBalancer([a.port, b.port]);
    closers.push(() => balancer.close());
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await ask(balancer.port));
    expect(answers).toEqual(['a', 'b', 'a', 'b']);
    expect(balancer.accepted.get(a.port)).toBe(2);
  });

  it('skips a backend that refuses, and drops the client when every backend refuses', async () => {
    const a = await nameServer('a');
    track(a.server);
    const dead = await closedPort();
    const balancer = await startTcpBalancer([dead, a.port]);
    closers.push(() => balancer.close());
    expect([await ask(balancer.port), await ask(balancer.port), await ask(balancer.port)]).toEqual(['a', 'a', 'a']);
    expect(balancer.accepted.get(dead)).toBeUndefined();
    balancer.backends = [dead];
    expect(await ask(balancer.port)).toBe('');
  });
});
