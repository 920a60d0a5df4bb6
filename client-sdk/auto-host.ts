/**
 * `mode: 'autoHostOrClient'` (Fusion's GameMode.AutoHostOrClient): one request that joins or
 * creates, which the cloud runs atomically — JOIN with `createIfNotExists` for a named session,
 * JOIN_RANDOM with `create` (Photon's JoinRandomOrCreateRoom) otherwise — so of two runners
 * starting at once one hosts and the other joins. The reply's `mode` says which this runner is.
 */
import { RequestType, type CreateOptions, type JoinResult } from '../src/protocol/index.js';
import type { Signaling } from './signaling.js';
import type { StartGameOptions } from './types.js';

/** The options a session is created with from the start options (every property lobby-visible). */
export function createOptionsOf(game: StartGameOptions): CreateOptions {
  const properties = game.sessionProperties ?? {};
  return {
    ...(game.maxPlayers !== undefined ? { maxPlayers: game.maxPlayers } : {}),
    ...(game.open !== undefined ? { open: game.open } : {}),
    ...(game.visible !== undefined ? { visible: game.visible } : {}),
    properties,
    lobbyKeys: Object.keys(properties),
  };
}

/** Creation or joining step 2 for autoHostOrClient: join, or create and host. */
export function enterAuto(signaling: Signaling, game: StartGameOptions, token: { connectionToken?: Uint8Array }): Promise<JoinResult> {
  const create = createOptionsOf(game);
  if (game.sessionName !== undefined) {
    return signaling.request({ type: RequestType.JOIN, name: game.sessionName, createIfNotExists: true, ...create, ...token });
  }
  return signaling.request({ type: RequestType.JOIN_RANDOM, ...(game.filter ? { filter: game.filter } : {}), create, ...token });
}
