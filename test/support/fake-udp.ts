import type { UdpEndpoint, UdpMessageHandler, UdpSocket, UdpSocketFactory } from '../../core/index.js';

/**
 * A synchronous in-memory UDP network for unit tests: `send` delivers at once, so a test on a
 * ManualClock sees every consequence of a datagram before its next line. `inject` sends from
 * any source address (a spoofer's view of the world).
 */
export class FakeUdpNetwork implements UdpSocketFactory {
  readonly #sockets = new Map<string, FakeSocket>();
  #nextPort = 40_000;
  /** Every datagram sent, in order (for amplification accounting). */
  readonly log: Array<{ from: string; to: string; bytes: number }> = [];

  async bind(options: { address?: string; port?: number }): Promise<UdpSocket> {
    return this.socket(options.address ?? '10.0.0.1', options.port || this.#nextPort++);
  }

  socket(address: string, port = this.#nextPort++): FakeSocket {
    const socket = new FakeSocket(this, { address, port, family: 'IPv4' });
    this.#sockets.set(key(socket.local), socket);
    return socket;
  }

  inject(from: UdpEndpoint, to: { address: string; port: number }, data: Uint8Array): void {
    this.log.push({ from: key(from), to: key(to), bytes: data.length });
    // A fresh copy per datagram, as the kernel gives; the receiver may write into it.
    this.#sockets.get(key(to))?.deliver(Buffer.from(data), from);
  }

  forget(socket: FakeSocket): void {
    this.#sockets.delete(key(socket.local));
  }
}

class FakeSocket implements UdpSocket {
  readonly #handlers = new Set<UdpMessageHandler>();
  #closed = false;

  constructor(
    private readonly network: FakeUdpNetwork,
    readonly local: UdpEndpoint,
  ) {}

  address(): UdpEndpoint {
    return { ...this.local };
  }

  send(data: Uint8Array, port: number, address: string): void {
    if (!this.#closed) this.network.inject(this.local, { address, port }, data);
  }

  onMessage(handler: UdpMessageHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  onError(): () => void {
    return () => undefined;
  }

  get handlerCount(): number {
    return this.#handlers.size;
  }

  deliver(data: Buffer, from: UdpEndpoint): void {
    if (this.#closed) return;
    for (const handler of [...this.#handlers]) handler(data, { ...from });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.network.forget(this);
  }
}

export type { FakeSocket };

function key(endpoint: { address: string; port: number }): string {
  return `${endpoint.address}:${endpoint.port}`;
}
