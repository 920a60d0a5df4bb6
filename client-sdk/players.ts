/**
 * The players of the runner's session (Fusion's ActivePlayers, OnPlayerJoined, OnPlayerLeft):
 * the roster from the join reply, kept up to date by the cloud's PEER_JOINED, PEER_INACTIVE and
 * PEER_LEFT (every active member hears them, clients about other clients too), and the
 * server's kick (Fusion's Disconnect(PlayerRef)).
 */
import { PunchthroughError, type Env } from '../core/index.js';
import { EventType, RequestType, type JoinResult, type KickRequest, type PeerInactiveEvent, type PeerJoinedEvent, type PeerLeftEvent, type RequestBody } from '../src/protocol/index.js';
import { MAX_EARLY_PLAYER_EVENTS, MAX_KICK_MESSAGE_CHARS, MAX_TRACKED_PLAYERS } from './constants.js';
import type { Emit } from './peer-driver.js';
import type { PlayerInfo } from './types.js';

export type PlayerEvent = PeerJoinedEvent | PeerInactiveEvent | PeerLeftEvent;

export interface PlayersHooks {
  emit: Emit;
  /** Sends a signaling request; rejects when there is no connection. */
  request(body: RequestBody<KickRequest>): Promise<unknown>;
}

export class Players {
  /** By actor number; undefined until the join reply is read. */
  #roster: Map<number, PlayerInfo> | undefined;
  #self: { actor: number; mode: 'server' | 'client' } | undefined;
  /** Player events read before the join reply (same tick): applied right after it. */
  readonly #early: PlayerEvent[] = [];

  constructor(
    private readonly env: Pick<Env, 'logger'>,
    private readonly hooks: PlayersHooks,
  ) {}

  /**
   * The join reply's snapshot: every member, this runner included. After a rejoin or restore it
   * replaces the roster, and what changed while the cloud was away (its events for this runner
   * were lost) reaches the game as playerJoined / playerLeft. Returns the peer ids of players gone.
   */
  joined(result: JoinResult): string[] {
    const before = this.#roster;
    this.#self = { actor: result.actor, mode: result.mode };
    const roster = new Map<number, PlayerInfo>();
    for (const peer of result.session.peers.slice(0, MAX_TRACKED_PLAYERS)) {
      roster.set(peer.actor, { ...peer, local: peer.actor === result.actor });
    }
    roster.set(result.actor, { actor: result.actor, peerId: result.peerId, mode: result.mode, active: true, local: true });
    this.#roster = roster;
    const gone = before ? this.#announce(before, roster) : [];
    for (const event of this.#early.splice(0)) this.onEvent(event);
    return gone;
  }

  /** Players that left or arrived between two snapshots; the reason a player left is not known, so `left`. */
  #announce(before: Map<number, PlayerInfo>, after: Map<number, PlayerInfo>): string[] {
    const gone: string[] = [];
    for (const [actor, old] of before) {
      if (old.local || after.get(actor)?.peerId === old.peerId) continue;
      gone.push(old.peerId);
      this.hooks.emit('playerLeft', { actor, peerId: old.peerId, reason: 'left' });
    }
    for (const [actor, now] of after) {
      if (now.local || before.get(actor)?.peerId === now.peerId) continue;
      this.hooks.emit('playerJoined', { actor, peerId: now.peerId, mode: now.mode, rejoined: false });
    }
    return gone;
  }

  /** A PEER_JOINED, PEER_INACTIVE or PEER_LEFT from the cloud. */
  onEvent(event: PlayerEvent): void {
    const roster = this.#roster;
    if (!roster) {
      if (this.#early.length < MAX_EARLY_PLAYER_EVENTS) this.#early.push(event);
      return;
    }
    if (event.type === EventType.PEER_JOINED) return this.#joined(roster, event);
    const known = roster.get(event.actor);
    // Only players this runner knows of, by both names: anything else is not about this session.
    if (!known || known.local || known.peerId !== event.peerId) return;
    if (event.type === EventType.PEER_INACTIVE) {
      roster.set(event.actor, { ...known, active: false });
      this.hooks.emit('playerInactive', { actor: event.actor, peerId: event.peerId, expiresInMs: event.expiresInMs });
      return;
    }
    roster.delete(event.actor);
    this.hooks.emit('playerLeft', { actor: event.actor, peerId: event.peerId, reason: event.reason });
  }

  /** Every member known, this runner first; empty before the join and after the session closed or this runner was removed. */
  list(): PlayerInfo[] {
    const all = [...(this.#roster?.values() ?? [])].map((player) => ({ ...player }));
    return all.sort((a, b) => Number(b.local) - Number(a.local) || a.actor - b.actor);
  }

  /** The session ended for this runner (closed, kicked, shut down). */
  clear(): void {
    this.#roster?.clear();
    this.#early.length = 0;
  }

  /** Server mode: the cloud removes `peerId` (KICK); resolves once it did. */
  async kick(peerId: string, message = ''): Promise<void> {
    if (typeof peerId !== 'string') throw new PunchthroughError('INVALID_REQUEST', 'disconnect needs a peer id');
    if (typeof message !== 'string' || message.length > MAX_KICK_MESSAGE_CHARS) {
      throw new PunchthroughError('INVALID_REQUEST', `a kick's message is a string of at most ${MAX_KICK_MESSAGE_CHARS} characters`);
    }
    if (!this.#self) throw new PunchthroughError('NOT_IN_SESSION', 'the runner is not in a session');
    if (this.#self.mode !== 'server') throw new PunchthroughError('NOT_ALLOWED', "only the session's server may disconnect a player");
    await this.hooks.request({ type: RequestType.KICK, peerId, reason: 'kicked', message });
  }

  #joined(roster: Map<number, PlayerInfo>, event: PeerJoinedEvent): void {
    const { actor, peerId, mode } = event.peer;
    const known = roster.get(actor);
    if (known?.local || (known && known.peerId !== peerId)) return;
    if (known?.active && !event.rejoined) return;
    if (!known && roster.size >= MAX_TRACKED_PLAYERS) {
      this.env.logger.warn({ actor }, 'more players than a session holds; not tracked');
      return;
    }
    roster.set(actor, { actor, peerId, mode, active: true, local: false });
    this.hooks.emit('playerJoined', { actor, peerId, mode, rejoined: event.rejoined });
  }
}
