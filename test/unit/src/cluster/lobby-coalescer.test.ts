// The cross-node lobby signal's rate limit: the first change at once, the rest of an interval as one trailing publish.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/index.js';
import { createLobbyCoalescer } from '../../../../src/cluster/lobby-coalescer.js';

describe('lobby coalescer', () => {
  it('publishes the first change at once and the rest of the interval once at its end', () => {
    const clock = new ManualClock();
    const sent: Array<[number, string]> = [];
    const lobby = createLobbyCoalescer(clock, 100, (app) => sent.push([clock.now(), app]));
    lobby.changed('a');
    lobby.changed('a');
    lobby.changed('a');
    lobby.changed('b');
    expect(sent).toEqual([[0, 'a'], [0, 'b']]);
    clock.advance(99);
    lobby.changed('a');
    expect(sent).toHaveLength(2);
    clock.advance(1);
    // a's trailing publish; b had nothing more.
    expect(sent).toEqual([[0, 'a'], [0, 'b'], [100, 'a']]);
    // A change right after the trailing publish waits for the next window's end.
    lobby.changed('a');
    clock.advance(99);
    expect(sent).toHaveLength(3);
    clock.advance(1);
    expect(sent[3]).toEqual([200, 'a']);
    // Quiet for a whole interval: the window closes and the next change goes at once.
    clock.advance(100);
    lobby.changed('a');
    expect(sent[4]).toEqual([300, 'a']);
  });

  it('close drops owed publishes', () => {
    const clock = new ManualClock();
    const sent: string[] = [];
    const lobby = createLobbyCoalescer(clock, 100, (app) => sent.push(app));
    lobby.changed('a');
    lobby.changed('a');
    lobby.close();
    clock.advance(1_000);
    expect(sent).toEqual(['a']);
  });
});
