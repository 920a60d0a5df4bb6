/** Sealing a reliable channel's packets: each a new sealed packet with a fresh counter, so retransmissions pass the peer's replay window. */
import { PeerPacketType } from '../packets.js';
import type { PairSealer } from '../sealer.js';
import type { ReliableWire } from './channel.js';

export function sealReliable(sealer: Pick<PairSealer, 'seal'>, from: number, to: number, packets: readonly ReliableWire[]): Uint8Array[] {
  return packets.map((p) =>
    p.kind === 'segment'
      ? sealer.seal({ type: PeerPacketType.RELIABLE, from, to, ...p.fields })
      : sealer.seal({ type: PeerPacketType.RELIABLE_ACK, from, to, ...p.fields }),
  );
}
