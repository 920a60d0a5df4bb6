// Schemas of a PLUGIN_EVENT (its JSON data walked with a budget of depth and nodes, never past
// it) and of an error reply's detail: what a peer accepts of the plugin additions.
import type { ErrorDetail, JsonValue } from '../../core/index.js';
import {
  PROTOCOL_MAX_ERROR_REASON_CHARS,
  PROTOCOL_MAX_HOOK_ERROR_MESSAGE_CHARS,
  PROTOCOL_MAX_PLUGIN_EVENT_BYTES,
  PROTOCOL_MAX_PLUGIN_EVENT_CODE,
  PROTOCOL_MAX_PLUGIN_EVENT_DEPTH,
} from './constants.js';
import { EventType, type HookErrorEvent, type PluginEvent } from './messages.js';
import { SchemaError, integer, isPlainObject, literal, object, optional, string, type Schema } from './schema.js';

/**
 * JSON data of at most `maxNodes` values and `maxDepth` levels: type-checked as it is walked,
 * the walk stopping at the first value over either budget (a hostile frame cannot make it deep
 * or long). Numbers must be finite; maps must be plain.
 */
export function boundedJson(maxDepth: number, maxNodes: number): Schema<JsonValue> {
  return (value) => {
    let nodes = 0;
    const walk = (node: unknown, depth: number): JsonValue => {
      if (++nodes > maxNodes) throw new SchemaError('', `JSON of at most ${maxNodes} values`);
      if (node === null || typeof node === 'boolean' || typeof node === 'string') return node;
      if (typeof node === 'number') {
        if (!Number.isFinite(node)) throw new SchemaError('', 'a finite number');
        return node;
      }
      if (depth >= maxDepth) throw new SchemaError('', `JSON at most ${maxDepth} levels deep`);
      if (Array.isArray(node)) {
        if (node.length > maxNodes) throw new SchemaError('', `JSON of at most ${maxNodes} values`);
        const out: JsonValue[] = [];
        for (const item of node as unknown[]) out.push(walk(item, depth + 1));
        return out;
      }
      if (!isPlainObject(node)) throw new SchemaError('', 'JSON (null, boolean, number, string, array, map)');
      const out: { [key: string]: JsonValue } = {};
      for (const key in node) {
        if (!Object.hasOwn(node, key)) continue;
        out[key] = walk(node[key], depth + 1);
      }
      return out;
    };
    return walk(value, 0);
  };
}

/** Every value of the data takes at least one byte, so its encoded cap bounds the count too. */
const pluginData = boundedJson(PROTOCOL_MAX_PLUGIN_EVENT_DEPTH, PROTOCOL_MAX_PLUGIN_EVENT_BYTES);

export const pluginEvent: Schema<PluginEvent> = object<PluginEvent>({
  type: literal(EventType.PLUGIN_EVENT),
  code: integer(0, PROTOCOL_MAX_PLUGIN_EVENT_CODE),
  data: optional(pluginData),
  from: literal(0),
});

export const errorDetail: Schema<ErrorDetail> = object<ErrorDetail>({
  reason: optional(string(PROTOCOL_MAX_ERROR_REASON_CHARS)),
  /** The auth provider's ResultCode (AUTH_FAILED; docs/auth.md). */
  resultCode: optional(integer(-(2 ** 31), 2 ** 31 - 1)),
  hook: optional(string(PROTOCOL_MAX_ERROR_REASON_CHARS)),
});

export const hookErrorEvent: Schema<HookErrorEvent> = object<HookErrorEvent>({
  type: literal(EventType.HOOK_ERROR),
  hook: string(PROTOCOL_MAX_ERROR_REASON_CHARS),
  message: string(PROTOCOL_MAX_HOOK_ERROR_MESSAGE_CHARS),
});
