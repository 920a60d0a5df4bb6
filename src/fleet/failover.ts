// Which relays' sessions must move and why: a pure function of the relay table and `now`.
import type { RelayChangeReason } from '../protocol/index.js';
import { isFresh } from './choose.js';
import type { FleetRelay } from './relay-entry.js';

/** Relays whose sessions move: stale ones (dead) to fail over, fresh draining ones to drain. */
export function relaysToLeave(relays: readonly FleetRelay[], now: number, staleAfterMs?: number): Array<{ relay: FleetRelay; reason: RelayChangeReason }> {
  const out: Array<{ relay: FleetRelay; reason: RelayChangeReason }> = [];
  for (const relay of relays) {
    if (!isFresh(relay, now, staleAfterMs)) out.push({ relay, reason: 'failover' });
    else if (relay.state === 'draining') out.push({ relay, reason: 'drain' });
  }
  return out;
}
