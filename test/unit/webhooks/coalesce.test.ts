// Property-change notifications of a session at most 3 a second, merged, in commit order.
import { describe, expect, it } from 'vitest';
import { offer, release, type CoalesceState } from '../../../src/webhooks/coalesce.js';
import type { Notification } from '../../../src/webhooks/notifications.js';
import type { Session } from '../../../src/session/model.js';

const session = {} as Session;
const props = (properties: Record<string, unknown>, open = true): Notification => ({ type: 'session.propertiesChanged', session, data: { kind: 'properties', properties, open, visible: true } });
const left: Notification = { type: 'peer.left', session, data: { kind: 'left', reason: 'left', isInactive: false } };
const GAP = 334;

describe('property notification coalescing', () => {
  it('sends the first at once, holds the next within the gap, merges later ones into it', () => {
    const state: CoalesceState = {};
    expect(offer(state, [props({ a: 1 })], 0, GAP)).toHaveLength(1);
    expect(offer(state, [props({ a: 2 })], 100, GAP)).toEqual([]);
    expect(offer(state, [props({ b: 3 }, false)], 200, GAP)).toEqual([]);
    expect(state.held?.at).toBe(GAP);
    const merged = release(state, GAP);
    expect(merged.data).toEqual({ kind: 'properties', properties: { a: 2, b: 3 }, open: false, visible: true });
    expect(state).toEqual({ lastPropertiesAt: GAP });
    // The gap counts from the release.
    expect(offer(state, [props({ c: 1 })], GAP + 100, GAP)).toEqual([]);
    expect(offer(state, [props({ c: 2 })], 2 * GAP + 100, GAP)).toEqual([]);
  });

  it('releases a held change before any other notification of the session, keeping commit order', () => {
    const state: CoalesceState = {};
    offer(state, [props({ a: 1 })], 0, GAP);
    offer(state, [props({ a: 2 })], 10, GAP);
    const out = offer(state, [left, props({ a: 3 })], 20, GAP);
    expect(out.map((note) => note.type)).toEqual(['session.propertiesChanged', 'peer.left']);
    expect(out[0]!.data).toMatchObject({ properties: { a: 2 } });
    // The change after the leave is held again (the gap runs from the release at 20).
    expect(state.held?.note.data).toMatchObject({ properties: { a: 3 } });
    expect(state.held?.at).toBe(20 + GAP);
  });

  it('never sends more than one property notification per gap, whatever the rate of changes', () => {
    const state: CoalesceState = {};
    const sent: number[] = [];
    for (let now = 0; now < 10_000; now += 7) {
      if (state.held && state.held.at <= now) {
        release(state, now);
        sent.push(now);
      }
      if (offer(state, [props({ tick: now })], now, GAP).length > 0) sent.push(now);
    }
    for (let i = 1; i < sent.length; i++) expect(sent[i]! - sent[i - 1]!).toBeGreaterThanOrEqual(GAP);
    expect(sent.length).toBeGreaterThanOrEqual(29);
    expect(sent.length).toBeLessThanOrEqual(31);
  });
});
