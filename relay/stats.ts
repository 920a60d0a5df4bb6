// The relay's counters: what it did, and why it dropped each datagram it did not forward.

/** Why the relay dropped a datagram. */
export interface RelayDropCounters {
  /** Longer than `maxDatagramBytes`. */
  tooLarge: number;
  /** Not a relay frame of a known type, or a wrong length. */
  malformed: number;
  /** First byte is not this protocol version. */
  version: number;
  /** A send, keepalive or unbind from an address with no binding. */
  notBound: number;
  /** An unbind without its binding's token (a forged source, or a stale token): ignored. */
  unbindRefused: number;
  /** A send to an actor not bound in the sender's session. */
  peerNotBound: number;
  /** Over the sender's packet or byte rate. */
  rateLimited: number;
  /** A bind with a malformed ticket body, or a proof that does not verify (forged or stolen ticket). */
  ticketInvalid: number;
  /** A bind with an expired ticket. */
  ticketExpired: number;
  /** A bind with a ticket of a revoked session or actor. */
  ticketRevoked: number;
  /** A bind whose source IP (or the relay as a whole) has spent its bind-work budget: dropped before any HMAC. */
  bindLimited: number;
  /** A bind echoing a cookie that is stale or not this source's (answered with a fresh challenge). */
  cookieInvalid: number;
  /** A bind refused because `maxBindings` is reached. */
  relayFull: number;
  /** A bind refused because its session holds `maxBindingsPerSession`. */
  sessionFull: number;
  /** A bind refused because its source IP holds `maxBindingsPerAddress` (answered RELAY_FULL). */
  addressFull: number;
  /** A frame only the relay sends (bound, deliver, keepalive-ack, error, challenge): never answered. */
  unexpected: number;
}

export interface RelayStats {
  /** Bindings now. */
  bindings: number;
  /** Sessions with at least one binding now. */
  sessions: number;
  /** Binds that created a binding. */
  binds: number;
  /** Binds that moved a binding to a new address. */
  rebinds: number;
  /** Bindings ended by an unbind frame. */
  unbinds: number;
  /** Bindings dropped for idleness. */
  expired: number;
  /** Bindings dropped by `revoke()`. */
  revoked: number;
  /** Challenges (cookies) sent in answer to binds. */
  challenges: number;
  /** HMACs computed for binds: cookies minted and checked, ticket proofs. */
  bindHmacs: number;
  /** Revocations remembered now. */
  revocations: number;
  /** Revocations forgotten before their tickets expired, because `maxRevocations` was reached. */
  revocationsEvicted: number;
  /** Source IPs with a bind-work bucket now. */
  trackedSources: number;
  /** Datagrams forwarded between peers. */
  packetsRelayed: number;
  /** Bytes of those datagrams (whole frames). */
  bytesRelayed: number;
  /** Keepalives answered. */
  keepalives: number;
  /** Error frames sent. */
  errorsSent: number;
  dropped: RelayDropCounters;
}

/** The running counters (everything in `RelayStats` that is not read from the table or the admission state). */
export type RelayCounters = Pick<
  RelayStats,
  | 'binds'
  | 'rebinds'
  | 'unbinds'
  | 'expired'
  | 'revoked'
  | 'challenges'
  | 'bindHmacs'
  | 'packetsRelayed'
  | 'bytesRelayed'
  | 'keepalives'
  | 'errorsSent'
>;

export function createRelayCounters(): RelayCounters {
  return {
    binds: 0,
    rebinds: 0,
    unbinds: 0,
    expired: 0,
    revoked: 0,
    challenges: 0,
    bindHmacs: 0,
    packetsRelayed: 0,
    bytesRelayed: 0,
    keepalives: 0,
    errorsSent: 0,
  };
}

export function createDropCounters(): RelayDropCounters {
  return {
    tooLarge: 0,
    malformed: 0,
    version: 0,
    notBound: 0,
    unbindRefused: 0,
    peerNotBound: 0,
    rateLimited: 0,
    ticketInvalid: 0,
    ticketExpired: 0,
    ticketRevoked: 0,
    bindLimited: 0,
    cookieInvalid: 0,
    relayFull: 0,
    sessionFull: 0,
    addressFull: 0,
    unexpected: 0,
  };
}
