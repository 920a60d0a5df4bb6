// The per-origin circuit breaker as a pure state machine on the clock: closed (counting
// consecutive failures), open (failing fast until a time), probing (one call let through).

export type BreakerState =
  | { readonly kind: 'closed'; readonly failures: number }
  | { readonly kind: 'open'; readonly untilMs: number }
  | { readonly kind: 'probing' };

export interface BreakerConfig {
  /** Consecutive failures that open the breaker. */
  readonly failures: number;
  /** How long it stays open before one probe, ms. */
  readonly openMs: number;
}

export const CLOSED: BreakerState = { kind: 'closed', failures: 0 };

/** What to do with a call now: send it (`probe` when it is the one test call), or fail it fast. */
export type BreakerDecision = 'send' | 'probe' | 'reject';

/** Whether a call may go now, and the state after the decision. */
export function admitCall(state: BreakerState, nowMs: number): { decision: BreakerDecision; state: BreakerState } {
  switch (state.kind) {
    case 'closed':
      return { decision: 'send', state };
    case 'open':
      return nowMs >= state.untilMs ? { decision: 'probe', state: { kind: 'probing' } } : { decision: 'reject', state };
    case 'probing':
      return { decision: 'reject', state };
  }
}

/** How a call ended, for the breaker: `neutral` is neither (blocked, aborted, too large, 4xx…). */
export type CallVerdict = 'success' | 'failure' | 'neutral';

/**
 * The state after a call ended. A failed probe reopens for another `openMs`; a neutral probe
 * leaves the breaker open but due, so the next call probes again.
 */
export function recordCall(state: BreakerState, verdict: CallVerdict, probe: boolean, nowMs: number, config: BreakerConfig): BreakerState {
  if (probe) {
    if (verdict === 'success') return CLOSED;
    return { kind: 'open', untilMs: verdict === 'failure' ? nowMs + config.openMs : nowMs };
  }
  // A call sent before the breaker opened can end while it is open or probing: it changes nothing.
  if (state.kind !== 'closed') return state;
  if (verdict === 'success') return CLOSED;
  if (verdict === 'neutral') return state;
  const failures = state.failures + 1;
  return failures >= config.failures ? { kind: 'open', untilMs: nowMs + config.openMs } : { kind: 'closed', failures };
}

/** Whether the breaker fails calls (open or waiting on its probe). */
export const isOpen = (state: BreakerState): boolean => state.kind !== 'closed';
