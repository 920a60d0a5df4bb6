/**
 * JOIN_RANDOM: enter the oldest open, visible, non-full session whose lobby properties match a
 * filter (Photon's FillRoom matchmaking), and with `create`, create one when none matches
 * (Photon's JoinRandomOrCreateRoom). The search and the create run under one lock per app and
 * filter, so of two peers asking at once one creates and the other joins what it created.
 * Every session plugin gate of one random join counts from the request's arrival: a few stuck
 * candidates cannot add up to more than one gate deadline.
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
  /** The clock's time (ms): the request's arrival, its gates' common start. */
  now(): number;
  appKey(peer: Peer): string;
  validName(name: string): string;
  checkProperties(properties: Properties | undefined): void;
  /** Enters an existing session as a client (undefined: it is gone). */
  enter(peer: Peer, session: Session, kind: 'random', reply: Reply, token: Uint8Array | undefined, arrivedAt: number): Promise<Outcome<Member> | undefined>;
  /** Creates a session and enters it as its server; false when the name is taken. */
  create(peer: Peer, options: CreateOptions, name: string | undefined, reply: Reply, make: undefined, arrivedAt: number): Promise<boolean>;
}

export function createJoinRandom<Reply>(parts: JoinRandomParts<Reply>): (peer: Peer, request: JoinRandomRequest, reply: Reply) => Promise<void> {
  const lock = createKeyedLock();

  /** 'joined', or why not: 'timeout' when a candidate's plugin did not answer in time (the deadline is spent), else 'none'. */
  const joinAnyMatch = async (peer: Peer, filter: Properties | undefined, reply: Reply, token: Uint8Array | undefined, arrivedAt: number) => {
    const query = { appKey: parts.appKey(peer), listed: true, notFull: true, limit: JOIN_RANDOM_CANDIDATES };
    let timedOut = false;
    for (const candidate of await parts.store.find(filter ? { ...query, filter } : query)) {
      // A candidate that filled up, closed or refuses this peer since the search: try the next
      // (with what is left of the deadline: a plugin's gate past it answers HOOK_TIMEOUT at once).
      try {
        if ((await parts.enter(peer, candidate, 'random', reply, token, arrivedAt))?.ok) return 'joined' as const;
      } catch (error) {
        // A webhook gate's refusal (without `skip`) ends the random join: the backend said no to this peer.
        if (!(error instanceof PunchthroughError) || finalRefusal(error)) throw error;
        if (error.code === 'HOOK_TIMEOUT') timedOut = true;
      }
    }
    return timedOut ? ('timeout' as const) : ('none' as const);
  };

  const noJoin = (found: 'timeout' | 'none'): never =>
    found === 'timeout'
      ? refuse('HOOK_TIMEOUT', "no matching session's plugin admitted this peer within the deadline")
      : refuse('NO_MATCH', 'no open, visible session matches the filter');

  return async (peer, request, reply) => {
    const arrivedAt = parts.now();
    parts.checkProperties(request.filter);
    const { filter, create, connectionToken } = request;
    if (!create) {
      const found = await joinAnyMatch(peer, filter, reply, connectionToken, arrivedAt);
      if (found !== 'joined') noJoin(found);
      return;
    }
    const { name: asked, ...options } = create;
    const name = asked === undefined ? undefined : parts.validName(asked);
    await lock.run(matchKey(parts.appKey(peer), filter), async () => {
      const found = await joinAnyMatch(peer, filter, reply, connectionToken, arrivedAt);
      if (found === 'joined') return;
      // The deadline is spent: a create's plugin gates would time out too.
      if (found === 'timeout') noJoin(found);
      if (!(await parts.create(peer, withFilter(options, filter), name, reply, undefined, arrivedAt))) refuse('SESSION_EXISTS', `a session named "${name}" already exists`);
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
