// The one NAT vocabulary: RFC 4787 axes, classic names, the signaling protocol's spelling.
import { describe, expect, it } from 'vitest';
import {
  CLASSIC_NAT_AXES,
  NAT_BEHAVIOR_KINDS,
  REPORTED_NAT_TYPES,
  natTypeOf,
  reportedNatType,
  type ClassicNatType,
} from '../../../core/index.js';
import { NAT_TYPES } from '../../../src/protocol/index.js';
import { NAT_BEHAVIORS, NAT_PRESETS } from '../../../vnet/index.js';

describe('NAT vocabulary', () => {
  it('names every axis pair, and every classic name back from its axes', () => {
    const names = NAT_BEHAVIOR_KINDS.flatMap((mapping) => NAT_BEHAVIOR_KINDS.map((filtering) => natTypeOf(true, mapping, filtering)));
    expect(names).toEqual([
      'full-cone',
      'restricted-cone',
      'port-restricted-cone',
      ...Array<string>(6).fill('symmetric'),
    ]);
    for (const [name, axes] of Object.entries(CLASSIC_NAT_AXES)) {
      expect(natTypeOf(true, axes.mapping, axes.filtering)).toBe(name);
    }
    expect(natTypeOf(false, 'endpoint-independent', 'endpoint-independent')).toBe('open-internet');
  });

  it('spells each label as the signaling protocol did before (the wire format does not change)', () => {
    expect(REPORTED_NAT_TYPES).toEqual(['open', 'fullCone', 'restrictedCone', 'portRestrictedCone', 'symmetric', 'unknown']);
    expect(NAT_TYPES).toBe(REPORTED_NAT_TYPES);
    expect(reportedNatType('open-internet')).toBe('open');
    expect(reportedNatType('port-restricted-cone')).toBe('portRestrictedCone');
    expect(reportedNatType(undefined)).toBe('unknown');
  });

  it('is the virtual network\'s vocabulary too', () => {
    expect(NAT_BEHAVIORS).toEqual(NAT_BEHAVIOR_KINDS);
    for (const [name, preset] of Object.entries(NAT_PRESETS)) {
      const axes = CLASSIC_NAT_AXES[name as ClassicNatType];
      expect({ mapping: preset.mapping, filtering: preset.filtering }).toEqual(axes);
    }
  });
});
