/**
 * The session this runner is in, as `runner.session` shows it (Fusion's SessionInfo): built from
 * the create/join reply, kept current from PROPERTIES_CHANGED, PEER_JOINED and PEER_LEFT, and
 * changed by the server's `setSessionProperties`, `setSessionOpen` and `setSessionVisible`
 * (SET_PROPERTIES; the cloud tells the other members, and the server applies its own change once
 * the cloud accepted it).
 */
import { PunchthroughError } from '../core/index.js';
import {
  EventType,
  PROTOCOL_MAX_PEERS,
  PROTOCOL_MAX_PROPERTIES,
  RequestType,
  type Event,
  type JoinResult,
  type LobbySession,
  type Properties,
  type SetPropertiesRequest,
} from '../src/protocol/index.js';
import type { Emit } from './peer-driver.js';
import type { Signaling } from './signaling.js';
import type { SessionInfo } from './types.js';

type Change = Pick<SetPropertiesRequest, 'properties' | 'expected' | 'open' | 'visible' | 'forward'>;

export class SessionView {
  #info: SessionInfo | undefined;
  #actor = 0;
  /** Actors in the session, active or not: the player count. */
  readonly #members = new Set<number>();

  constructor(private readonly emit: Emit) {}

  /** A copy, so a game holding it never sees it change under it. */
  get info(): SessionInfo | undefined {
    return this.#info && { ...this.#info, properties: { ...this.#info.properties } };
  }

  joined(result: JoinResult): void {
    const { session } = result;
    this.#actor = result.actor;
    this.#members.clear();
    for (const peer of session.peers) this.#members.add(peer.actor);
    this.#info = {
      name: session.name,
      id: session.sessionId,
      properties: { ...session.properties },
      playerCount: this.#members.size,
      maxPlayers: session.maxPlayers,
      open: session.open,
      visible: session.visible,
    };
  }

  onEvent(event: Event): void {
    const info = this.#info;
    if (!info) return;
    switch (event.type) {
      case EventType.PEER_JOINED:
        // Bounded like the session itself: a cloud cannot grow this past the protocol's member cap.
        if (this.#members.size < PROTOCOL_MAX_PEERS) this.#members.add(event.peer.actor);
        info.playerCount = this.#members.size;
        return;
      case EventType.PEER_LEFT:
        this.#members.delete(event.actor);
        info.playerCount = this.#members.size;
        return;
      case EventType.PROPERTIES_CHANGED:
        this.#apply(event.actor, { properties: event.properties, open: event.open, visible: event.visible });
        return;
      default:
        return;
    }
  }

  /** Sends the server's change; applies it here once the cloud accepted it. */
  async change(signaling: Signaling | undefined, change: Change): Promise<void> {
    if (!signaling || !this.#info) throw new PunchthroughError('NOT_IN_SESSION', 'the runner is not in a session yet (startGame first)');
    const properties = change.properties;
    // Every key the server sets is lobby-visible, as the properties it created the session with.
    await signaling.request({ type: RequestType.SET_PROPERTIES, ...change, ...(properties ? { lobbyKeys: Object.keys(properties) } : {}) });
    this.#apply(this.#actor, change);
  }

  #apply(actor: number, change: Change): void {
    const info = this.#info;
    if (!info) return;
    const next = mergeProperties(info.properties, change.properties);
    if (!next) return;
    info.properties = next;
    if (change.open !== undefined) info.open = change.open;
    if (change.visible !== undefined) info.visible = change.visible;
    this.emit('sessionPropertiesChanged', { changed: { ...change.properties }, actor, session: this.info! });
  }
}

/**
 * Properties after a change (`null` deletes a key), or undefined past PROTOCOL_MAX_PROPERTIES
 * keys: a session never holds more, so a cloud that adds past it is not believed.
 */
export function mergeProperties(current: Properties, changes: Properties | undefined): Properties | undefined {
  // Spread, never assignment: a key such as "__proto__" stays a plain property.
  const next: Properties = { ...current, ...changes };
  for (const [key, value] of Object.entries(changes ?? {})) if (value === null) delete next[key];
  return Object.keys(next).length > PROTOCOL_MAX_PROPERTIES ? undefined : next;
}

/** A lobby entry as the SDK shows it: listed, so open and visible. */
export function lobbySessionInfo(entry: LobbySession): SessionInfo {
  return {
    name: entry.name,
    id: entry.sessionId ?? '',
    properties: { ...entry.properties },
    playerCount: entry.players,
    maxPlayers: entry.maxPlayers,
    open: true,
    visible: true,
  };
}
