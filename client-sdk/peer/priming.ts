/**
 * Low-TTL priming of new candidates (docs/connection-process.md, the attempt schedule): the first
 * packet towards an endpoint goes out with a small IP TTL, so it opens this end's own NAT and
 * expires before the peer's; full-TTL packets to it start a lead time later. A peer's early
 * packet then finds our mapping already made, instead of creating state that steals its port on
 * a router that keeps unsolicited inbound (Linux conntrack without an INPUT drop).
 */
import { endpointKey, type UdpEndpoint } from '../../core/index.js';
import type { LinkOutput } from './link-core.js';
import type { PrimingConfig } from './schedule.js';

/** Which of a link's candidates were primed, and when. Pure state; the role decides the sends. */
export class PrimeTracker {
  readonly #primedAt = new Map<string, number>();

  constructor(readonly config: PrimingConfig | undefined) {}

  /**
   * What to send `endpoint` in a burst due at `at`: a `prime` (never primed: it is marked primed
   * at `at`), `full` (priming off, or the lead since its prime has passed), or `wait`.
   */
  decide(endpoint: UdpEndpoint, at: number): 'prime' | 'full' | 'wait' {
    if (!this.config) return 'full';
    const key = endpointKey(endpoint);
    const primedAt = this.#primedAt.get(key);
    if (primedAt === undefined) {
      this.#primedAt.set(key, at);
      return 'prime';
    }
    return at >= primedAt + this.config.leadMs ? 'full' : 'wait';
  }

  /** An endpoint we heard an authentic packet from needs no prime: its packets already pass our NAT. */
  heard(endpoint: UdpEndpoint): void {
    this.#primedAt.set(endpointKey(endpoint), -Infinity);
  }
}

/**
 * Splits a poll's outputs when they mix primes with full-TTL sends: the primes go on the next
 * poll, everything else now. node:dgram sets the TTL per socket and sends on the next tick, and
 * a prime restores the default only from its completion callback (core/udp.ts), so a full-TTL
 * send made after a prime in the same turn of the event loop could leave with the low TTL; one
 * made in an earlier turn has already left.
 */
export function separatePrimes(out: LinkOutput[]): { now: LinkOutput[]; later: LinkOutput[] } {
  const isPrime = (o: LinkOutput): boolean => o.type === 'send' && o.ttl !== undefined;
  if (!out.some(isPrime) || !out.some((o) => o.type === 'send' && o.ttl === undefined)) return { now: out, later: [] };
  return { now: out.filter((o) => !isPrime(o)), later: out.filter(isPrime) };
}
