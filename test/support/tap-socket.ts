// node:dgram sockets that show every datagram they send to a tap (an on-path attacker's view), which
// may also keep one from being delivered (captured, as a packet sent to a LAN candidate would be).
import type { UdpSocket, UdpSocketFactory } from '../../src/index.js';
import { createNodeUdpSocketFactory } from '../../core/index.js';

export interface Tapped {
  bytes: Uint8Array;
  address: string;
  port: number;
}

/** @param tap sees a copy of each datagram; returns false to keep it from being delivered. */
export function tappingSocketFactory(tap: (sent: Tapped) => boolean): UdpSocketFactory {
  const real = createNodeUdpSocketFactory();
  return {
    async bind(options) {
      const socket = await real.bind(options);
      const wrapped: UdpSocket = {
        address: () => socket.address(),
        send: (data, port, address) => {
          if (tap({ bytes: Uint8Array.from(data), address, port })) socket.send(data, port, address);
        },
        onMessage: (handler) => socket.onMessage(handler),
        onError: (handler) => socket.onError(handler),
        close: () => socket.close(),
      };
      return wrapped;
    },
  };
}
