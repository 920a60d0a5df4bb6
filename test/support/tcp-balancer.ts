// A tiny TCP load balancer for tests: the stand-in for an operator's L4 load balancer in front of
// several session nodes. Round-robins new connections over the backends, skipping refused ones.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpBalancer {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Backend ports, in round-robin order; replace to add or remove nodes. */
  backends: number[];
  /** How many connections each backend port received. */
  readonly accepted: ReadonlyMap<number, number>;
  /** Stops listening and destroys every proxied connection. */
  close(): Promise<void>;
}

/** Tries each backend once from the round-robin position; the client socket is destroyed if none accepts. */
export async function startTcpBalancer(backends: number[], host = '127.0.0.1'): Promise<TcpBalancer> {
  let next = 0;
  const accepted = new Map<number, number>();
  const open = new Set<Socket>();
  const track = (socket: Socket): void => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };

  const connectAny = (ports: number[]): Promise<{ socket: Socket; port: number } | undefined> =>
    new Promise((resolve) => {
      const attempt = (i: number): void => {
        if (i >= ports.length) return resolve(undefined);
        const port = ports[i]!;
        const upstream = createConnection({ host, port });
        upstream.once('connect', () => {
          upstream.removeAllListeners('error');
          resolve({ socket: upstream, port });
        });
        upstream.once('error', () => {
          upstream.destroy();
          attempt(i + 1);
        });
      };
      attempt(0);
    });

  const server: Server = createServer((client) => {
    track(client);
    client.pause();
    client.on('error', () => client.destroy());
    const list = balancer.backends;
    const start = list.length === 0 ? 0 : next++ % list.length;
    const order = [...list.slice(start), ...list.slice(0, start)];
    void connectAny(order).then((found) => {
      if (!found || client.destroyed) {
        found?.socket.destroy();
        client.destroy();
        return;
      }
      const { socket: upstream, port } = found;
      track(upstream);
      accepted.set(port, (accepted.get(port) ?? 0) + 1);
      upstream.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('tcp balancer: not listening');
  const balancer: TcpBalancer = {
    port: address.port,
    backends: [...backends],
    accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return balancer;
}
