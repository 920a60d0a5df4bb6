// The batched UDP socket: the core UdpSocket interface over the addon's recvmmsg/sendmmsg loop.
import { getSystemErrorName } from 'node:util';
import { checkIntegerOptions, PunchthroughError, type UdpBindOptions, type UdpEndpoint, type UdpMessageHandler, type UdpSocket, type UdpSocketFactory } from '../core/index.js';
import { loadUdpBatchAddon, type BatchSocketHandle, type UdpBatchBinding } from './addon.js';
import { DEFAULT_MAX_DATAGRAM_BYTES, MAX_COALESCE_MICROS } from './constants.js';

export interface BatchedUdpSocketFactoryOptions {
  /** SO_REUSEPORT on every socket, so several sockets (worker threads) share a port. Default false. */
  reusePort?: boolean;
  /** Longer datagrams are dropped and counted as truncated. Default DEFAULT_MAX_DATAGRAM_BYTES. */
  maxDatagramBytes?: number;
  /**
   * Receive coalescing window, µs; 0 (the default) reads on every readiness. Above it, a socket
   * woken ten times within ten windows reads once per window instead, until a window gathers
   * fewer than two datagrams (then it reads on readiness for ten windows at least): under load
   * each wake-up then carries many datagrams, at the cost of up to one window's wait per
   * datagram; below that rate nothing waits. At most 10,000.
   */
  coalesceMicros?: number;
  /** The loaded addon. Default: `loadUdpBatchAddon()`, and UDP_IO_UNAVAILABLE when it cannot load. */
  binding?: UdpBatchBinding;
}

/** Counters of one batched socket since it opened. */
export interface BatchedUdpSocketStats {
  /** Datagrams received (truncated ones included). */
  received: number;
  /** Datagrams longer than the receive slot: dropped. */
  truncated: number;
  /** recvmmsg calls that returned datagrams (one JS call each). */
  batches: number;
  sent: number;
  /** Sends dropped because the send queue was full (a full kernel buffer, as with node:dgram). */
  sendDropped: number;
  sendErrors: number;
  receiveErrors: number;
  /** Reads made when a coalescing window ended (`coalesceMicros`). */
  timedReads: number;
}

export interface BatchedUdpSocket extends UdpSocket {
  stats(): BatchedUdpSocketStats;
}

export interface BatchedUdpSocketFactory extends UdpSocketFactory {
  bind(options: UdpBindOptions): Promise<BatchedUdpSocket>;
}

/** A UdpSocketFactory whose sockets receive and send many datagrams per system call. */
export function createBatchedUdpSocketFactory(options: BatchedUdpSocketFactoryOptions = {}): BatchedUdpSocketFactory {
  let binding = options.binding;
  if (!binding) {
    const addon = loadUdpBatchAddon();
    if (!addon.ok) throw new PunchthroughError('UDP_IO_UNAVAILABLE', `batched UDP I/O: ${addon.reason}`);
    binding = addon.binding;
  }
  checkIntegerOptions('createBatchedUdpSocketFactory', options, { maxDatagramBytes: [1, DEFAULT_MAX_DATAGRAM_BYTES], coalesceMicros: [0, MAX_COALESCE_MICROS] });
  const maxDatagramBytes = options.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES;
  const coalesceMicros = options.coalesceMicros ?? 0;
  const chosen = binding;
  return {
    async bind(bindOptions) {
      return openBatchedSocket(chosen, bindOptions, options.reusePort ?? false, maxDatagramBytes, coalesceMicros);
    },
  };
}

function errnoError(errno: number, syscall: string): NodeJS.ErrnoException {
  let code: string;
  try {
    code = getSystemErrorName(errno);
  } catch {
    code = `E${-errno}`;
  }
  const error: NodeJS.ErrnoException = new Error(`${syscall} ${code}`);
  error.code = code;
  error.errno = errno;
  error.syscall = syscall;
  return error;
}

function openBatchedSocket(binding: UdpBatchBinding, options: UdpBindOptions, reusePort: boolean, maxDatagramBytes: number, coalesceMicros: number): BatchedUdpSocket {
  const family: UdpEndpoint['family'] = options.type === 'udp6' ? 'IPv6' : 'IPv4';
  const stride = binding.metaPerDatagram;
  const meta = new Int32Array(binding.batchSize * stride);
  // Copy-on-write: a handler added or removed during a batch takes effect with the next one.
  let messageHandlers: readonly UdpMessageHandler[] = [];
  const errorHandlers = new Set<(error: Error) => void>();
  let closed: Promise<void> | undefined;
  let inBatch = false;
  let flushScheduled = false;
  const report = (error: Error): void => {
    for (const handler of errorHandlers) handler(error);
  };
  const flush = (): void => {
    flushScheduled = false;
    if (closed) return;
    const failed = binding.flush(handle);
    if (failed !== 0) report(errnoError(-failed, 'sendmmsg'));
  };
  const onBatch = (count: number, payloads: Buffer, hosts: string[]): void => {
    inBatch = true;
    try {
      let offset = 0;
      const handlers = messageHandlers;
      for (let i = 0; i < count && !closed; i++) {
        const at = i * stride;
        const length = meta[at]!;
        // A view of this batch's own Buffer: the addon never reuses memory JS has seen, so a
        // handler may keep (or rewrite) its datagram.
        const data = payloads.subarray(offset, offset + length);
        offset += length;
        const from: UdpEndpoint = { address: hosts[meta[at + 2]!]!, port: meta[at + 1]!, family };
        for (const handler of handlers) {
          try {
            handler(data, from);
          } catch (error) {
            // As from a node:dgram 'message' listener: an uncaught exception, after this batch.
            process.nextTick(() => {
              throw error;
            });
          }
        }
      }
    } finally {
      inBatch = false;
    }
    flush();
  };
  const onError = (errno: number, syscall: string): void => report(errnoError(errno, syscall));
  const handle: BatchSocketHandle = binding.open(
    family === 'IPv6' ? 6 : 4,
    options.address ?? (family === 'IPv6' ? '::' : '0.0.0.0'),
    options.port ?? 0,
    options.receiveBufferSize ?? 0,
    options.sendBufferSize ?? 0,
    reusePort,
    maxDatagramBytes,
    meta,
    onBatch,
    onError,
    coalesceMicros,
  );
  const [boundAddress, boundPort] = binding.address(handle);
  const bound: UdpEndpoint = { address: boundAddress, port: boundPort, family };
  return {
    address: () => ({ ...bound }),
    send(data, port, address, ttl) {
      if (closed) {
        const error: NodeJS.ErrnoException = new Error('send after close');
        error.code = 'ERR_SOCKET_DGRAM_NOT_RUNNING';
        report(error);
        return;
      }
      const result = ttl === undefined ? binding.send(handle, data, port, address) : binding.send(handle, data, port, address, ttl);
      if (result === 0) {
        // Sends made in a receive handler leave with the batch's flush; others a turn later.
        if (!inBatch && !flushScheduled && ttl === undefined) {
          flushScheduled = true;
          setImmediate(flush);
        }
      } else if (result > 0) {
        report(errnoError(-result, 'send'));
      }
      // result -1: the send queue was full; dropped and counted, like a full kernel buffer.
    },
    onMessage(handler) {
      messageHandlers = [...messageHandlers, handler];
      let attached = true;
      return () => {
        if (!attached) return;
        attached = false;
        const at = messageHandlers.indexOf(handler);
        if (at >= 0) messageHandlers = [...messageHandlers.slice(0, at), ...messageHandlers.slice(at + 1)];
      };
    },
    onError(handler) {
      const entry = (error: Error): void => handler(error);
      errorHandlers.add(entry);
      return () => errorHandlers.delete(entry);
    },
    stats() {
      const [received, truncated, batches, sent, sendDropped, sendErrors, receiveErrors, timedReads] = binding.stats(handle);
      return {
        received: received ?? 0,
        truncated: truncated ?? 0,
        batches: batches ?? 0,
        sent: sent ?? 0,
        sendDropped: sendDropped ?? 0,
        sendErrors: sendErrors ?? 0,
        receiveErrors: receiveErrors ?? 0,
        timedReads: timedReads ?? 0,
      };
    },
    close() {
      // The addon sends what is queued before it closes the fd: a goodbye sent just before
      // close() leaves, and the port is free when this resolves.
      if (!closed) {
        binding.close(handle);
        closed = Promise.resolve();
      }
      return closed;
    },
  };
}
