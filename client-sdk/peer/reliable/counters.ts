/** What a runner's reliable channels counted (`runner.reliableStats`): traffic, repairs and what hostile or broken input they dropped. */

export interface ReliableCounters {
  /** Messages accepted by `send(…, { reliable: true })`. */
  messagesSent: number;
  /** Messages delivered in order to the game. */
  messagesDelivered: number;
  /** Sends refused because the link's send buffer was full (`send` returned false). */
  sendsRefused: number;
  /** Segments sent again: after a timeout, a hole the acknowledgements showed, or a path change. */
  retransmissions: number;
  /** Segments that arrived again (already delivered or buffered): acknowledged, not delivered twice. */
  duplicates: number;
  /** Segments beyond the receive window: dropped. */
  outOfWindow: number;
  /** Fragments that do not fit a message (count out of range, numbering that skips or repeats, a message over the maximum): the message is dropped. */
  badFragments: number;
  /** Acknowledgements of segments never sent: ignored. */
  badAcks: number;
}

export function reliableCounters(): ReliableCounters {
  return { messagesSent: 0, messagesDelivered: 0, sendsRefused: 0, retransmissions: 0, duplicates: 0, outOfWindow: 0, badFragments: 0, badAcks: 0 };
}
