// Chooses the UDP I/O path of a server: the batched addon, node:dgram, or auto (batched when it loads).
import { createNodeUdpSocketFactory, PunchthroughError, type UdpSocketFactory } from '../core/index.js';
import { loadUdpBatchAddon } from './addon.js';
import { createBatchedUdpSocketFactory } from './batched-socket.js';
import { UDP_IO_ENV, UDP_IO_MODES } from './constants.js';

export type UdpIoMode = (typeof UDP_IO_MODES)[number];

/** The path a server runs on. `custom`: the caller injected its own socket factory. */
export type UdpIoPath = 'batched' | 'dgram' | 'custom';

export interface UdpIoChoice {
  io: 'batched' | 'dgram';
  factory: UdpSocketFactory;
  /** Under `auto`, why the batched path was not taken. */
  fallbackReason?: string;
}

export function isUdpIoMode(value: unknown): value is UdpIoMode {
  return typeof value === 'string' && (UDP_IO_MODES as readonly string[]).includes(value);
}

/**
 * The mode that applies: an explicit `batched` or `dgram` option wins; `auto` (or none) yields
 * to the PUNCHTHROUGH_UDP_IO environment value when it names a mode.
 */
export function resolveUdpIoMode(option: UdpIoMode | undefined, envValue: string | undefined): UdpIoMode {
  // Checked at run time too: a JavaScript caller's typo would otherwise run as auto.
  if (option !== undefined && !isUdpIoMode(option)) {
    throw new PunchthroughError('INVALID_OPTIONS', `udpIo must be one of ${UDP_IO_MODES.join(', ')}`);
  }
  if (option !== undefined && option !== 'auto') return option;
  if (envValue === undefined || envValue === '') return 'auto';
  if (!isUdpIoMode(envValue)) {
    throw new PunchthroughError('INVALID_OPTIONS', `${UDP_IO_ENV} must be one of ${UDP_IO_MODES.join(', ')}, got "${envValue}"`);
  }
  return envValue;
}

export interface ChooseUdpIoOptions {
  /** The environment to read PUNCHTHROUGH_UDP_IO from. Default: process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** For the batched factory: SO_REUSEPORT (worker threads sharing a port). */
  reusePort?: boolean;
  /** For the batched factory: its receive coalescing window, µs (`BatchedUdpSocketFactoryOptions`). */
  coalesceMicros?: number;
}

/** The socket factory for `mode`; `batched` throws UDP_IO_UNAVAILABLE when the addon cannot load. */
export function chooseUdpIo(mode: UdpIoMode | undefined, options: ChooseUdpIoOptions = {}): UdpIoChoice {
  const env = options.env ?? process.env;
  const resolved = resolveUdpIoMode(mode, env[UDP_IO_ENV]);
  if (resolved === 'dgram') return { io: 'dgram', factory: createNodeUdpSocketFactory() };
  const addon = loadUdpBatchAddon();
  if (addon.ok) {
    const factory = createBatchedUdpSocketFactory({ binding: addon.binding, reusePort: options.reusePort ?? false, coalesceMicros: options.coalesceMicros });
    return { io: 'batched', factory };
  }
  if (resolved === 'batched') {
    throw new PunchthroughError('UDP_IO_UNAVAILABLE', `udpIo "batched" asked for, but ${addon.reason}`);
  }
  return { io: 'dgram', factory: createNodeUdpSocketFactory(), fallbackReason: addon.reason };
}
