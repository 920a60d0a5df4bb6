/**
 * Per-peer token buckets and the error gate: pure functions of state and `now`, so the server's
 * limits are unit-tested on a manual clock.
 */

/** Per-peer limits: two token buckets, one counting packets and one counting bytes. */
export interface RateLimits {
  /** Average packets per second. */
  packetsPerSecond: number;
  /** Bucket size in packets: how many may arrive at once after a quiet spell. */
  burstPackets: number;
  /** Average bytes per second (whole datagrams). */
  bytesPerSecond: number;
  /** Bucket size in bytes. */
  burstBytes: number;
}

/** The mutable bucket state a binding carries (fields, not objects: no per-packet allocation). */
export interface TokenBuckets {
  packetTokens: number;
  byteTokens: number;
  refilledAtMs: number;
}

const TOKEN_EPSILON = 1e-6;

/** Full buckets: a new peer may burst at once. */
export function fullBuckets(limits: RateLimits, now: number): TokenBuckets {
  return { packetTokens: limits.burstPackets, byteTokens: limits.burstBytes, refilledAtMs: now };
}

/**
 * Refills by the time since the last call, then takes one packet and `bytes` bytes if both
 * buckets hold enough. Returns false (and takes nothing) when either would go below zero.
 */
export function takeTokens(state: TokenBuckets, limits: RateLimits, now: number, bytes: number): boolean {
  const elapsedMs = now - state.refilledAtMs;
  if (elapsedMs > 0) {
    state.packetTokens = Math.min(limits.burstPackets, state.packetTokens + (elapsedMs * limits.packetsPerSecond) / 1000);
    state.byteTokens = Math.min(limits.burstBytes, state.byteTokens + (elapsedMs * limits.bytesPerSecond) / 1000);
    state.refilledAtMs = now;
  }
  // The epsilon absorbs float drift from many fractional refills (0.1 + 0.1 + … < 1).
  if (state.packetTokens < 1 - TOKEN_EPSILON || state.byteTokens < bytes - TOKEN_EPSILON) return false;
  state.packetTokens -= 1;
  state.byteTokens -= bytes;
  return true;
}

/**
 * At most one error per key per window, and at most `maxKeys` keys per window. Fixed windows:
 * the whole table is forgotten when a window ends, so memory is bounded by `maxKeys`.
 */
export class ErrorGate {
  #windowStartMs = Number.NEGATIVE_INFINITY;
  readonly #answered = new Set<string>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  /** True if an error may be sent to `key` now; records it. */
  allow(key: string, now: number): boolean {
    if (now - this.#windowStartMs >= this.windowMs) {
      this.#windowStartMs = now;
      this.#answered.clear();
    }
    if (this.#answered.has(key) || this.#answered.size >= this.maxKeys) return false;
    this.#answered.add(key);
    return true;
  }
}
