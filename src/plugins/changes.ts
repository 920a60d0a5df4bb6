// The plugin host's changes to a session, pure like the model they build on: properties set by
// the session itself, a member removed by the plugin, the session closed by it, its state stored.
import type { JsonValue } from '../../core/index.js';
import { EventType, type Event, type Properties } from '../protocol/index.js';
import { close, memberOf, remove, serverOf, setProperties, type Delivery, type Outcome, type Session } from '../session/model.js';
import type { SetPropertiesChange } from './types.js';

/**
 * The session's own change of properties (Photon's SetProperties with actor 0): every active
 * member hears it, the server too. PROPERTIES_CHANGED names the server's actor (the wire has no
 * actor 0). Fails PROPERTIES_MISMATCH when an `expected` value differs (compare-and-set).
 */
export function pluginSetProperties(session: Session, change: SetPropertiesChange, expected: Properties | undefined): Outcome<undefined> {
  const server = serverOf(session);
  const actor = server?.actor ?? 1;
  const result = setProperties(session, actor, { ...change, ...(expected ? { expected } : {}) });
  if (!result.ok || !server?.active) return result;
  const told = result.change.deliveries[0]?.event ?? propertiesEvent(result.change.next!, actor, change.properties ?? {});
  return { ok: true, change: { ...result.change, deliveries: [{ actor, event: told }, ...result.change.deliveries] } };
}

function propertiesEvent(session: Session, actor: number, properties: Properties): Event {
  return { type: EventType.PROPERTIES_CHANGED, actor, properties, lobbyKeys: [...session.lobbyKeys], open: session.open, visible: session.visible };
}

/**
 * The plugin removes `actor`: it gets KICKED (reason `plugin`, the plugin's message), the others
 * PEER_LEFT (`kicked`); removing the server closes the session with reason `plugin`.
 */
export function pluginRemove(session: Session, actor: number, message: string, now: number): Outcome<undefined> {
  const member = memberOf(session, actor);
  if (!member) return { ok: false, code: 'PLAYER_NOT_FOUND', message: `no member ${actor} in this session` };
  const told: Delivery = { actor, event: { type: EventType.KICKED, sessionId: session.sessionId, reason: 'plugin', message } };
  if (member.mode === 'server') {
    const removed = remove(session, actor, 'kicked', now);
    const closed = close({ ...session, members: session.members.filter((m) => m.actor !== actor) }, 'plugin');
    return { ok: true, change: { ...closed, deliveries: [told, ...closed.deliveries], events: [removed.events[0]!, ...closed.events] } };
  }
  const removed = remove(session, actor, 'kicked', now);
  return { ok: true, change: { ...removed, deliveries: member.active ? [told, ...removed.deliveries] : removed.deliveries } };
}

/** The plugin closes the session: everyone gets SESSION_CLOSED with reason `plugin`. */
export function pluginClose(session: Session): Outcome<undefined> {
  return { ok: true, change: close(session, 'plugin') };
}

/** Stores the plugin's state with the session (no event: peers never see it). */
export function pluginStore(session: Session, state: JsonValue): Outcome<undefined> {
  const next: Session = { ...session, pluginState: state };
  return { ok: true, change: { next, deliveries: [], events: [], result: undefined } };
}
