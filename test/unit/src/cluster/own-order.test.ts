// A node's own commits' events (from the replies) among its inbox entries: one session's events in commit order across both paths.
import { describe, expect, it } from 'vitest';
import { EventType, type Event } from '../../../../src/protocol/index.js';
import type { InboxEntry } from '../../../../src/cluster/inbox-router.js';
import { createOwnOrder } from '../../../../src/cluster/own-order.js';

const left = (n: number): Event => ({ type: EventType.PEER_LEFT, peerId: `p${n}`, actor: n, reason: 'left' }) as Event;
const entryOf = (sessionId: string, version: number): InboxEntry => ({ sessionId, version, deliveries: [[1, left(version)]] });

function harness(maxWaiting = 100) {
  const got: string[] = [];
  const overflows: number[] = [];
  const order = createOwnOrder((entry) => void got.push(`${entry.sessionId}@${entry.version}`), maxWaiting, () => void overflows.push(got.length));
  return { got, order, overflows };
}

describe('own order', () => {
  it('a landed commit waits for the inbox entry it followed, and goes before the entries after it', () => {
    const { got, order } = harness();
    order.sending('s');
    order.landed([10, 0], entryOf('s', 2));
    expect(got).toEqual([]);
    order.read([10, 0], entryOf('s', 1));
    expect(got).toEqual(['s@1', 's@2']);
    order.read([11, 0], entryOf('s', 3));
    expect(got).toEqual(['s@1', 's@2', 's@3']);
    expect(order.waiting).toBe(0);
  });

  it('a landed commit whose entry was already read goes at once', () => {
    const { got, order } = harness();
    order.read([10, 0], entryOf('s', 1));
    order.sending('s');
    order.landed([10, 0], entryOf('s', 2));
    expect(got).toEqual(['s@1', 's@2']);
  });

  it('holds the session\'s entries read while its own commit is in flight, before and after its `after`, and only that session\'s', () => {
    const { got, order } = harness();
    order.sending('s');
    order.read([10, 0], entryOf('s', 1)); // committed before ours ran
    order.read([11, 0], entryOf('other', 1));
    order.read([12, 0], entryOf('s', 3)); // committed after ours: read before our reply
    expect(got).toEqual(['other@1']);
    expect(order.waiting).toBe(2);
    order.landed([10, 0], entryOf('s', 2));
    expect(got).toEqual(['other@1', 's@1', 's@2', 's@3']);
    expect(order.waiting).toBe(0);
  });

  it('a refused or lost commit lets the held entries go; a second commit in flight keeps them', () => {
    const { got, order } = harness();
    order.sending('s');
    order.sending('s');
    order.read([10, 0], entryOf('s', 1));
    order.settled('s');
    expect(got).toEqual([]);
    order.settled('s');
    expect(got).toEqual(['s@1']);
    order.read([11, 0], entryOf('s', 2));
    expect(got).toEqual(['s@1', 's@2']);
  });

  it('a malformed entry still moves the reader past a landed commit\'s `after`', () => {
    const { got, order } = harness();
    order.sending('s');
    order.landed([10, 0], entryOf('s', 2));
    order.passed([10, 0]);
    expect(got).toEqual(['s@2']);
  });

  it('a restart hands on everything waiting (the entries it waited for are gone) and moves the reader', () => {
    const { got, order } = harness();
    order.sending('s');
    order.read([10, 0], entryOf('s', 1));
    order.sending('t');
    order.landed([20, 0], entryOf('t', 5));
    order.restart([0, 0]);
    expect(got.sort()).toEqual(['s@1', 't@5']);
    order.sending('u');
    order.landed([0, 0], entryOf('u', 1));
    expect(got).toContain('u@1');
  });

  it('is bounded: past maxWaiting, order gives way to delivery and the overflow is told (the members need a fresh snapshot)', () => {
    const { got, order, overflows } = harness(3);
    order.sending('s');
    for (let v = 1; v <= 3; v++) order.read([v, 0], entryOf('s', v));
    expect(got).toEqual([]);
    order.read([4, 0], entryOf('s', 4));
    expect(got).toEqual(['s@1', 's@2', 's@3']);
    expect(order.waiting).toBe(1);
    expect(overflows).toEqual([3]);
  });
});
