// The group commit's decisions: how a batch applies, when to take the lock, how long to back off.
import { describe, expect, it } from 'vitest';
import { LOCK_AFTER_CONFLICTS, LOCK_RETRY_MAX_MS, LOCK_RETRY_MIN_MS, partitionTag } from '../../../../src/cluster/index.js';
import { afterRefusal, applyBatch, lockBackoffMs } from '../../../../src/cluster/group-commit.js';
import { admit, create, remove, type NewMember, type Session } from '../../../../src/session/model.js';

const who = (peerId: string, mode: 'server' | 'client' = 'client'): NewMember => ({ mode, peerId, rejoinToken: 'r', pairSecret: new Uint8Array(32) });
const session = (): Session => {
  const made = create('s', 'app', 's', { maxPlayers: 3, open: true, visible: true, properties: {}, lobbyKeys: [], playerTtlMs: 0, emptySessionTtlMs: 0 }, who('h', 'server'), 0);
  if (!made.ok) throw new Error('create');
  return made.change.next!;
};

describe('applyBatch', () => {
  it('applies each step to the state the previous left: the overflow of a full session is refused by the model', () => {
    const { next, deliveries, results } = applyBatch(session(), [1, 2, 3].map((i) => (s: Session) => admit(s, who(`c${i}`), 0)));
    expect(next!.members.map((m) => m.actor)).toEqual([1, 2, 3]);
    expect(results.map((r) => r?.outcome?.ok)).toEqual([true, true, false]);
    expect(results.map((r) => r?.changed)).toEqual([true, true, false]);
    expect(deliveries.map((d) => d.actor)).toEqual([1, 1, 2]); // PEER_JOINED to those already in, in order
  });

  it('a step after the session closed gets nothing; a step that throws fails alone', () => {
    const boom = () => {
      throw new Error('boom');
    };
    const { next, results } = applyBatch(session(), [boom, (s) => ({ ok: true, change: remove(s, 1, 'left', 0) }), (s) => admit(s, who('late'), 0)]);
    expect(next).toBeNull();
    expect(results[0]!.error).toBeInstanceOf(Error);
    expect(results[1]!.changed).toBe(true);
    expect(results[2]).toBeUndefined();
  });
});

describe('afterRefusal and the lock backoff', () => {
  it('takes the lock after LOCK_AFTER_CONFLICTS lost races, never while holding it; waits when locked out', () => {
    let conflicts = 0;
    const moves = [];
    for (let i = 0; i < LOCK_AFTER_CONFLICTS; i++) {
      const move = afterRefusal('conflict', conflicts, false);
      conflicts = move.conflicts;
      moves.push(move.takeLock);
    }
    expect(moves).toEqual([...Array(LOCK_AFTER_CONFLICTS - 1).fill(false), true]);
    expect(afterRefusal('conflict', 5, true).takeLock).toBe(false);
    expect(afterRefusal('locked', 0, false)).toEqual({ conflicts: 0, takeLock: false, backoff: true });
    expect(afterRefusal('locked', LOCK_AFTER_CONFLICTS, false).takeLock).toBe(true);
  });

  it('backs off by doubling from the minimum to the cap', () => {
    expect(lockBackoffMs(0)).toBe(LOCK_RETRY_MIN_MS);
    expect(lockBackoffMs(1)).toBe(LOCK_RETRY_MIN_MS * 2);
    expect(lockBackoffMs(40)).toBe(LOCK_RETRY_MAX_MS);
  });
});

describe('partitionTag', () => {
  it('is 16 base32 characters of SHA-1(appKey), stable, and differs by app', () => {
    expect(partitionTag('game\u00001.0')).toMatch(/^[a-z2-7]{16}$/);
    expect(partitionTag('game\u00001.0')).toBe(partitionTag('game\u00001.0'));
    expect(partitionTag('game\u00001.1')).not.toBe(partitionTag('game\u00001.0'));
    // SHA-1("") = da39a3ee5e6b4b0d3255…: base32 of its first 10 bytes.
    expect(partitionTag('')).toBe('3i42h3s6nnfq2msv');
  });
});
