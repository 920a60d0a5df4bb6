// Node membership decisions: lease verdicts, the reaper's wait, dead nodes, node-member entries.
import { describe, expect, it } from 'vitest';
import { deadNodes, leaseVerdict, parseNodeMember, reaperMayAct, refreshReplyOf } from '../../../../src/cluster/membership-rules.js';

describe('membership decisions', () => {
  it('a refresh that finds the lease gone fences at once; silence fences after one lease period', () => {
    expect(leaseVerdict({ confirmedAt: 0 }, 'held', 10_000, 3_000)).toBe('held');
    expect(leaseVerdict({ confirmedAt: 9_999 }, 'lost', 10_000, 3_000)).toBe('fenced');
    expect(leaseVerdict({ confirmedAt: 7_001 }, 'no-answer', 10_000, 3_000)).toBe('unsure');
    expect(leaseVerdict({ confirmedAt: 7_000 }, 'no-answer', 10_000, 3_000)).toBe('fenced');
  });

  it('reads refresh replies strictly', () => {
    expect(refreshReplyOf(1)).toBe('held');
    expect(refreshReplyOf(0)).toBe('lost');
    expect(refreshReplyOf('1')).toBe('no-answer');
    expect(refreshReplyOf(null)).toBe('no-answer');
  });

  it('the reaper waits one lease period after its own connection', () => {
    expect(reaperMayAct(undefined, 10_000, 3_000)).toBe(false);
    expect(reaperMayAct(8_000, 10_000, 3_000)).toBe(false);
    expect(reaperMayAct(7_000, 10_000, 3_000)).toBe(true);
  });

  it('dead nodes: known, not this one, lease missing; malformed names ignored', () => {
    expect(deadNodes(['s1', 's2', 's3', 's2', 'bad name', 'me'], [null, 'inc', null, 'inc', null, null], 'me')).toEqual(['s1', 's3']);
  });

  it('parses nm members, refusing malformed ones', () => {
    expect(parseNodeMember('{ABCDEF234567ABCD}|abc_DEF-123')).toEqual({ partition: '{ABCDEF234567ABCD}', sessionId: 'abc_DEF-123' });
    for (const bad of ['', '|x', '{A}|', 'noBar', '{A B}|x', '{A}|x y', `{A}|${'x'.repeat(300)}`]) expect(parseNodeMember(bad)).toBeUndefined();
  });
});
