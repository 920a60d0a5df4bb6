/** Sealing a reliable channel's packets: each a new sealed packet with a fresh counter, so retransmissions pass the peer's replay window. */
import { PeerPacketType } from '../packets.js';
import type { PairSealer } from '../sealer.js';
import type { ReliableWire } from './channel.js';

// Fields are copied one by one: object spread here cost several microseconds a packet (V8 20).
export function sealReliable(sealer: Pick<PairSealer, 'seal'>, from: number, to: number, packets: readonly ReliableWire[]): Uint8Array[] {
  return packets.map((p) => {
    if (p.kind === 'ack') return sealer.seal({ type: PeerPacketType.RELIABLE_ACK, from, to, ack: p.fields.ack, ackBits: p.fields.ackBits });
    const { ack, ackBits, seq, fragment, fragments, payload } = p.fields;
    return sealer.seal({ type: PeerPacketType.RELIABLE, from, to, ack, ackBits, seq, fragment, fragments, payload });
  });
}
