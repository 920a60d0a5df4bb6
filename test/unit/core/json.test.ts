// Bounded JSON: size and depth are checked before a caller walks the value.
import { describe, expect, it } from 'vitest';
import { isJsonObject, parseBoundedJson } from '../../../core/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('parseBoundedJson', () => {
  it('parses JSON within the bounds', () => {
    expect(parseBoundedJson(bytes('{"ResultCode":1,"Data":{"a":[1,2]}}'), 1024)).toEqual({ ResultCode: 1, Data: { a: [1, 2] } });
    expect(parseBoundedJson(bytes('"x"'), 1024)).toBe('x');
  });

  it('refuses what is too large, not JSON, or nested too deep', () => {
    expect(parseBoundedJson(bytes('{"a":1}'), 3)).toBeUndefined();
    expect(parseBoundedJson(bytes('{"a":'), 1024)).toBeUndefined();
    expect(parseBoundedJson(bytes(''), 1024)).toBeUndefined();
    expect(parseBoundedJson(bytes('['.repeat(100_000) + ']'.repeat(100_000)), 1_000_000)).toBeUndefined();
    expect(parseBoundedJson(bytes('['.repeat(5) + ']'.repeat(5)), 1024, 4)).toBeUndefined();
    expect(parseBoundedJson(bytes('['.repeat(4) + ']'.repeat(4)), 1024, 4)).toEqual([[[[]]]]);
  });

  it('tells objects from arrays and null', () => {
    expect(isJsonObject({ a: 1 })).toBe(true);
    expect(isJsonObject([1])).toBe(false);
    expect(isJsonObject(null)).toBe(false);
    expect(isJsonObject(undefined)).toBe(false);
  });
});
