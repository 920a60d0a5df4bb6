import dgram from 'node:dgram';
import { once } from 'node:events';
import type { UdpEndpoint, UdpSocket, UdpSocketFactory } from '../src/runtime/index.js';

/**
 * The relay's default socket factory: node:dgram like the runtime's, except that `send` passes
 * no completion callback. With a callback, node:dgram schedules a `process.nextTick` and a
 * completion per datagram; on the relay's forwarding path that alone cost a quarter of its
 * throughput (README, "Benchmarks: relay"). A datagram the kernel refuses is simply lost, as
 * UDP allows; socket-level errors still reach `onError`.
 */
export function createRelayUdpSocketFactory(): UdpSocketFactory {
  return {
    async bind(options) {
      const socket = dgram.createSocket({
        type: options.type,
        ipv6Only: options.type === 'udp6',
        ...(options.receiveBufferSize ? { recvBufferSize: options.receiveBufferSize } : {}),
        ...(options.sendBufferSize ? { sendBufferSize: options.sendBufferSize } : {}),
      });
      const bindError = once(socket, 'error').then(([error]) => Promise.reject(error as Error));
      socket.bind(options.port ?? 0, options.address);
      await Promise.race([once(socket, 'listening'), bindError]);
      bindError.catch(() => undefined);
      return wrap(socket);
    },
  };
}

function wrap(socket: dgram.Socket): UdpSocket {
  const errorHandlers = new Set<(error: Error) => void>();
  socket.on('error', (error) => errorHandlers.forEach((handler) => handler(error)));
  const local = socket.address();
  const bound: UdpEndpoint = { address: local.address, port: local.port, family: local.family === 'IPv6' ? 'IPv6' : 'IPv4' };
  let closed: Promise<void> | undefined;
  return {
    address: () => ({ ...bound }),
    send(data, port, address) {
      if (closed) return;
      try {
        socket.send(data, port, address);
      } catch (error) {
        errorHandlers.forEach((handler) => handler(error as Error));
      }
    },
    onMessage(handler) {
      // node:dgram's RemoteInfo already has the endpoint's shape: no per-datagram object.
      const listener = handler as (data: Buffer, info: dgram.RemoteInfo) => void;
      socket.on('message', listener);
      return () => socket.off('message', listener);
    },
    onError(handler) {
      errorHandlers.add(handler);
      return () => errorHandlers.delete(handler);
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        try {
          socket.close(() => resolve());
        } catch {
          resolve();
        }
      });
      return closed;
    },
  };
}
