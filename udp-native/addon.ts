// Loads the batched UDP addon (native/udp-batch, built by `npm ci`) or says why it cannot.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Called with one received batch: `count` datagrams packed in `payloads`, hosts by index. */
export type BatchHandler = (count: number, payloads: Buffer, hosts: string[]) => void;
/** Called with a negative errno and the failing system call (fd errors, failed sends). */
export type BatchErrorHandler = (errno: number, syscall: string) => void;

/** An open addon socket; opaque to JS. */
export type BatchSocketHandle = { readonly __batchSocket: unique symbol };

/** The addon's functions (native/udp-batch/src/binding.c). */
export interface UdpBatchBinding {
  /** Datagrams per recvmmsg: the meta array holds `batchSize * metaPerDatagram` integers. */
  readonly batchSize: number;
  readonly metaPerDatagram: number;
  open(
    family: 4 | 6,
    address: string,
    port: number,
    receiveBufferBytes: number,
    sendBufferBytes: number,
    reusePort: boolean,
    maxDatagramBytes: number,
    meta: Int32Array,
    onBatch: BatchHandler,
    onError: BatchErrorHandler,
    /** Receive coalescing window, µs (0 = off; at most 10,000). */
    coalesceMicros: number,
  ): BatchSocketHandle;
  /** 0 queued, -1 dropped (send queue full), else a positive errno. */
  send(handle: BatchSocketHandle, data: Uint8Array, port: number, address: string, ttl?: number): number;
  /** 0, or the positive errno of the last datagram that failed. */
  flush(handle: BatchSocketHandle): number;
  close(handle: BatchSocketHandle): void;
  address(handle: BatchSocketHandle): [string, number];
  /** [received, truncated, batches, sent, sendDropped, sendErrors, receiveErrors, timedReads] */
  stats(handle: BatchSocketHandle): number[];
}

export type UdpBatchAddon = { ok: true; binding: UdpBatchBinding; path: string } | { ok: false; reason: string };

const ADDON_FILE = 'native/udp-batch/build/Release/udp_batch.node';
const FUNCTIONS = ['open', 'send', 'flush', 'close', 'address', 'stats'] as const;

/** The package root: udp-native/ in the sources, dist/udp-native/ once built. */
function candidatePaths(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  return [join(here, '..', ADDON_FILE), join(here, '..', '..', ADDON_FILE)];
}

/** Loads the addon (Node caches it per thread); never throws. */
export function loadUdpBatchAddon(): UdpBatchAddon {
  if (process.platform !== 'linux') return { ok: false, reason: `the batched UDP addon is Linux-only (this is ${process.platform})` };
  const path = candidatePaths().find((candidate) => existsSync(candidate));
  if (!path) return { ok: false, reason: `${ADDON_FILE} was not built (npm ci builds it; see native/udp-batch/build.log)` };
  try {
    const loaded = createRequire(import.meta.url)(path) as Record<string, unknown>;
    const missing = FUNCTIONS.filter((name) => typeof loaded[name] !== 'function');
    if (missing.length > 0 || typeof loaded.batchSize !== 'number' || typeof loaded.metaPerDatagram !== 'number') {
      return { ok: false, reason: `${path} is not the batched UDP addon (missing ${missing.join(', ') || 'batchSize'})` };
    }
    return { ok: true, binding: loaded as unknown as UdpBatchBinding, path };
  } catch (error) {
    return { ok: false, reason: `${path} did not load: ${(error as Error).message}` };
  }
}
