/**
 * Signaling over the virtual network's links, for the in-memory signaling pair: a frame crosses
 * the links a runner's TCP connection to the cloud would (its host's and its NATs'), so it is
 * delayed by their latency and jitter, and a frame one of them loses arrives a TCP retransmission
 * timeout later, in order, as TCP delivers it (paths.md §4: under 20 % loss the kernel start took
 * 1–2.5 s longer through TCP retransmits).
 */
import type { Clock } from '../../core/index.js';
import { type LinkConditions, type RandomSource, createSeededRandom } from '../../vnet/index.js';

/** Linux's minimum TCP retransmission timeout (TCP_RTO_MIN): the first retransmit waits this plus one RTT. */
export const TCP_RTO_MIN_MS = 200;
/** Retransmissions before the connection gives up (Linux tries far longer; a test wants an answer). */
export const TCP_MAX_RETRANSMITS = 8;

/** Anything with a link on the virtual network: a `VirtualHost` or a `VirtualNat`. */
export interface HasLink {
  readonly link: Required<LinkConditions>;
}

/** One direction of a TCP-like stream over `links`: in order, delayed, retransmitted on loss. */
export interface SignalingStream {
  /** Runs `deliver` when the frame arrives; false when the stream gave up (retransmission limit). */
  send(deliver: () => void): boolean;
}

export function signalingStream(clock: Clock, links: readonly HasLink[], random: RandomSource): SignalingStream {
  let lastAtMs = 0;
  return {
    send(deliver) {
      const now = clock.now();
      let oneWayMs = 0;
      let delayMs = 0;
      for (const { link } of links) oneWayMs += link.latencyMs + random() * link.jitterMs;
      // Each loss costs a retransmission timeout (one RTT plus the minimum, doubling per retry).
      let rtoMs = TCP_RTO_MIN_MS + 2 * oneWayMs;
      for (let retransmits = 0; links.some(({ link }) => random() < link.lossRate); retransmits++) {
        if (retransmits === TCP_MAX_RETRANSMITS) return false;
        delayMs += rtoMs;
        rtoMs *= 2;
      }
      const atMs = Math.max(lastAtMs, now + delayMs + oneWayMs);
      lastAtMs = atMs;
      clock.setTimeout(deliver, atMs - now);
      return true;
    },
  };
}

/** Both directions for one connection, each on its own random stream derived from `seed`. */
export function signalingStreams(clock: Clock, links: readonly HasLink[], seed: number): { up: SignalingStream; down: SignalingStream } {
  return {
    up: signalingStream(clock, links, createSeededRandom(seed)),
    down: signalingStream(clock, links, createSeededRandom(seed ^ 0x5bd1e995)),
  };
}
