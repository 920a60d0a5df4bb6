// JSON from a game's backend: the value type, and a parse that bounds bytes and nesting before
// anyone walks the result.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Nesting a backend's answer may have: deeper JSON is refused, so no walk over it can overflow a stack. */
export const MAX_JSON_DEPTH = 32;

/**
 * Parses UTF-8 JSON of at most `maxBytes`, nested at most `maxDepth` deep (checked with an explicit
 * stack). Undefined when it is too large, not JSON, or too deep.
 */
export function parseBoundedJson(bytes: Uint8Array, maxBytes: number, maxDepth: number = MAX_JSON_DEPTH): JsonValue | undefined {
  if (bytes.length > maxBytes) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  } catch {
    return undefined;
  }
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= maxDepth) return undefined;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return value as JsonValue;
}

/** A field by Photon's PascalCase name, else its camelCase alias (`ResultCode`, `resultCode`): own keys only. */
export function photonField(answer: Readonly<Record<string, unknown>>, pascal: string): unknown {
  if (Object.hasOwn(answer, pascal)) return answer[pascal];
  const camel = pascal[0]!.toLowerCase() + pascal.slice(1);
  return Object.hasOwn(answer, camel) ? answer[camel] : undefined;
}

/** Whether a parsed value is a JSON object (not an array, not null). */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
