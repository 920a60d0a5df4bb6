// A UDP-hostile network on real sockets: node:dgram sockets whose datagrams never leave and never arrive (a firewall dropping all UDP).
import type { UdpSocket, UdpSocketFactory } from '../../src/index.js';
import { createNodeUdpSocketFactory } from '../../core/index.js';

export interface UdpHostileFactory extends UdpSocketFactory {
  /** Datagrams the "firewall" dropped, both ways. */
  readonly dropped: { sent: number; received: number };
}

/** Sockets bind for real (ports are real), but every datagram, either way, is dropped and counted. */
export function udpHostileSocketFactory(): UdpHostileFactory {
  const real = createNodeUdpSocketFactory();
  const dropped = { sent: 0, received: 0 };
  return {
    dropped,
    async bind(options) {
      const socket = await real.bind(options);
      const wrapped: UdpSocket = {
        address: () => socket.address(),
        send: () => void dropped.sent++,
        onMessage: () => socket.onMessage(() => void dropped.received++),
        onError: (handler) => socket.onError(handler),
        close: () => socket.close(),
      };
      return wrapped;
    },
  };
}
