// The CLI's key=value flags (--prop, --filter): typed so `--filter rank=5` finds {rank: 5}.
import { describe, expect, it } from 'vitest';
import { keyValues, typedValue } from '../../../cli/output.js';
import { UsageError } from '../../../cli/io.js';

describe('key=value flags', () => {
  it('reads numbers and booleans as typed values, quoted values and anything else as strings', () => {
    expect(keyValues('filter', ['rank=5', 'ok=true', 'off=false', 'ratio=0.5', 'neg=-2', 'map=dust', 'text="5"', 'eq=a=b'])).toEqual({
      rank: 5,
      ok: true,
      off: false,
      ratio: 0.5,
      neg: -2,
      map: 'dust',
      text: '5',
      eq: 'a=b',
    });
  });

  it('keeps values that would not read back as written as strings', () => {
    for (const text of ['1.10', '007', '1e3', '0x10', ' 5', '', 'Infinity', 'NaN', 'True', '"']) expect(typedValue(text)).toBe(text);
    expect(typedValue('""')).toBe('');
  });

  it('refuses a flag without a key', () => {
    expect(() => keyValues('prop', ['novalue'])).toThrow(UsageError);
    expect(() => keyValues('prop', ['=5'])).toThrow(UsageError);
  });
});
