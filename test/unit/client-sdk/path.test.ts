// The pure path comparator: a table of (current, challenger, now) → switch or keep.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PATH_POLICY, pathScore, sameVia, shouldSwitch, type PathQuality } from '../../../client-sdk/peer/path.js';
import { ep } from '../../support/sealed-packets.js';

const direct = (rttMs: number | undefined, lastHeardAt: number | undefined = 1000, proven = true): PathQuality => ({ path: 'direct', proven, rttMs, lastHeardAt });
const relay = (rttMs: number | undefined, lastHeardAt: number | undefined = 1000, proven = true): PathQuality => ({ path: 'relay', proven, rttMs, lastHeardAt });

describe('shouldSwitch', () => {
  const cases: [string, PathQuality | undefined, PathQuality, number, boolean][] = [
    ['no current path: any proven one', undefined, direct(30), 1000, true],
    ['no current path: never an unproven one', undefined, direct(30, 1000, false), 1000, false],
    ['off an unproven current path', direct(30, 1000, false), relay(40), 1000, true],
    ['relay → direct, even a slower direct', relay(20), direct(200), 1000, true],
    ['relay → direct with unmeasured RTTs: the class decides', relay(undefined), direct(undefined), 1000, true],
    ['direct → relay: never while direct is heard', direct(200), relay(20), 1000, false],
    ['direct → a far slower direct: keep', direct(30), direct(300), 1000, false],
    ['direct → a direct within the hysteresis: keep', direct(30), direct(25), 1000, false],
    ['direct → a direct better by more than 10 % + 5 ms: switch', direct(30), direct(20), 1000, true],
    ['relay → relay of about the same RTT: keep', relay(40), relay(38), 1000, false],
    ['a quiet current path the peer left (NAT rebinding): switch', direct(30, 100), direct(30, 1000), 1000, true],
    ['quiet for less than quietMs: the scores decide', direct(30, 600), direct(30, 1000), 1000, false],
    ['a quiet direct path left for the relay (fallback)', direct(30, 100), relay(50, 1000), 1000, true],
    ['a quiet current path, but the challenger was not heard after it', direct(30, 100), direct(30, 50), 1000, false],
    ['a current path never heard, challenger heard', { ...direct(30), lastHeardAt: undefined }, direct(30, 900), 1000, true],
    ['never to an unproven challenger, even off a quiet path', direct(30, 0), direct(1, 1000, false), 1000, false],
  ];
  it.each(cases)('%s', (_, current, challenger, now, expected) => {
    expect(shouldSwitch(current, challenger, now)).toBe(expected);
  });

  it('uses the given policy', () => {
    const policy = { ...DEFAULT_PATH_POLICY, relayPenaltyMs: 0 };
    expect(shouldSwitch(direct(200), relay(20), 1000, policy)).toBe(true);
    expect(shouldSwitch(relay(20), direct(200), 1000, policy)).toBe(false);
  });
});

describe('pathScore', () => {
  it('is the RTT plus the relay penalty, and Infinity unproven', () => {
    expect(pathScore(direct(30), DEFAULT_PATH_POLICY)).toBe(30);
    expect(pathScore(relay(30), DEFAULT_PATH_POLICY)).toBe(30 + DEFAULT_PATH_POLICY.relayPenaltyMs);
    expect(pathScore(direct(undefined), DEFAULT_PATH_POLICY, 7)).toBe(7);
    expect(pathScore(direct(30, 0, false), DEFAULT_PATH_POLICY)).toBe(Infinity);
  });
});

describe('sameVia', () => {
  it('compares endpoints by address and port, and the relay with itself', () => {
    expect(sameVia({ path: 'direct', endpoint: ep('10.0.0.1', 1) }, { path: 'direct', endpoint: ep('10.0.0.1', 1) })).toBe(true);
    expect(sameVia({ path: 'direct', endpoint: ep('10.0.0.1', 1) }, { path: 'direct', endpoint: ep('10.0.0.1', 2) })).toBe(false);
    expect(sameVia({ path: 'relay' }, { path: 'relay' })).toBe(true);
    expect(sameVia({ path: 'relay' }, { path: 'direct', endpoint: ep('10.0.0.1', 1) })).toBe(false);
  });
});
