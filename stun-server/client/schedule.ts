/**
 * RFC 8489 §6.2.1 retransmission, as a pure function: the request goes out at t = 0 and is
 * retransmitted with a doubling interval (RTO, 2·RTO, 4·RTO, ...); after the last
 * retransmission the client waits `lastWaitRtos` × RTO before giving up.
 */
export interface RetransmitSchedule {
  /** Milliseconds after the start at which each request (first + retransmits) is sent. */
  sendAtMs: number[];
  /** Milliseconds after the start at which the transaction times out. */
  timeoutAtMs: number;
}

export function retransmitSchedule(initialRtoMs: number, maxRetransmits: number, lastWaitRtos: number): RetransmitSchedule {
  const sendAtMs = [0];
  let interval = initialRtoMs;
  for (let i = 0; i < maxRetransmits; i++) {
    sendAtMs.push(sendAtMs[sendAtMs.length - 1]! + interval);
    interval *= 2;
  }
  return { sendAtMs, timeoutAtMs: sendAtMs[sendAtMs.length - 1]! + lastWaitRtos * initialRtoMs };
}
