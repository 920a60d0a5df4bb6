// What a stored session change tells the game's backend: the domain events every commit carries,
// turned into notifications (docs/webhooks.md, "Events"). Pure: the dispatcher numbers, renders
// and queues what this returns.
import type { ConnectPath, SessionCloseReason } from '../protocol/index.js';
import type { SessionEvent } from '../session/domain-events.js';
import { memberOf, type Change, type Member, type Session } from '../session/model.js';
import type { NotificationType } from './constants.js';

/** Why a member left, as docs/webhooks.md names it (Photon's leave Type in {@link PHOTON_LEAVE}). */
export type WebhookLeaveReason = 'left' | 'clientDisconnect' | 'playerTtlTimedOut' | 'kicked' | 'connectRefused' | 'pluginRequest';

/** Photon's PathLeave `Type` and `Reason` number for each reason. */
export const PHOTON_LEAVE: Readonly<Record<WebhookLeaveReason, { type: string; reason: number }>> = {
  left: { type: 'LeaveRequest', reason: 101 },
  clientDisconnect: { type: 'ClientDisconnect', reason: 0 },
  playerTtlTimedOut: { type: 'PlayerTtlTimedOut', reason: 102 },
  kicked: { type: 'PluginRequest', reason: 104 },
  connectRefused: { type: 'PluginRequest', reason: 104 },
  pluginRequest: { type: 'PluginRequest', reason: 104 },
};

export type NotificationData =
  | { kind: 'created' }
  | { kind: 'joined'; rejoined: boolean }
  | { kind: 'connected'; path: ConnectPath; ms: number }
  | { kind: 'properties'; properties: Readonly<Record<string, unknown>>; open: boolean; visible: boolean }
  | { kind: 'left'; reason: WebhookLeaveReason; isInactive: boolean }
  | { kind: 'closed'; reason: SessionCloseReason; actorCount: number };

/** One notification before it is numbered: the session as it was then, the member it is about. */
export interface Notification {
  readonly type: NotificationType;
  readonly session: Session;
  readonly member?: Member;
  readonly data: NotificationData;
}

/** Which property changes are told: those the server flagged `forward` (Photon's HttpForward), or all. */
export interface NotifyFlags {
  readonly propertiesForward: 'flagged' | 'always';
}

/**
 * The notifications of one stored change, in commit order. `before` is the session before the
 * change (undefined for a create). The creator's own entry is not a `peer.joined` (as Photon:
 * PathCreate stands for it). A drop with a player TTL is a `peer.left` with `isInactive` (as
 * Photon's ClientDisconnect with IsInactive); the TTL's end is another one (PlayerTtlTimedOut).
 */
export function notificationsOf(before: Session | undefined, change: Pick<Change<unknown>, 'next' | 'events'>, flags: NotifyFlags): Notification[] {
  const out: Notification[] = [];
  const creating = change.events.some((event) => event.type === 'sessionCreated');
  const latest = change.next ?? before;
  if (!latest) return out;
  const find = (actor: number): Member | undefined => (change.next && memberOf(change.next, actor)) ?? (before && memberOf(before, actor));
  const leftHere = new Set<number>();
  for (const event of change.events) {
    const note = one(event);
    if (note) out.push(note);
  }
  return out;

  function one(event: SessionEvent): Notification | undefined {
    switch (event.type) {
      case 'sessionCreated':
        return { type: 'session.created', session: latest!, ...withMember(find(1)), data: { kind: 'created' } };
      case 'memberJoined':
        if (creating) return undefined;
        return { type: 'peer.joined', session: latest!, ...withMember(find(event.actor)), data: { kind: 'joined', rejoined: event.rejoined } };
      case 'memberInactive':
        return { type: 'peer.left', session: latest!, ...withMember(find(event.actor)), data: { kind: 'left', reason: 'clientDisconnect', isInactive: true } };
      case 'memberLeft': {
        leftHere.add(event.actor);
        const was = before && memberOf(before, event.actor);
        const member = was ?? find(event.actor);
        return { type: 'peer.left', session: latest!, ...withMember(member), data: { kind: 'left', reason: leaveReason(event.reason, was), isInactive: false } };
      }
      case 'propertiesChanged':
        if (flags.propertiesForward !== 'always' && event.forward !== true) return undefined;
        return {
          type: 'session.propertiesChanged',
          session: latest!,
          ...withMember(find(event.actor)),
          data: { kind: 'properties', properties: { ...event.properties }, open: event.open, visible: event.visible },
        };
      case 'sessionClosed': {
        // Photon's ActorCount on close: the actors still listed, i.e. inactive ones (their slots kept).
        const actorCount = (before?.members ?? []).filter((member) => !member.active && !leftHere.has(member.actor)).length;
        return { type: 'session.closed', session: before ?? latest!, data: { kind: 'closed', reason: event.reason, actorCount } };
      }
    }
  }
}

const withMember = (member: Member | undefined): { member?: Member } => (member ? { member } : {});

/**
 * The model says `timeout` for both a drop with no player TTL and a TTL that ran out: an inactive
 * member before the change is the TTL's end. A server's kick and a plugin's removal are both
 * `kicked` in the model; the plugin runtime tells them apart only in-process (docs/webhooks.md).
 */
function leaveReason(reason: Extract<SessionEvent, { type: 'memberLeft' }>['reason'], was: Member | undefined): WebhookLeaveReason {
  switch (reason) {
    case 'left':
      return 'left';
    case 'timeout':
      return was && !was.active ? 'playerTtlTimedOut' : 'clientDisconnect';
    case 'kicked':
      return 'kicked';
    case 'connectRefused':
      return 'connectRefused';
  }
}
