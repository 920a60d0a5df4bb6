/**
 * The retransmission timeout of a reliable channel: RFC 6298's SRTT/RTTVAR estimator (alpha
 * 1/8, beta 1/4, K = 4) with a floor, a ceiling and exponential backoff, plus the receiver's
 * ack delay as RFC 9002 §6.2.1 adds max_ack_delay to its probe timeout. Samples follow Karn's
 * rule (the sender takes none from a retransmitted segment).
 */

export interface RtoLimits {
  minMs: number;
  maxMs: number;
  /** Before any RTT is known. */
  initialMs: number;
  /** The peer may hold an acknowledgement back this long. */
  ackDelayMs: number;
}

export class RtoEstimator {
  #srtt: number | undefined;
  #rttvar = 0;
  #backoff = 1;

  constructor(
    readonly limits: RtoLimits,
    rttMs?: number,
  ) {
    this.reset(rttMs);
  }

  get srttMs(): number | undefined {
    return this.#srtt;
  }

  /** Starts over from `rttMs` (the link's estimate of a new path), or from nothing. */
  reset(rttMs?: number): void {
    this.#backoff = 1;
    this.#srtt = undefined;
    this.#rttvar = 0;
    if (rttMs !== undefined && Number.isFinite(rttMs) && rttMs >= 0) this.sample(rttMs);
  }

  /** An RTT measurement, ms (RFC 6298 §2.2 for the first, §2.3 after). */
  sample(rttMs: number): void {
    if (this.#srtt === undefined) {
      this.#srtt = rttMs;
      this.#rttvar = rttMs / 2;
      return;
    }
    this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - rttMs);
    this.#srtt = 0.875 * this.#srtt + 0.125 * rttMs;
  }

  /** The timeout now, ms, backoff included. */
  get rtoMs(): number {
    const { minMs, maxMs, initialMs, ackDelayMs } = this.limits;
    const base = this.#srtt === undefined ? initialMs : this.#srtt + 4 * this.#rttvar + ackDelayMs;
    return Math.min(maxMs, Math.max(minMs, base) * this.#backoff);
  }

  /** A timeout fired (RFC 6298 §5.5): double, up to the ceiling. */
  backOff(): void {
    if (this.rtoMs < this.limits.maxMs) this.#backoff *= 2;
  }

  /** New data was acknowledged: the path works, the backoff ends. */
  acknowledged(): void {
    this.#backoff = 1;
  }
}
