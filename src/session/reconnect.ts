/**
 * The reconnect grace and session restore, pure like the rest of the model: a member whose
 * socket drops is held detached (still active to the others) for the grace; a rejoin within it
 * resumes the member unseen; a host re-establishes its session on a cloud that lost it
 * (RESTORE), its clients held as detached members until they rejoin. Why: docs/protocols.md,
 * "Cloud loss and rejoin".
 */
import { drop } from './expiry.js';
import {
  fail,
  fact,
  joinedEvent,
  memberOf,
  newSession,
  replaceMember,
  settle,
  tokensEqual,
  unchanged,
  type Change,
  type Member,
  type NewMember,
  type Outcome,
  type Session,
  type SessionSettings,
} from './model.js';

/**
 * The socket of `actor`'s connection number `connection` is gone. Within a grace the member is
 * held detached, nobody told; without one (0) it drops at once (inactive for the player TTL, or
 * removed). A socket the member already replaced (a rejoin took over) changes nothing.
 */
export function disconnect(session: Session, actor: number, connection: number, now: number, graceMs: number): Change {
  const member = memberOf(session, actor);
  if (!member?.active || (member.connection ?? 0) !== connection) return unchanged(session);
  if (graceMs <= 0) return drop(session, actor, now);
  if (member.detachedUntil !== undefined) return unchanged(session);
  return { next: replaceMember(session, { ...member, detachedUntil: now + graceMs }), deliveries: [], events: [], result: undefined };
}

/** What a rejoin presents: its rejoin token and, a client of a restored session, its restore proof. */
export interface RejoinProof {
  rejoinToken: string;
  /** SHA-256 (base64url) of the restore token the request carried. */
  restoreProof?: string;
}

/**
 * A rejoin of a member that is still active: detached within its grace, or whose old socket the
 * cloud has not noticed dead yet (the new connection takes over). Same actor, peer id, pair
 * secret and addresses; nobody is told. Undefined when the member is not active (the ordinary
 * rejoin of an inactive member applies then).
 */
export function resume(session: Session, actor: number, proof: RejoinProof, now: number): Outcome<Member> | undefined {
  const member = memberOf(session, actor);
  if (!member?.active) return undefined;
  const byToken = tokensEqual(member.rejoinToken, proof.rejoinToken);
  const byRestore = member.restoreProof !== undefined && proof.restoreProof !== undefined && tokensEqual(member.restoreProof, proof.restoreProof);
  if (!byToken && !byRestore) return fail('REJOIN_NOT_FOUND', `no actor ${actor} with that token in this session`);
  const back: Member = { ...member, detachedUntil: undefined, restoreProof: undefined, connection: (member.connection ?? 0) + 1 };
  const next = settle(replaceMember(session, back), now);
  return { ok: true, change: { next, deliveries: [], events: [], result: back } };
}

/** A client the host lists in a restore: held for it under its old actor and peer id. */
export interface ReservedClient {
  actor: number;
  peerId: string;
  /** SHA-256 (base64url) of the client's restore token. */
  restoreProof: string;
  /** Fresh from this cloud (the old ones died with the old cloud). */
  rejoinToken: string;
  pairSecret: Uint8Array;
}

/**
 * A session re-established by its host on a cloud that lost it: the host enters as actor 1 (its
 * old peer id in `host`), each listed client is held detached for `graceMs` (then the usual drop:
 * inactive for the player TTL, or removed). Refused when the clients do not fit `maxPlayers` or
 * their actors are not distinct numbers above 1.
 */
export function restore(
  sessionId: string,
  appKey: string,
  name: string,
  settings: SessionSettings,
  host: NewMember,
  clients: readonly ReservedClient[],
  now: number,
  graceMs: number,
): Outcome<Member> {
  if (clients.length + 1 > settings.maxPlayers) {
    return fail('SESSION_FULL', `${clients.length} clients and the host exceed maxPlayers ${settings.maxPlayers}`);
  }
  const actors = new Set(clients.map((c) => c.actor));
  const peerIds = new Set([host.peerId, ...clients.map((c) => c.peerId)]);
  if (actors.size !== clients.length || actors.has(1) || peerIds.size !== clients.length + 1) {
    return fail('INVALID_REQUEST', 'restored clients need distinct actors above 1 and distinct peer ids');
  }
  const base = newSession(sessionId, appKey, name, settings, now);
  const { userId, ...identity } = host;
  const server: Member = { actor: 1, active: true, ...identity, ...(userId === undefined ? {} : { userId }) };
  const reserved = [...clients]
    .sort((a, b) => a.actor - b.actor)
    .map((c): Member => ({
      actor: c.actor,
      peerId: c.peerId,
      mode: 'client',
      active: true,
      rejoinToken: c.rejoinToken,
      pairSecret: c.pairSecret,
      restoreProof: c.restoreProof,
      detachedUntil: now + graceMs,
    }));
  const nextActor = Math.max(1, ...clients.map((c) => c.actor)) + 1;
  const session = settle({ ...base, members: [server, ...reserved], nextActor }, now);
  const created = { type: 'sessionCreated', ...fact(session), name } as const;
  const change: Change<Member> = { next: session, deliveries: [], events: [created, joinedEvent(session, server, true)], result: server };
  return { ok: true, change };
}
