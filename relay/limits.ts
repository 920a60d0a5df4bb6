/**
 * Per-peer token buckets, the error gate and the bind-work budget: pure functions of state and
 * `now`, so the server's limits are unit-tested on a manual clock.
 */
import { IPV6_SOURCE_PREFIX_BITS } from './constants.js';

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

/** A single token bucket's rate: tokens per second and the bucket's size. */
export interface Budget {
  perSecond: number;
  burst: number;
}

const asRateLimits = (budget: Budget): RateLimits => ({
  packetsPerSecond: budget.perSecond,
  burstPackets: budget.burst,
  bytesPerSecond: Number.POSITIVE_INFINITY,
  burstBytes: Number.POSITIVE_INFINITY,
});

/**
 * The relay's bind work (HMACs spent on binds that have not proved anything yet), budgeted per
 * source IP and in all. A bind takes a token before the relay computes anything for it, so an
 * empty bucket costs the relay one Map lookup; a bind that then proves its ticket gets its token
 * back, so what is limited is minted cookies and failed verifications.
 *
 * Sources are keyed by IP alone: an attacker picks its ports freely. At most `maxSources` are
 * remembered; beyond that (between sweeps) a new source draws on the global bucket only.
 */
export class BindWorkBudget {
  readonly #sources = new Map<string, TokenBuckets>();
  readonly #global: TokenBuckets;
  readonly #perSource: RateLimits;
  readonly #total: RateLimits;

  constructor(
    perSource: Budget,
    total: Budget,
    private readonly maxSources: number,
    now: number,
  ) {
    this.#perSource = asRateLimits(perSource);
    this.#total = asRateLimits(total);
    this.#global = fullBuckets(this.#total, now);
  }

  /** Takes one token from `source`'s bucket and the global one; false (taking none) if either is empty. */
  spend(source: string, now: number): boolean {
    let own = this.#sources.get(source);
    if (own === undefined && this.#sources.size < this.maxSources) {
      own = fullBuckets(this.#perSource, now);
      this.#sources.set(source, own);
    }
    if (own !== undefined && !takeTokens(own, this.#perSource, now, 0)) return false;
    if (takeTokens(this.#global, this.#total, now, 0)) return true;
    if (own !== undefined) own.packetTokens += 1;
    return false;
  }

  /** Gives back the token of a bind that proved its ticket. */
  refund(source: string): void {
    const own = this.#sources.get(source);
    if (own) own.packetTokens = Math.min(this.#perSource.burstPackets, own.packetTokens + 1);
    this.#global.packetTokens = Math.min(this.#total.burstPackets, this.#global.packetTokens + 1);
  }

  /** Forgets sources whose bucket has refilled: a forgotten source starts full, the same state. */
  sweep(now: number): void {
    for (const [source, state] of this.#sources) {
      const refilled = state.packetTokens + ((now - state.refilledAtMs) * this.#perSource.packetsPerSecond) / 1000;
      if (refilled >= this.#perSource.burstPackets) this.#sources.delete(source);
    }
  }

  /** Sources remembered now. */
  get trackedSources(): number {
    return this.#sources.size;
  }
}

/**
 * The key the per-source bounds count under: an IPv4 address as is (also when it arrives
 * IPv4-mapped, `::ffff:a.b.c.d`), an IPv6 address by its first `IPV6_SOURCE_PREFIX_BITS` bits.
 * Never throws: text that is not an IPv6 literal is its own key.
 */
export function sourceKey(address: string): string {
  if (!address.includes(':')) return address;
  const bare = address.split('%', 1)[0]!.toLowerCase(); // no zone id (fe80::1%eth0)
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped) return mapped[1]!;
  const halves = bare.split('::');
  if (halves.length > 2) return bare;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4) takes two groups' room; only the leading groups matter.
  const tailGroups = tail.length + (tail.some((group) => group.includes('.')) ? 1 : 0);
  const groups = halves.length === 2 ? [...head, ...Array<string>(Math.max(0, 8 - head.length - tailGroups)).fill('0'), ...tail] : head;
  const prefixGroups = IPV6_SOURCE_PREFIX_BITS / 16;
  return `${groups
    .slice(0, prefixGroups)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/${IPV6_SOURCE_PREFIX_BITS}`;
}
