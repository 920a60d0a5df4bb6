// Photon's ErrorInfo: the HOOK_ERROR event that tells a session's members one of its webhooks
// failed (only with the app's `webhooks.errorInfo`; only peers that announced `webhook-errors`
// receive it — the filter is the protocol's eventForPeer at send time).
import { EventType, PROTOCOL_MAX_ERROR_REASON_CHARS, PROTOCOL_MAX_HOOK_ERROR_MESSAGE_CHARS, type HookErrorEvent } from '../protocol/index.js';
import type { Delivery, Session } from '../session/model.js';

/**
 * The deliveries of a HOOK_ERROR `{ hook, message }` to every active member of `session`
 * (`hook` ≤ 64 characters, `message` ≤ 256, cut to fit). Pure: the caller publishes them
 * (`publish(session.sessionId, hookErrorFor(session, 'peer.joined', 'HTTP 503, gave up'))`) and
 * decides whether to (the app's `webhooks.errorInfo`, the session still existing).
 */
export function hookErrorFor(session: Pick<Session, 'members'>, hook: string, message: string): Delivery[] {
  const event: HookErrorEvent = {
    type: EventType.HOOK_ERROR,
    hook: hook.slice(0, PROTOCOL_MAX_ERROR_REASON_CHARS),
    message: message.slice(0, PROTOCOL_MAX_HOOK_ERROR_MESSAGE_CHARS),
  };
  return session.members.filter((member) => member.active).map((member) => ({ actor: member.actor, event }));
}

/** A dead-lettered notification, as the dispatcher reports it. */
export interface DeadLetterNote {
  appId: string;
  sessionId: string;
  type: string;
  reason: string;
}

/**
 * The dispatcher's `deadLettered` callback: with the app's `errorInfo`, HOOK_ERROR to the
 * members of the session if it still exists (spec: Photon's HasErrorInfo).
 */
export function hookErrorReporter(parts: {
  errorInfo(appId: string): boolean;
  session(sessionId: string): Promise<Pick<Session, 'members'> | undefined>;
  publish(sessionId: string, deliveries: Delivery[]): void;
}): (letter: DeadLetterNote) => Promise<void> {
  return async (letter) => {
    if (!parts.errorInfo(letter.appId)) return;
    const session = await parts.session(letter.sessionId);
    if (session) parts.publish(letter.sessionId, hookErrorFor(session, letter.type, `the backend failed: ${letter.reason}`));
  };
}
