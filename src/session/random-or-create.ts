/**
 * JOIN_RANDOM: enter the oldest open, visible, non-full session whose lobby properties match a
 * filter (Photon's FillRoom matchmaking), and with `create`, create one when none matches
 * (Photon's JoinRandomOrCreateRoom). The search and the create run under one lock per app and
 * filter, so of two peers asking at once one creates and the other joins what it created.
 */
import { PunchthroughError } from '../../core/index.js';
import type { CreateOptions, JoinRandomRequest, Properties } from '../protocol/index.js';
import { finalRefusal } from '../webhooks/index.js';
import { createKeyedLock } from './keyed-lock.js';
import type { Member, Outcome, Session } from './model.js';
import type { Peer } from './peer.js';
import { refuse } from './request-error.js';
import type { SessionStore } from './store.js';

/** Sessions a random join tries, oldest first, before it answers NO_MATCH (or creates). */
const JOIN_RANDOM_CANDIDATES = 8;

/** What join random needs of the sessions service; `reply` is the join's reply (opaque here). */
export interface JoinRandomParts<Reply> {
  store: SessionStore;
  appKey(peer: Peer): string;
  validName(name: string): string;
  checkProperties(properties: Properties | undefined): void;
  /** Enters an existing session as a client (undefined: it is gone). */
  enter(peer: Peer, session: Session, kind: 'random', reply: Reply, token?: Uint8Array): Promise<Outcome<Member> | undefined>;
  /** Creates a session and enters it as its server; false when the name is taken. */
  create(peer: Peer, options: CreateOptions, name: string | undefined, reply: Reply): Promise<boolean>;
}

export function createJoinRandom<Reply>(parts: JoinRandomParts<Reply>): (peer: Peer, request: JoinRandomRequest, reply: Reply) => Promise<void> {
  const lock = createKeyedLock();

  const joinAnyMatch = async (peer: Peer, filter: Properties | undefined, reply: Reply, token: Uint8Array | undefined): Promise<boolean> => {
    const query = { appKey: parts.appKey(peer), listed: true, notFull: true, limit: JOIN_RANDOM_CANDIDATES };
    for (const candidate of await parts.store.find(filter ? { ...query, filter } : query)) {
      // A candidate that filled up, closed or refuses this peer since the search: try the next.
      try {
        if ((await parts.enter(peer, candidate, 'random', reply, token))?.ok) return true;
      } catch (error) {
        // A webhook gate's refusal (without `skip`) ends the random join: the backend said no to this peer.
        if (!(error instanceof PunchthroughError) || finalRefusal(error)) throw error;
      }
    }
    return false;
  };

  return async (peer, request, reply) => {
    parts.checkProperties(request.filter);
    const { filter, create, connectionToken } = request;
    if (!create) {
      if (!(await joinAnyMatch(peer, filter, reply, connectionToken))) refuse('NO_MATCH', 'no open, visible session matches the filter');
      return;
    }
    const { name: asked, ...options } = create;
    const name = asked === undefined ? undefined : parts.validName(asked);
    await lock.run(matchKey(parts.appKey(peer), filter), async () => {
      if (await joinAnyMatch(peer, filter, reply, connectionToken)) return;
      if (!(await parts.create(peer, withFilter(options, filter), name, reply))) refuse('SESSION_EXISTS', `a session named "${name}" already exists`);
    });
  };
}

/** The lock's key: the app and the filter, its entries in key order (the same filter, the same key). */
export function matchKey(appKey: string, filter: Properties | undefined): string {
  const entries = Object.entries(filter ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([appKey, entries]);
}

/** Create options whose properties and lobby keys carry the filter, so the next matching random join finds the session. */
export function withFilter(options: CreateOptions, filter: Properties | undefined): CreateOptions {
  if (!filter) return options;
  return {
    ...options,
    properties: { ...options.properties, ...filter },
    lobbyKeys: [...new Set([...(options.lobbyKeys ?? []), ...Object.keys(filter)])],
  };
}
