/**
 * When the background probe rounds of a relayed pair fall due (docs/connection-process.md,
 * "After the connection"), and the one small function that turns a probe into bytes, so a
 * sender with another packet shape (low-TTL priming) can stand in for it.
 */
import { PROBE_ROUND_GAPS_MS } from '../constants.js';
import { PeerPacketType } from './packets.js';
import type { PairSealer } from './sealer.js';

/**
 * Round `sent` (0-based) of the probing that started at `since` is due at `since` plus the sum
 * of the first `sent + 1` gaps; past the table, every last gap (over the 30 s conntrack
 * unreplied timeout, so a stolen entry expires between rounds).
 */
export function nextProbeRoundAt(since: number, sent: number, gaps: readonly number[] = PROBE_ROUND_GAPS_MS): number {
  let at = since;
  for (let round = 0; round <= sent; round++) at += gaps[Math.min(round, gaps.length - 1)]!;
  return at;
}

/** A probe: a session-sealed keepalive request whose `seq` the reply echoes. */
export function sealProbe(sealer: PairSealer, self: number, peer: number, seq: number): Uint8Array {
  return sealer.seal({ type: PeerPacketType.KEEPALIVE, from: self, to: peer, seq, reply: false });
}
