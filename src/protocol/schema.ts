/**
 * A small schema language for decoded msgpack values: each schema is a function that returns
 * the value typed or throws {@link SchemaError}; validate.ts turns that into a Result at the
 * boundary, so hostile input never escapes as an exception.
 */
import { isIP } from 'node:net';

export type Schema<T> = (value: unknown) => T;

/**
 * Why a value failed its schema: where (`path`, built on the way out so valid input never
 * pays for path strings) and what was expected.
 */
export class SchemaError extends Error {
  constructor(
    public path: string,
    readonly expected: string,
  ) {
    super();
  }

  /** Prefixes the path with the field or index it was found under. */
  within(segment: string): SchemaError {
    this.path = this.path ? `${segment}${this.path.startsWith('[') ? '' : '.'}${this.path}` : segment;
    return this;
  }

  override get message(): string {
    return `${this.path || 'message'}: expected ${this.expected}`;
  }
}

/** Runs `schema` on a nested value, adding `segment` to the path of a failure. */
function nested<T>(schema: Schema<T>, value: unknown, segment: string): T {
  try {
    return schema(value);
  } catch (error) {
    throw error instanceof SchemaError ? error.within(segment) : error;
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
  (value) => {
    if (typeof value !== 'string' || value.length > maxLength || value.length < minLength) {
      throw new SchemaError('', `a string of ${minLength}–${maxLength} characters`);
    }
    return value;
  };

export const integer =
  (min: number, max: number): Schema<number> =>
  (value) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new SchemaError('', `an integer in ${min}…${max}`);
    }
    return value;
  };

export const finiteNumber =
  (min: number, max: number): Schema<number> =>
  (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new SchemaError('', `a number in ${min}…${max}`);
    }
    return value;
  };

export const boolean: Schema<boolean> = (value) => {
  if (typeof value !== 'boolean') throw new SchemaError('', 'a boolean');
  return value;
};

export const literal =
  <T extends string | number>(expected: T): Schema<T> =>
  (value) => {
    if (value !== expected) throw new SchemaError('', JSON.stringify(expected));
    return expected;
  };

export const oneOf =
  <T extends string>(choices: readonly T[]): Schema<T> =>
  (value) => {
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      throw new SchemaError('', `one of ${choices.join(', ')}`);
    }
    return value as T;
  };

export const bytes =
  (maxLength: number): Schema<Uint8Array> =>
  (value) => {
    if (!(value instanceof Uint8Array) || value.length > maxLength) {
      throw new SchemaError('', `binary of at most ${maxLength} bytes`);
    }
    // A copy: the decoder hands out views into the frame (a Node Buffer), which would pin it.
    return new Uint8Array(value);
  };

export const array =
  <T>(item: Schema<T>, maxLength: number): Schema<T[]> =>
  (value) => {
    if (!Array.isArray(value) || value.length > maxLength) {
      throw new SchemaError('', `an array of at most ${maxLength} items`);
    }
    return value.map((entry, index) => nested(item, entry, `[${index}]`));
  };

/** A string-keyed map with bounded size; keys and values are checked. */
export const record =
  <T>(key: Schema<string>, item: Schema<T>, maxEntries: number): Schema<Record<string, T>> =>
  (value) => {
    if (!isPlainObject(value)) throw new SchemaError('', 'a map');
    const entries = Object.entries(value);
    if (entries.length > maxEntries) throw new SchemaError('', `a map of at most ${maxEntries} entries`);
    const out: Record<string, T> = Object.create(null) as Record<string, T>;
    for (const [k, v] of entries) {
      out[nested(key, k, '<key>')] = nested(item, v, k);
    }
    return { ...out };
  };

type Fields<T> = { [K in keyof T]-?: Schema<T[K]> };

/** Marks a field optional: absent (or nil) stays absent in the output. */
export function optional<T>(schema: Schema<T>): Schema<T | undefined> {
  return (value) => (value === undefined || value === null ? undefined : schema(value));
}

/**
 * A map with exactly these fields. Unknown fields are ignored (forward compatibility: a newer
 * peer may add fields), and never copied into the output.
 */
export function object<T>(fields: Fields<T>): Schema<T> {
  const keys = Object.keys(fields) as (keyof T & string)[];
  return (value) => {
    if (!isPlainObject(value)) throw new SchemaError('', 'a map');
    const out: Partial<T> = {};
    for (const key of keys) {
      const parsed = nested(fields[key] as Schema<T[typeof key]>, Object.hasOwn(value, key) ? value[key] : undefined, key);
      if (parsed !== undefined) out[key] = parsed;
    }
    return out as T;
  };
}

const endpointFields = object<{ address: string; port: number }>({ address: string(64, 2), port: integer(1, 65535) });

/** An IPv4 or IPv6 literal and a port 1–65535. */
export const endpoint: Schema<{ address: string; port: number }> = (value) => {
  const parsed = endpointFields(value);
  if (isIP(parsed.address) === 0) throw new SchemaError('address', 'an IPv4 or IPv6 literal');
  return parsed;
};
