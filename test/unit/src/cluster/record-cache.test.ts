// The node-local record copies: newest kept, stale ones dropped, name look-ups only while young, bounded.
import { describe, expect, it } from 'vitest';
import { createRecordCache } from '../../../../src/cluster/record-cache.js';
import { made } from '../../../support/session-store-conformance.js';

describe('record cache', () => {
  it('keeps the newest copy, drops it when an inbox entry is newer, answers by name only while young', () => {
    let now = 0;
    const cache = createRecordCache(() => now, { maxEntries: 10, freshMs: 1_000 });
    const v2 = { version: 2, session: made('s1', {}, 'lobby') };
    cache.put('s1', v2);
    cache.put('s1', { version: 1, session: made('s1', {}, 'lobby') }); // a read that raced the write: older, ignored
    expect(cache.get('s1')).toBe(v2);
    expect(cache.recentByName(v2.session.appKey, 'lobby')).toBe(v2);
    cache.seen('s1', 2); // our own commit's entry
    expect(cache.get('s1')).toBe(v2);
    now = 1_000;
    expect(cache.recent('s1')).toBeUndefined();
    expect(cache.recentByName(v2.session.appKey, 'lobby')).toBeUndefined();
    expect(cache.get('s1')).toBe(v2); // a commit may still start from it: the compare-and-set checks it
    cache.seen('s1', 3);
    expect(cache.get('s1')).toBeUndefined();
    expect(cache.recentByName(v2.session.appKey, 'lobby')).toBeUndefined();
  });

  it('evicts the least recently written past its bound, with its name', () => {
    const cache = createRecordCache(() => 0, { maxEntries: 2, freshMs: 1_000 });
    for (const id of ['a', 'b', 'c']) cache.put(id, { version: 1, session: made(id) });
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.recentByName(made('a').appKey, 'a')).toBeUndefined();
    expect(cache.get('c')?.session.sessionId).toBe('c');
  });

  it('a name taken over by a new session answers with the new one; dropping the old leaves it', () => {
    const cache = createRecordCache(() => 0, { maxEntries: 10, freshMs: 1_000 });
    cache.put('old', { version: 4, session: made('old', {}, 'room') });
    cache.put('new', { version: 1, session: made('new', {}, 'room') });
    cache.drop('old');
    expect(cache.recentByName(made('new').appKey, 'room')?.session.sessionId).toBe('new');
  });
});
