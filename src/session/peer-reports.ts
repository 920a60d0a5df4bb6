// What one peer reports, and what the service says about it: its addresses (creation and joining
// step 11), its NAT measurement counted once, a not-found message naming its partition.
import type { Clock } from '../../core/index.js';
import type { ReportAddressesRequest } from '../protocol/index.js';
import type { PluginRuntime } from '../plugins/runtime.js';
import { boundedAddresses, reportAddresses, sameAddresses, sameCandidates } from './addresses.js';
import { memberOf, type Outcome, type Session } from './model.js';
import type { ResolvedOptions } from './options.js';
import { refuse } from './request-error.js';
import type { SessionStore } from './store.js';
import type { SessionMetrics } from './metrics.js';
import type { MemberAddresses } from './model.js';
import type { Membership, Peer } from './peer.js';

/** A peer's first NAT measurement, by name and axes (bounded: every label is a protocol enum). */
export function countNat(metrics: Pick<SessionMetrics, 'natDiscovered'>, peer: Peer, addresses: MemberAddresses): void {
  if (peer.natCounted || !addresses.natMapping || !addresses.natFiltering) return;
  peer.natCounted = true;
  metrics.natDiscovered.inc({ nat_type: addresses.natType ?? 'unknown', mapping: addresses.natMapping, filtering: addresses.natFiltering });
}

/**
 * SESSION_NOT_FOUND's message names the partition searched: a session created under another
 * app id or version is invisible, the likeliest cause when the name is right.
 */
export function notFoundMessage(name: string | undefined, peer: Pick<Peer, 'hello'>): string {
  const hello = peer.hello;
  const what = name === undefined ? 'no such session' : `no session ${JSON.stringify(name)}`;
  const where = hello ? ` for app id ${JSON.stringify(hello.appId)} version ${JSON.stringify(hello.appVersion)}` : '';
  return `${what}${where} (sessions are partitioned by app id and version)`;
}

export interface AddressReportParts {
  settings: Pick<ResolvedOptions, 'maxCandidates' | 'minReportIntervalMs'>;
  clock: Clock;
  store: SessionStore;
  metrics: Pick<SessionMetrics, 'natTypes' | 'natDiscovered'>;
  plugins: Pick<PluginRuntime, 'addresses'>;
  update<R>(sessionId: string, attempt: (s: Session) => Outcome<R>): Promise<Outcome<R> | undefined>;
}

/** REPORT_ADDRESSES: `reply` goes before the change is applied (a repeat or a refusal sends nothing else). */
export async function reportPeerAddresses(parts: AddressReportParts, membership: Membership, peer: Peer, request: ReportAddressesRequest, reply: () => void): Promise<void> {
  const { settings, metrics } = parts;
  const addresses = boundedAddresses(request, settings.maxCandidates);
  const now = parts.clock.now();
  // A moment-old copy is enough: only this peer changes its addresses, and the write re-validates.
  const stored = await (parts.store.getRecent ?? parts.store.get).call(parts.store, membership.sessionId);
  const current = stored && memberOf(stored.session, membership.actor)?.addresses;
  // A repeat changes nothing: no new events, so no new pings at the counterparts.
  if (current && sameAddresses(current, addresses)) return reply();
  // Discovery ends after the start and reports the NAT once more with the same candidates: that
  // one report passes the rate limit (the counterparts' links learn the type from it).
  const natReport = current !== undefined && sameCandidates(current, addresses) && !peer.natReported;
  if (natReport) peer.natReported = true;
  else if (peer.reportedAt !== undefined && now - peer.reportedAt < settings.minReportIntervalMs) {
    refuse('RATE_LIMITED', `addresses may change at most once every ${settings.minReportIntervalMs} ms`);
  } else peer.reportedAt = now;
  metrics.natTypes.inc({ nat_type: request.natType ?? 'unreported' });
  countNat(metrics, peer, addresses);
  // The reply is held until the commit: if it fails the reply is withdrawn, so the peer gets the
  // error alone (any store can fail); with a remote store the commit's events, a round trip
  // later, then leave in the same write.
  const resume = peer.hold?.();
  reply();
  try {
    // Creation and joining step 11, then connection steps 1–2 inside reportAddresses.
    await parts.update(membership.sessionId, (s) => ({ ok: true, change: reportAddresses(s, membership.actor, addresses) }));
  } catch (error) {
    resume?.(true);
    throw error;
  }
  resume?.();
  parts.plugins.addresses(membership.sessionId, membership.actor, addresses);
}
