// Where members can be reached: address reports (creation and joining step 11 of
// docs/connection-process.md) and the events that hand them to the counterparts (connection
// steps 1–2). Pure, like the rest of the model.
import { EventType, type Event, type ReportAddressesRequest, type WireEndpoint } from '../protocol/index.js';
import { memberOf, replaceMember, type Change, type Delivery, type Member, type MemberAddresses, type Session } from './model.js';

/** A PEER_ADDRESSES event about `about`, carrying the pair's secret (the client's). */
function addressesEvent(about: Member, addresses: MemberAddresses, pairSecret: Uint8Array): Event {
  return {
    type: EventType.PEER_ADDRESSES,
    peerId: about.peerId,
    actor: about.actor,
    mode: about.mode,
    local: addresses.local,
    ...(addresses.reflexive ? { reflexive: addresses.reflexive } : {}),
    ...(addresses.natType ? { natType: addresses.natType } : {}),
    pairSecret,
    // Only the server hears about clients: the token reaches nobody else.
    ...(about.mode === 'client' && about.connectionToken ? { connectionToken: about.connectionToken } : {}),
  };
}

/**
 * The counterparts' addresses already known, for a member that just entered (connection
 * steps 1–2 when the other side reported first): a client gets the server's, the server
 * gets every active client's.
 */
export function knownAddressesFor(session: Session, actor: number): Delivery[] {
  const member = memberOf(session, actor);
  if (!member) return [];
  return counterparts(session, member).flatMap((other) =>
    other.addresses ? [{ actor, event: addressesEvent(other, other.addresses, pairToken(member, other)) }] : [],
  );
}

function counterparts(session: Session, member: Member): Member[] {
  return member.mode === 'server'
    ? session.members.filter((m) => m.mode === 'client' && m.active)
    : session.members.filter((m) => m.mode === 'server' && m.active);
}

function pairToken(a: Member, b: Member): Uint8Array {
  return a.mode === 'client' ? a.pairSecret : b.pairSecret;
}

/**
 * A member reported its addresses (creation and joining step 11): store them and send them to
 * its active counterparts (connection step 1 for the server's, step 2 for a client's).
 */
export function reportAddresses(session: Session, actor: number, addresses: MemberAddresses): Change {
  const member = memberOf(session, actor);
  if (!member) return { next: session, deliveries: [], events: [], result: undefined };
  const updated: Member = { ...member, addresses };
  const next = replaceMember(session, updated);
  const deliveries = counterparts(next, updated).map((other) => ({
    actor: other.actor,
    event: addressesEvent(updated, addresses, pairToken(updated, other)),
  }));
  return { next, deliveries, events: [], result: undefined };
}

/** Distinct candidates, reflexive first, at most `max` in all (the rest are dropped). */
export function boundedAddresses(
  request: Pick<ReportAddressesRequest, 'local' | 'reflexive' | 'natType' | 'natMapping' | 'natFiltering'>,
  max: number,
): MemberAddresses {
  const seen = new Set<string>();
  const keep = (endpoint: WireEndpoint): boolean => {
    const key = `${endpoint.address}|${endpoint.port}`;
    if (seen.has(key) || seen.size >= max) return false;
    seen.add(key);
    return true;
  };
  const reflexive = request.reflexive && keep(request.reflexive) ? request.reflexive : undefined;
  const local = request.local.filter(keep);
  return {
    local,
    ...(reflexive ? { reflexive } : {}),
    ...(request.natType ? { natType: request.natType } : {}),
    ...(request.natMapping ? { natMapping: request.natMapping } : {}),
    ...(request.natFiltering ? { natFiltering: request.natFiltering } : {}),
  };
}

/** Whether two reports offer the same candidates (the NAT type aside). */
export function sameCandidates(a: MemberAddresses, b: MemberAddresses): boolean {
  const key = (m: MemberAddresses): string =>
    [m.reflexive ? `${m.reflexive.address}|${m.reflexive.port}` : '', ...m.local.map((e) => `${e.address}|${e.port}`)].join(',');
  return key(a) === key(b);
}

export function sameAddresses(a: MemberAddresses, b: MemberAddresses): boolean {
  return sameCandidates(a, b) && a.natType === b.natType && a.natMapping === b.natMapping && a.natFiltering === b.natFiltering;
}
