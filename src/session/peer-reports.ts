// What the service tells about one peer: its NAT measurement counted once, and a not-found message naming its partition.
import type { SessionMetrics } from './metrics.js';
import type { MemberAddresses } from './model.js';
import type { Peer } from './peer.js';

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
