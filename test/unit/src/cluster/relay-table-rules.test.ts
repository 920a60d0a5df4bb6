// mergeRelayReads: a cluster node's relay table after one read of Redis, on our clock (new reports, expired keys, hostile values, epochs).
import { describe, expect, it } from 'vitest';
import { mergeRelayReads, type RelayRead } from '../../../../src/cluster/relay-table-rules.js';
import { isFresh, type FleetRelay } from '../../../../src/fleet/index.js';

const report = (id: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({
    id,
    epoch: 1_700_000_000_000,
    endpoint: '127.0.0.1:6001',
    region: 'eu',
    state: 'normal',
    level: 2,
    inputs: { bindingsPct: 20, ppsPct: 1, cpuPct: 1 },
    bindings: 40,
    sessions: 20,
    reportedAtMs: 1_700_000_001_000,
    ...over,
  });

const read = (id: string, value: unknown, placed = 0): RelayRead => ({ id, value, placed });

describe('mergeRelayReads', () => {
  it('a new report is received now; the same report read again keeps its time, so a relay that stops writing goes stale', () => {
    const first = mergeRelayReads(new Map(), [read('r1', report('r1'), 3)], 10_000, 3_000);
    expect(first.malformed).toBe(0);
    const r1 = first.table.get('r1')!;
    expect(r1).toMatchObject({ id: 'r1', region: 'eu', level: 2, receivedAt: 10_000, assigned: 3, endpoint: { address: '127.0.0.1', port: 6001 } });
    const again = mergeRelayReads(first.table, [read('r1', report('r1'), 1)], 12_000, 3_000).table.get('r1')!;
    expect(again.receivedAt).toBe(10_000);
    expect(again.assigned).toBe(1);
    expect(isFresh(again, 13_000)).toBe(true);
    expect(isFresh(again, 13_001)).toBe(false);
    const next = mergeRelayReads(first.table, [read('r1', report('r1', { reportedAtMs: 1_700_000_002_000 }))], 12_000, 3_000).table.get('r1')!;
    expect(next.receivedAt).toBe(12_000);
    // Written 700 ms before our read (its key's remaining lifetime says so): received then.
    const aged = mergeRelayReads(first.table, [{ ...read('r1', report('r1', { reportedAtMs: 1_700_000_002_000 })), ageMs: 700 }], 12_000, 3_000).table.get('r1')!;
    expect(aged.receivedAt).toBe(11_300);
  });

  it('an expired key keeps the last entry (stale by its age); an id never seen is a stale placeholder that is never chosen', () => {
    const held = mergeRelayReads(new Map(), [read('r1', report('r1'))], 10_000, 3_000).table;
    const later = mergeRelayReads(held, [read('r1', null), read('ghost', null)], 14_000, 3_000);
    expect(later.table.get('r1')).toMatchObject({ region: 'eu', receivedAt: 10_000 });
    expect(isFresh(later.table.get('r1')!, 14_000)).toBe(false);
    const ghost = later.table.get('ghost')!;
    expect(isFresh(ghost, 14_000)).toBe(false);
    expect(ghost.level).toBe(9);
    // An id gone from pt:relays is gone from the table.
    expect(mergeRelayReads(later.table, [], 15_000, 3_000).table.size).toBe(0);
  });

  it('drops and counts hostile values: not JSON, another id, out-of-range fields, too large, not a string, bad ids, the reserved id', () => {
    const held = new Map<string, FleetRelay>();
    const outcome = mergeRelayReads(
      held,
      [
        read('a', '{not json'),
        read('b', report('other')),
        read('c', report('c', { level: 12 })),
        read('d', report('d', { region: 'x'.repeat(5_000) })),
        read('e', 42),
        read('bad id!', report('bad id!')),
        read('local', report('local')),
        read('f', report('f', { endpoint: 'nowhere' })),
      ],
      1_000,
      3_000,
    );
    expect(outcome.malformed).toBe(8);
    // The ids that are valid stay known (stale placeholders: their sessions can still be found).
    expect([...outcome.table.keys()].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    for (const entry of outcome.table.values()) expect(isFresh(entry, 1_000)).toBe(false);
  });

  it('a report of an older epoch than a fresh held one is ignored (the old process of a replaced relay)', () => {
    const held = mergeRelayReads(new Map(), [read('r1', report('r1', { epoch: 1_700_000_000_500, level: 1 }))], 10_000, 3_000).table;
    const old = mergeRelayReads(held, [read('r1', report('r1', { epoch: 1_700_000_000_000, level: 7 }))], 11_000, 3_000).table.get('r1')!;
    expect(old.level).toBe(1);
    // Once the held one is stale, whatever reports is taken.
    const taken = mergeRelayReads(held, [read('r1', report('r1', { epoch: 1_700_000_000_000, level: 7 }))], 13_001, 3_000).table.get('r1')!;
    expect(taken.level).toBe(7);
  });
});
