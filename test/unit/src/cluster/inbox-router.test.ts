// The node side of inbox delivery: dedupe by (session, version), hold-then-flush for a member
// whose entering request is in flight, bounds, and untrusted entries.
import { describe, expect, it } from 'vitest';
import { ManualClock, createSilentLogger, flushAsync } from '../../../../core/index.js';
import { EventType, type Event } from '../../../../src/protocol/index.js';
import { createInboxRouter, parseInboxEntry, type InboxLimits } from '../../../../src/cluster/inbox-router.js';
import { fromJsonText } from '../../../../src/cluster/record-codec.js';

const limits: InboxLimits = { holdMs: 2_000, maxHeldPerMember: 3, maxHeldTotal: 5, maxVersions: 2, maxDeliveriesPerEntry: 4, maxEntryBytes: 1_000 };
const ev = (n: number): Event => ({ type: EventType.PEER_LEFT, peerId: `p${n}`, actor: n, reason: 'left' }) as Event;

function setup() {
  const clock = new ManualClock();
  const router = createInboxRouter({ clock, logger: createSilentLogger() }, limits);
  const got: Array<[number, number]> = [];
  const sink = (actor: number) => (event: Event) => void got.push([actor, (event as { actor: number }).actor]);
  return { clock, router, got, sink };
}

describe('inbox router', () => {
  it('delivers in order, drops versions already delivered, never dedupes version 0', () => {
    const { router, got, sink } = setup();
    router.attach('s', 1, sink(1));
    expect(router.deliver({ sessionId: 's', version: 2, deliveries: [[1, ev(2)]] })).toBe(true);
    expect(router.deliver({ sessionId: 's', version: 2, deliveries: [[1, ev(2)]] })).toBe(false);
    expect(router.deliver({ sessionId: 's', version: 1, deliveries: [[1, ev(1)]] })).toBe(false);
    router.deliver({ sessionId: 's', version: 0, deliveries: [[1, ev(90)]] });
    router.deliver({ sessionId: 's', version: 0, deliveries: [[1, ev(90)]] });
    router.deliver({ sessionId: 's', version: 3, deliveries: [[1, ev(3)]] });
    expect(got).toEqual([[1, 2], [1, 90], [1, 90], [1, 3]]);
    expect(router.counters.duplicates).toBe(2);
  });

  it('holds deliveries for a member not attached yet and flushes them after the attaching tick', async () => {
    const { router, got, sink } = setup();
    router.deliver({ sessionId: 's', version: 5, deliveries: [[2, ev(5)]] });
    router.deliver({ sessionId: 's', version: 6, deliveries: [[2, ev(6)]] });
    expect(router.heldCount).toBe(2);
    router.attach('s', 2, sink(2));
    got.push([0, 0]); // what the caller sends right after attaching (reply, start)
    await flushAsync();
    expect(got).toEqual([[0, 0], [2, 5], [2, 6]]);
    expect(router.heldCount).toBe(0);
  });

  it("a closed session's sinks outlive forget() by holdMs: the closing commit's entry may arrive after its reply", () => {
    const { clock, router, got, sink } = setup();
    router.attach('s', 2, sink(2));
    router.forget('s');
    clock.advance(1_999);
    router.sweep();
    router.deliver({ sessionId: 's', version: 7, deliveries: [[2, ev(7)]] });
    expect(got).toEqual([[2, 7]]);
    clock.advance(2);
    router.sweep();
    router.deliver({ sessionId: 's', version: 8, deliveries: [[2, ev(8)]] });
    expect(got).toEqual([[2, 7]]);
    expect(router.heldCount).toBe(1);
  });

  it('held deliveries expire after holdMs, and are bounded per member and in all', () => {
    const { clock, router } = setup();
    for (let v = 1; v <= 5; v++) router.deliver({ sessionId: 's', version: v, deliveries: [[2, ev(v)]] });
    expect(router.heldCount).toBe(3);
    router.deliver({ sessionId: 't', version: 1, deliveries: [[2, ev(1)], [3, ev(1)], [4, ev(1)]] });
    expect(router.heldCount).toBe(5);
    clock.advance(2_001);
    router.sweep();
    expect(router.heldCount).toBe(0);
    expect(router.counters.unclaimed).toBe(8);
  });

  it('remembers a bounded number of session versions', () => {
    const { router } = setup();
    for (const s of ['a', 'b', 'c']) router.deliver({ sessionId: s, version: 1, deliveries: [] });
    // 'a' was evicted: a redelivery of it is accepted (at-least-once beyond the bound), 'c' is not.
    expect(router.deliver({ sessionId: 'a', version: 1, deliveries: [] })).toBe(true);
    expect(router.deliver({ sessionId: 'c', version: 1, deliveries: [] })).toBe(false);
  });

  it('a broken sink costs the others nothing; a stale detach leaves a newer attachment alone', () => {
    const { router, got, sink } = setup();
    const off = router.attach('s', 1, () => {
      throw new Error('socket gone');
    });
    router.attach('s', 2, sink(2));
    router.deliver({ sessionId: 's', version: 1, deliveries: [[1, ev(1)], [2, ev(1)]] });
    expect(got).toEqual([[2, 1]]);
    router.attach('s', 1, sink(1));
    off();
    router.deliver({ sessionId: 's', version: 2, deliveries: [[1, ev(2)]] });
    expect(got).toEqual([[2, 1], [1, 2]]);
  });
});

describe('parseInboxEntry', () => {
  const parse = (fields: unknown) => parseInboxEntry(fields, limits, (text) => fromJsonText(text, limits.maxEntryBytes));

  it('reads a well-formed entry, byte arrays included', () => {
    const d = JSON.stringify([[2, { type: 3, secret: { $b: 'AQI=' } }]]);
    const entry = parse({ s: 'sid_1', v: '7', d });
    expect(entry).toMatchObject({ sessionId: 'sid_1', version: 7 });
    expect((entry!.deliveries[0]![1] as unknown as { secret: Uint8Array }).secret).toEqual(Uint8Array.of(1, 2));
  });

  it('refuses malformed and oversized entries', () => {
    const good = JSON.stringify([[2, { type: 3 }]]);
    const bad: unknown[] = [
      null,
      'x',
      { s: 'sid', v: '1' },
      { s: 'bad sid', v: '1', d: good },
      { s: 'sid', v: '-1', d: good },
      { s: 'sid', v: '1.5', d: good },
      { s: 'sid', v: '1', d: '{not json' },
      { s: 'sid', v: '1', d: '{}' },
      { s: 'sid', v: '1', d: JSON.stringify([[0, { type: 3 }]]) },
      { s: 'sid', v: '1', d: JSON.stringify([[2, { type: 'x' }]]) },
      { s: 'sid', v: '1', d: JSON.stringify([[2, null]]) },
      { s: 'sid', v: '1', d: JSON.stringify(Array.from({ length: 5 }, () => [2, { type: 3 }])) },
      { s: 'sid', v: '1', d: ' '.repeat(1_001) },
    ];
    for (const fields of bad) expect(parse(fields)).toBeUndefined();
  });
});
