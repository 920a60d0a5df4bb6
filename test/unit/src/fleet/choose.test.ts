// chooseRelay: two draws of Photon's weighted random by effective load level, eligibility, region preference, placement statistics and spread.
import { describe, expect, it } from 'vitest';
import { PHOTON_V5_WEIGHTS, chooseRelay, drawWeighted, effectiveLevel, isEligible, type FleetRelay } from '../../../../src/fleet/index.js';
import { createRng } from '../../../support/fuzz/random.js';

const NOW = 1_000_000;

function relay(id: string, over: Partial<FleetRelay> = {}): FleetRelay {
  return {
    id,
    epoch: 1,
    endpoint: { address: '10.0.0.1', port: 5055 },
    region: '',
    state: 'normal',
    level: 0,
    bindingsPct: 0,
    bindings: 0,
    sessions: 0,
    reportedAtMs: 0,
    receivedAt: NOW - 500,
    assigned: 0,
    ...over,
  };
}

/** Upper 1 % points of the chi-square distribution (p = 0.01), by degrees of freedom. */
const CHI2_CRITICAL_01: Record<number, number> = { 1: 6.635, 2: 9.21, 3: 11.345, 4: 13.277, 5: 15.086, 6: 16.812, 7: 18.475, 8: 20.09 };

function chiSquare(observed: number[], expected: number[]): number {
  return observed.reduce((sum, o, i) => sum + (o - expected[i]!) ** 2 / expected[i]!, 0);
}

describe('chooseRelay', () => {
  // One relay per level 0–8 (level 9 has weight 0 and is never eligible).
  const byLevel = Array.from({ length: 9 }, (_, level) => relay(`r${level}`, { level }));
  const weights = PHOTON_V5_WEIGHTS.slice(0, 9);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const PICKS = 100_000;

  function countPicks(pick: () => FleetRelay): number[] {
    const counts = new Map<string, number>();
    for (let i = 0; i < PICKS; i++) {
      const chosen = pick();
      counts.set(chosen.id, (counts.get(chosen.id) ?? 0) + 1);
    }
    return byLevel.map((r) => counts.get(r.id) ?? 0);
  }

  it('the weighted step: over 100,000 seeded draws, matches the Photon v5 weights by level (chi-square, p > 0.01)', () => {
    const rng = createRng(0x5eed);
    const weightOf = (r: FleetRelay) => weights[r.level]!;
    const observed = countPicks(() => drawWeighted(byLevel, weightOf, () => rng.next())!);
    const expected = weights.map((w) => (PICKS * w) / totalWeight);
    expect(chiSquare(observed, expected)).toBeLessThan(CHI2_CRITICAL_01[8]!);
    // The test can fail: uniform choice instead of weighted would be far outside.
    expect(chiSquare(observed, weights.map(() => PICKS / 9))).toBeGreaterThan(1_000);
    // One candidate is exactly that step: chooseRelay with candidates 1 is Photon's rule.
    const rng1 = createRng(0x5eed);
    const single = countPicks(() => chooseRelay(byLevel, { regions: [] }, NOW, () => rng1.next(), { candidates: 1 })!);
    expect(chiSquare(single, expected)).toBeLessThan(CHI2_CRITICAL_01[8]!);
  });

  it('the placement: two weighted draws, the lower level kept, match P(level = i) = S(i)² − S(i+1)² (chi-square, p > 0.01)', () => {
    // S(i): the weight share of levels i and above; the kept level is the lower of two draws.
    const tail = weights.map((_, i) => weights.slice(i).reduce((a, b) => a + b, 0) / totalWeight);
    const expected = tail.map((s, i) => PICKS * (s ** 2 - (tail[i + 1] ?? 0) ** 2));
    const rng = createRng(0xc401ce);
    const observed = countPicks(() => chooseRelay(byLevel, { regions: [] }, NOW, () => rng.next())!);
    expect(chiSquare(observed, expected)).toBeLessThan(CHI2_CRITICAL_01[8]!);
    // Distinguishable from Photon's single draw (the test can fail).
    expect(chiSquare(observed, weights.map((w) => (PICKS * w) / totalWeight))).toBeGreaterThan(1_000);
  });

  /** The worst max/mean of `trials` seeded runs of `sessions` placements on `count` idle equal relays, each placement counted as the directory does. */
  function worstSpread(trials: number, sessions: number, count: number, candidates?: number): number {
    let worst = 0;
    for (let trial = 0; trial < trials; trial++) {
      const rng = createRng(1_000 + trial);
      const relays = Array.from({ length: count }, (_, i) => relay(`e${i}`));
      for (let i = 0; i < sessions; i++) {
        const chosen = chooseRelay(relays, { regions: [] }, NOW, () => rng.next(), candidates === undefined ? {} : { candidates })!;
        const at = relays.findIndex((r) => r.id === chosen.id);
        relays[at] = { ...relays[at]!, assigned: relays[at]!.assigned + 1 };
      }
      worst = Math.max(worst, Math.max(...relays.map((r) => r.assigned)) / (sessions / count));
    }
    return worst;
  }

  it('spread: over 1,000 seeded trials of 60 placements on 3 equal relays, the worst max/mean is ≤ 1.2', () => {
    expect(worstSpread(1_000, 60, 3)).toBeLessThanOrEqual(1.2);
    // The test can fail: Photon's single weighted draw over the same trials goes past it.
    expect(worstSpread(1_000, 60, 3, 1)).toBeGreaterThan(1.2);
  });

  it('between two draws, the lower predicted load wins even inside one level (bindings share plus recent placements), then fewer placements, then the first', () => {
    const a = relay('a', { level: 2, bindings: 21, bindingsPct: 21 });
    const b = relay('b', { level: 2, bindings: 29, bindingsPct: 29 });
    // Draws of 0.9 then 0.1 over [a, b] (equal weights): b first, a second; a is less loaded.
    const dice = (...values: number[]) => () => values.shift()!;
    expect(chooseRelay([a, b], { regions: [] }, NOW, dice(0.9, 0.1))?.id).toBe('a');
    expect(chooseRelay([a, b], { regions: [] }, NOW, dice(0.1, 0.9))?.id).toBe('a');
    // Photon's single draw takes whatever it drew.
    expect(chooseRelay([a, b], { regions: [] }, NOW, dice(0.9), { candidates: 1 })?.id).toBe('b');
    // Four sessions placed on a lately (2 % each) make it the busier one: 29 % against 29 %, then fewer placements.
    const busy = { ...a, assigned: 4 };
    expect(chooseRelay([busy, b], { regions: [] }, NOW, dice(0.1, 0.9))?.id).toBe('b');
    // A level reported above the bindings (CPU or packets): 10 % a level.
    const hot = relay('hot', { level: 4, bindings: 2, bindingsPct: 2 });
    expect(chooseRelay([hot, b], { regions: [] }, NOW, dice(0.1, 0.9))?.id).toBe('b');
    // Equal: the first draw.
    const twin = relay('twin', { level: 2, bindings: 29, bindingsPct: 29 });
    expect(chooseRelay([twin, b], { regions: [] }, NOW, dice(0.9, 0.1))?.id).toBe('b');
  });

  it('never picks a stale, draining or level-9 relay, and answers undefined when nobody is eligible', () => {
    const stale = relay('stale', { receivedAt: NOW - 3_001 });
    const draining = relay('draining', { state: 'draining' });
    const full = relay('full', { level: 9 });
    const ok = relay('ok', { level: 8 });
    const rng = createRng(7);
    for (let i = 0; i < 10_000; i++) expect(chooseRelay([stale, draining, full, ok], { regions: [] }, NOW, () => rng.next())?.id).toBe('ok');
    expect(chooseRelay([stale, draining, full], { regions: [] }, NOW, () => rng.next())).toBeUndefined();
    expect(chooseRelay([], { regions: [] }, NOW, () => rng.next())).toBeUndefined();
    // Exactly at the staleness bound it is still fresh; the embedded relay never goes stale.
    expect(isEligible(relay('edge', { receivedAt: NOW - 3_000 }), NOW)).toBe(true);
    expect(isEligible(relay('local', { receivedAt: 0, local: true }), NOW)).toBe(true);
  });

  it('prefers the first wanted region with an eligible relay, else any region', () => {
    const eu = relay('eu', { region: 'eu' });
    const us = relay('us', { region: 'us' });
    const euDraining = relay('eu2', { region: 'eu', state: 'draining' });
    const rng = createRng(11);
    const pick = (relays: FleetRelay[], regions: string[]) => chooseRelay(relays, { regions }, NOW, () => rng.next())?.id;
    for (let i = 0; i < 1_000; i++) {
      expect(pick([eu, us], ['eu', 'us'])).toBe('eu');
      expect(pick([eu, us], ['us'])).toBe('us');
      expect(pick([euDraining, us], ['eu', 'us'])).toBe('us');
      expect(pick([euDraining, us], ['ap'])).toBe('us');
    }
  });

  it('sessions assigned since the report raise the effective level, so a burst between reports spreads', () => {
    // No bindings yet: each assigned session counts DEFAULT_SESSION_PCT (1 %); 10 sessions = level 1.
    expect(effectiveLevel(relay('a', { assigned: 9 }))).toBe(0);
    expect(effectiveLevel(relay('a', { assigned: 10 }))).toBe(1);
    // 40 bindings at 20 %: 1 % per session (two bindings); 30 more sessions reach 50 %.
    expect(effectiveLevel(relay('b', { level: 2, bindings: 40, bindingsPct: 20, assigned: 30 }))).toBe(5);
    // Never below the relay's own level; level 9 by assignment makes it ineligible.
    expect(effectiveLevel(relay('c', { level: 6, assigned: 1 }))).toBe(6);
    expect(isEligible(relay('d', { bindings: 80, bindingsPct: 80, assigned: 5 }), NOW)).toBe(false);
    // A burst of 150 creates on two idle relays between reports, counting each pick: near even.
    const relays = [relay('x'), relay('y')];
    const rng = createRng(3);
    for (let i = 0; i < 150; i++) {
      const chosen = chooseRelay(relays, { regions: [] }, NOW, () => rng.next())!;
      const at = relays.findIndex((r) => r.id === chosen.id);
      relays[at] = { ...relays[at]!, assigned: relays[at]!.assigned + 1 };
    }
    const [x, y] = relays.map((r) => r.assigned);
    expect(x! + y!).toBe(150);
    expect(Math.max(x!, y!) / 75).toBeLessThan(1.15);
  });
});
