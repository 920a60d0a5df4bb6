// The deadline poller's decisions: which due sessions to hand to expiry now, and which
// partition names from pt:apps to trust.
import { describe, expect, it } from 'vitest';
import { dueNow, partitionOf } from '../../../../src/cluster/deadlines.js';

describe('deadline poller decisions', () => {
  it('hands a due session over once per deadline within the retry time', () => {
    const recent = new Map<string, readonly [number, number]>();
    expect(dueNow([['a', 100], ['b', 200]], recent, 1_000, 1_000)).toEqual(['a', 'b']);
    expect(dueNow([['a', 100], ['b', 200]], recent, 1_250, 1_000)).toEqual([]);
    // Re-armed (a new deadline value): handed over at once.
    expect(dueNow([['a', 900]], recent, 1_500, 1_000)).toEqual(['a']);
    // Past the retry time the same deadline is handed over again (its expiry changed nothing).
    expect(dueNow([['b', 200]], recent, 2_000, 1_000)).toEqual(['b']);
  });

  it('prunes what it remembers', () => {
    const recent = new Map<string, readonly [number, number]>();
    dueNow([['a', 1], ['b', 2]], recent, 0, 100);
    dueNow([], recent, 100, 100);
    expect(recent.size).toBe(0);
  });

  it('reads partition tags with or without braces, refusing anything else', () => {
    expect(partitionOf('abcdefgh23456712')).toBe('abcdefgh23456712');
    expect(partitionOf('{abcdefgh23456712}')).toBe('abcdefgh23456712');
    for (const bad of [42, null, '', '{}', 'a b', 'x'.repeat(33), '{a}b']) expect(partitionOf(bad)).toBeUndefined();
  });
});
