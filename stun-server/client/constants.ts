// Defaults of the STUN client the SDK uses: retransmission timing and NAT discovery probes.

/**
 * Initial STUN retransmission timeout for the start's Binding request: a game start should not
 * wait RFC 8489's 500 ms when the bundled STUN server is one round trip away.
 */
export const DEFAULT_STUN_RTO_MS = 100;

/** Binding requests per STUN server before the next server (or no reflexive address). */
export const DEFAULT_STUN_RETRANSMISSIONS = 4;

/**
 * After the last Binding request, wait this many initial RTOs for its answer (RFC 8489's Rm,
 * which suggests 16). With the defaults above, requests go out at 0, 100, 300, 700 and 1500 ms
 * and the client gives up at 1500 + 8 × 100 = 2300 ms: five sends ride out four lost datagrams,
 * and a start whose STUN server is unreachable fails well inside the 5 s connect window.
 */
export const DEFAULT_STUN_LAST_WAIT_RTOS = 8;

/**
 * Retransmissions per NAT behaviour discovery probe (RFC 5780). Filtering probes that the NAT
 * blocks are expected to go unanswered and cost their full timeout, so fewer retransmits keep
 * discovery to a few seconds.
 */
export const DEFAULT_NAT_DISCOVERY_RETRANSMISSIONS = 2;
