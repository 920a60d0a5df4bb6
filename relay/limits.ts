/**
 * Per-peer token buckets, the error gate and the bind-work budget: pure functions of state and
 * `now`, so the server's limits are unit-tested on a manual clock. Every bucket is core's.
 */
import { canTake, fullBucket, tokensAt, type BucketRate, type TokenBucket } from '../core/index.js';
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

/** The rates of a peer's two buckets, made once from the limits (never per packet). */
export interface PeerRates {
  readonly packets: BucketRate;
  readonly bytes: BucketRate;
}

export function peerRates(limits: RateLimits): PeerRates {
  return {
    packets: { perSecond: limits.packetsPerSecond, burst: limits.burstPackets },
    bytes: { perSecond: limits.bytesPerSecond, burst: limits.burstBytes },
  };
}

/** A peer's two buckets: a binding holds them and the data path mutates them in place (no per-packet allocation). */
export interface PeerBuckets {
  readonly packetBucket: TokenBucket;
  readonly byteBucket: TokenBucket;
}

/** Full buckets: a new peer may burst at once. */
export function fullPeerBuckets(rates: PeerRates, now: number): PeerBuckets {
  return { packetBucket: fullBucket(rates.packets, now), byteBucket: fullBucket(rates.bytes, now) };
}

/**
 * Takes one packet and `bytes` bytes if both buckets hold enough. Returns false (and takes
 * nothing) when either lacks: a refused packet costs the peer nothing.
 */
export function takePacket(buckets: PeerBuckets, rates: PeerRates, now: number, bytes: number): boolean {
  if (!canTake(buckets.packetBucket, rates.packets, now) || !canTake(buckets.byteBucket, rates.bytes, now, bytes)) return false;
  buckets.packetBucket.tokens -= 1;
  buckets.byteBucket.tokens -= bytes;
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
  readonly #sources = new Map<string, TokenBucket>();
  readonly #global: TokenBucket;

  constructor(
    private readonly perSource: BucketRate,
    private readonly total: BucketRate,
    private readonly maxSources: number,
    now: number,
  ) {
    this.#global = fullBucket(total, now);
  }

  /** Takes one token from `source`'s bucket and the global one; false (taking none) if either is empty. */
  spend(source: string, now: number): boolean {
    let own = this.#sources.get(source);
    if (own === undefined && this.#sources.size < this.maxSources) {
      own = fullBucket(this.perSource, now);
      this.#sources.set(source, own);
    }
    if ((own !== undefined && !canTake(own, this.perSource, now)) || !canTake(this.#global, this.total, now)) return false;
    if (own !== undefined) own.tokens -= 1;
    this.#global.tokens -= 1;
    return true;
  }

  /** Gives back the token of a bind that proved its ticket. */
  refund(source: string): void {
    const own = this.#sources.get(source);
    if (own) own.tokens = Math.min(this.perSource.burst, own.tokens + 1);
    this.#global.tokens = Math.min(this.total.burst, this.#global.tokens + 1);
  }

  /** Forgets sources whose bucket has refilled: a forgotten source starts full, the same state. */
  sweep(now: number): void {
    for (const [source, bucket] of this.#sources) {
      if (tokensAt(bucket, this.perSource, now) >= this.perSource.burst) this.#sources.delete(source);
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
