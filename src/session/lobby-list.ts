// One lobby page: the open, visible sessions of an app that match a filter, bounded in count and
// bytes. LIST, the HTTP lobby and the lobby subscriptions all read the lobby through here.
import type { ListResult, LobbySession, Properties, SignalingCodec } from '../protocol/index.js';
import type { ResolvedOptions } from './options.js';
import type { SessionQuery } from './views.js';
import { lobbyEntry } from './views.js';

/** How a filter's values compare: `exact` (typed, the signaling protocol) or `text` (a query string's). */
export type FilterMatch = 'exact' | 'text';

/** One lobby page: at most `limit` entries and the byte budget, from `offset` on. */
export type LobbyList = (
  appKey: string,
  filter: Properties | undefined,
  limit: number | undefined,
  offset: number | undefined,
  match?: FilterMatch,
) => Promise<ListResult>;

export function createLobbyList(settings: Pick<ResolvedOptions, 'store' | 'maxListSessions' | 'maxListBytes'>, codec: SignalingCodec): LobbyList {
  return async (appKey, filter, limit, offset, match = 'exact') => {
    const count = Math.min(limit ?? settings.maxListSessions, settings.maxListSessions);
    // One more than the page, to tell whether another page follows.
    const query: SessionQuery = { appKey, listed: true, offset: offset ?? 0, limit: count + 1 };
    if (filter && match === 'text') query.textFilter = textOf(filter);
    else if (filter) query.filter = filter;
    const found = await settings.store.find(query);
    const entries: LobbySession[] = [];
    let bytes = 0;
    for (const session of found.slice(0, count)) {
      const entry = lobbyEntry(session);
      bytes += codec.encode(entry as never).length;
      if (bytes > settings.maxListBytes && entries.length > 0) break;
      entries.push(entry);
    }
    return entries.length < found.length ? { sessions: entries, more: true } : { sessions: entries };
  };
}

function textOf(filter: Properties): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(filter)) out[key] = String(value);
  return out;
}
