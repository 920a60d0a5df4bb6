// chooseRelay: Photon's weighted random by effective load level, eligibility, region preference, placement statistics.
import { describe, expect, it } from 'vitest';
import { PHOTON_V5_WEIGHTS, chooseRelay, effectiveLevel, isEligible, type FleetRelay } from '../../../../src/fleet/index.js';
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
  it('over 100,000 seeded picks, matches the Photon v5 weights by level (chi-square, p > 0.01)', () => {
    // One relay per level 0–8 (level 9 has weight 0 and is never eligible).
    const relays = Array.from({ length: 9 }, (_, level) => relay(`r${level}`, { level }));
    const rng = createRng(0x5eed);
    const picks = 100_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < picks; i++) {
      const chosen = chooseRelay(relays, { regions: [] }, NOW, () => rng.next())!;
      counts.set(chosen.id, (counts.get(chosen.id) ?? 0) + 1);
    }
    const weights = PHOTON_V5_WEIGHTS.slice(0, 9);
    const total = weights.reduce((a, b) => a + b, 0);
    const expected = weights.map((w) => (picks * w) / total);
    const observed = relays.map((r) => counts.get(r.id) ?? 0);
    const statistic = chiSquare(observed, expected);
    expect(statistic).toBeLessThan(CHI2_CRITICAL_01[8]!);
    // The test can fail: uniform choice instead of weighted would be far outside.
    expect(chiSquare(observed, weights.map(() => picks / 9))).toBeGreaterThan(1_000);
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
