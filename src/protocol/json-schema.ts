// A JSON value carried in msgpack (WebRPC params and answers): plain data only, bounded in depth
// and in items, checked with an explicit stack so hostile nesting cannot overflow one.
import type { JsonValue } from '../../core/index.js';
import { SchemaError, isPlainObject, type Schema } from './schema.js';

/**
 * JSON data: null, booleans, finite numbers, strings, arrays and plain objects, at most `maxDepth`
 * deep and `maxItems` values in all. Binary, extension types and non-finite numbers are refused.
 */
export const jsonValue =
  (maxDepth: number, maxItems: number): Schema<JsonValue> =>
  (value) => {
    const stack: Array<[unknown, number]> = [[value, 0]];
    let items = 0;
    while (stack.length > 0) {
      const [item, depth] = stack.pop()!;
      if (++items > maxItems) throw new SchemaError('', `JSON data of at most ${maxItems} values`);
      if (item === null || typeof item === 'boolean' || typeof item === 'string') continue;
      if (typeof item === 'number') {
        if (!Number.isFinite(item)) throw new SchemaError('', 'JSON data (finite numbers only)');
        continue;
      }
      if (depth >= maxDepth) throw new SchemaError('', `JSON data nested at most ${maxDepth} deep`);
      if (Array.isArray(item)) for (const child of item) stack.push([child, depth + 1]);
      else if (isPlainObject(item)) for (const key of Object.keys(item)) stack.push([item[key], depth + 1]);
      else throw new SchemaError('', 'JSON data (null, booleans, numbers, strings, arrays and maps)');
    }
    return value as JsonValue;
  };
