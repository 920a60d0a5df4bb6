/**
 * A peer's candidate endpoints as one link keeps them: the announced ones (from the cloud) and the
 * peer-reflexive ones (learned from authentic punch packets), each capped, so no address report
 * and no stream of packets can grow the set of endpoints this end sends punches to.
 */
import { endpointKey, type UdpEndpoint } from '../../core/index.js';
import { MAX_ANNOUNCED_CANDIDATES, MAX_LEARNED_CANDIDATES } from '../constants.js';

export class CandidateSet {
  readonly #announced = new Map<string, UdpEndpoint>();
  readonly #learned = new Map<string, UdpEndpoint>();
  /** Candidates refused because a cap was reached. */
  refused = 0;

  constructor(
    announced: readonly UdpEndpoint[],
    readonly maxAnnounced = MAX_ANNOUNCED_CANDIDATES,
    readonly maxLearned = MAX_LEARNED_CANDIDATES,
  ) {
    this.announce(announced);
  }

  /** Adds newly announced endpoints while there is room; the first ones announced are kept. */
  announce(endpoints: readonly UdpEndpoint[]): void {
    for (const endpoint of endpoints) {
      const key = endpointKey(endpoint);
      if (this.#announced.has(key) || this.#learned.has(key)) continue;
      if (this.#announced.size >= this.maxAnnounced) this.refused++;
      else this.#announced.set(key, endpoint);
    }
  }

  /** Adds a peer-reflexive endpoint; true when it is new and was kept. */
  learn(endpoint: UdpEndpoint): boolean {
    const key = endpointKey(endpoint);
    if (this.has(endpoint)) return false;
    if (this.#learned.size >= this.maxLearned) {
      this.refused++;
      return false;
    }
    this.#learned.set(key, endpoint);
    return true;
  }

  has(endpoint: UdpEndpoint): boolean {
    const key = endpointKey(endpoint);
    return this.#announced.has(key) || this.#learned.has(key);
  }

  /** Announced first, then learned, each in the order they came. */
  all(): UdpEndpoint[] {
    return [...this.#announced.values(), ...this.#learned.values()];
  }
}
