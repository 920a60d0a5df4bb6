/**
 * A small schema language for decoded msgpack values: each schema is a function that returns
 * the value typed or throws {@link SchemaError}; validate.ts turns that into a Result at the
 * boundary, so hostile input never escapes as an exception.
 */
import { isIP } from 'node:net';

export type Schema<T> = (value: unknown, path: string) => T;

/** Why a value failed its schema: where (`path`) and what was expected. */
export class SchemaError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(`${path || 'message'}: expected ${expected}`);
  }
}

/** Plain objects only: decoded extension types (Set, Error, RegExp, Date) never pass. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export const string =
  (maxLength: number, minLength = 0): Schema<string> =>
  (value, path) => {
    if (typeof value !== 'string' || value.length > maxLength || value.length < minLength) {
      throw new SchemaError(path, `a string of ${minLength}–${maxLength} characters`);
    }
    return value;
  };

export const integer =
  (min: number, max: number): Schema<number> =>
  (value, path) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new SchemaError(path, `an integer in ${min}…${max}`);
    }
    return value;
  };

export const finiteNumber =
  (min: number, max: number): Schema<number> =>
  (value, path) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new SchemaError(path, `a number in ${min}…${max}`);
    }
    return value;
  };

export const boolean: Schema<boolean> = (value, path) => {
  if (typeof value !== 'boolean') throw new SchemaError(path, 'a boolean');
  return value;
};

export const literal =
  <T extends string | number>(expected: T): Schema<T> =>
  (value, path) => {
    if (value !== expected) throw new SchemaError(path, JSON.stringify(expected));
    return expected;
  };

export const oneOf =
  <T extends string>(choices: readonly T[]): Schema<T> =>
  (value, path) => {
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      throw new SchemaError(path, `one of ${choices.join(', ')}`);
    }
    return value as T;
  };

export const bytes =
  (maxLength: number): Schema<Uint8Array> =>
  (value, path) => {
    if (!(value instanceof Uint8Array) || value.length > maxLength) {
      throw new SchemaError(path, `binary of at most ${maxLength} bytes`);
    }
    // A copy: the decoder hands out views into the frame (a Node Buffer), which would pin it.
    return new Uint8Array(value);
  };

export const array =
  <T>(item: Schema<T>, maxLength: number): Schema<T[]> =>
  (value, path) => {
    if (!Array.isArray(value) || value.length > maxLength) {
      throw new SchemaError(path, `an array of at most ${maxLength} items`);
    }
    return value.map((entry, index) => item(entry, `${path}[${index}]`));
  };

/** A string-keyed map with bounded size; keys and values are checked. */
export const record =
  <T>(key: Schema<string>, item: Schema<T>, maxEntries: number): Schema<Record<string, T>> =>
  (value, path) => {
    if (!isPlainObject(value)) throw new SchemaError(path, 'a map');
    const entries = Object.entries(value);
    if (entries.length > maxEntries) throw new SchemaError(path, `a map of at most ${maxEntries} entries`);
    const out: Record<string, T> = Object.create(null) as Record<string, T>;
    for (const [k, v] of entries) {
      out[key(k, `${path}.<key>`)] = item(v, `${path}.${k}`);
    }
    return { ...out };
  };

type Fields<T> = { [K in keyof T]-?: Schema<T[K]> };

/** Marks a field optional: absent (or nil) stays absent in the output. */
export function optional<T>(schema: Schema<T>): Schema<T | undefined> {
  return (value, path) => (value === undefined || value === null ? undefined : schema(value, path));
}

/**
 * A map with exactly these fields. Unknown fields are ignored (forward compatibility: a newer
 * peer may add fields), and never copied into the output.
 */
export function object<T>(fields: Fields<T>): Schema<T> {
  const keys = Object.keys(fields) as (keyof T & string)[];
  return (value, path) => {
    if (!isPlainObject(value)) throw new SchemaError(path, 'a map');
    const out: Partial<T> = {};
    for (const key of keys) {
      const schema = fields[key] as Schema<T[typeof key]>;
      const parsed = schema(Object.hasOwn(value, key) ? value[key] : undefined, path ? `${path}.${key}` : key);
      if (parsed !== undefined) out[key] = parsed;
    }
    return out as T;
  };
}

/** An IPv4 or IPv6 literal and a port 1–65535. */
export const endpoint: Schema<{ address: string; port: number }> = (value, path) => {
  const parsed = object<{ address: string; port: number }>({
    address: string(64, 2),
    port: integer(1, 65535),
  })(value, path);
  if (isIP(parsed.address) === 0) throw new SchemaError(`${path}.address`, 'an IPv4 or IPv6 literal');
  return parsed;
};
