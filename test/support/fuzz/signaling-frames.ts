// Signaling-frame generators for the fuzz test: valid requests with mutated fields (structure-
// aware), hostile msgpack (extension types, deep nesting, huge maps) and random bytes.
//
// The cloud scans every frame before decoding it (src/protocol/scan.ts): an extension type, a
// non-string map key or nesting deeper than PROTOCOL_MAX_DEPTH anywhere closes the connection
// (4000). So mutated requests draw only values the scan admits (hostile in every other way:
// special keys, toString maps, bad UTF-8, huge strings and maps, nesting up to the limit), and
// reach the validator and the handlers; what the scan refuses comes as frames marked `refused`,
// each the last of its connection's script.
import { PROTOCOL_MAX_DEPTH } from '../../../src/protocol/index.js';
import { RequestType } from '../../../src/protocol/index.js';
import { mp, type Wire } from './msgpack.js';
import type { Rng } from './random.js';

/** One frame to send, with a label saying how it was made (for failure reports). */
export interface FuzzFrame {
  kind: string;
  bytes: Uint8Array;
  /** Send as a WebSocket text frame instead of binary. */
  text?: boolean;
  /**
   * Built so the cloud must close the connection for it: it fails the scan (or is a text frame,
   * or too large). Nothing after it on the connection would be read.
   */
  refused?: boolean;
}

/**
 * Containers a request's field value may nest and still pass the scan: the request map is one
 * level of PROTOCOL_MAX_DEPTH, so a field holds at most PROTOCOL_MAX_DEPTH - 1 more.
 */
export const FIELD_NESTING_LIMIT = PROTOCOL_MAX_DEPTH - 1;

/** What structure-aware frames may name. */
export interface SignalingContext {
  /** The app id hello names. */
  appId: string;
  /**
   * Addresses reported in REPORT_ADDRESSES. A peer in a real game pings what is reported, so
   * a connection inside the healthy session reports only the fuzzer's own sockets; elsewhere
   * nobody acts on them and any loopback port will do.
   */
  endpoints?: ReadonlyArray<{ address: string; port: number }>;
  /** Never ask to close or hide a session (the healthy one must stay joinable and listed). */
  keepSessionsOpen?: boolean;
  /** Session names the fuzz connections share, so creates, joins and leaves collide. */
  names: readonly string[];
}

type Entries = Array<[Wire, Wire]>;

const SPECIAL_KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype', 'then', 'toJSON'];

/** msgpackr's 0x42 BigInt extension: big-endian two's complement of any length. */
function bigIntExt(rng: Rng): Wire {
  const length = rng.pick([1, 2, 4, 8, 9, 16, 33, 64, 256, 2048]);
  return mp.ext(0x42, rng.bytes(length));
}

/** Timestamp extension (-1): the three valid lengths and some invalid ones. */
function timestampExt(rng: Rng): Wire {
  return mp.ext(0xff, rng.bytes(rng.pick([4, 8, 12, 0, 1, 3, 16])));
}

/** The other msgpackr extensions, well-formed (value follows the 1-byte ext) or garbled. */
function otherExt(rng: Rng, depth: number): Wire {
  const next = (): Wire => weird(rng, depth + 1).wire;
  switch (rng.int(9)) {
    case 0: // Set
      return mp.concat([Uint8Array.of(0xd4, 0x73, 0x00), mp.arr([next(), next()])]);
    case 1: // RegExp: a pattern and flags, sometimes invalid or catastrophic
      return mp.concat([
        Uint8Array.of(0xd4, 0x78, 0x00),
        mp.arr([mp.str(rng.pick(['(a+)+$', '[', '(?<x>a)\\k<x>', '.*'.repeat(50), ''])), mp.str(rng.pick(['g', 'gimsuy', 'zz', '']))]),
      ]);
    case 2: // Error: [name, message, cause]
      return mp.concat([
        Uint8Array.of(0xd4, 0x65, 0x00),
        mp.arr([mp.str(rng.pick(['TypeError', '__proto__', 'constructor', 'toString', 'Error'])), mp.str('x'), next()]),
      ]);
    case 3: // typed array, any code
      return mp.ext(0x74, mp.concat([Uint8Array.of(rng.int(20)), rng.bytes(rng.pick([0, 1, 3, 8, 64]))]));
    case 4: // structured-clone id and pointer (disabled: must be refused)
      return mp.concat([mp.ext(rng.pick([0x69, 0x70]), rng.bytes(4)), next()]);
    case 5: // bundled strings with lying sizes
      return mp.ext(0x62, rng.bytes(rng.pick([4, 8])));
    case 6: // extension 0 ("undefined")
      return mp.ext(0, rng.bytes(rng.pick([1, 2, 4])));
    case 7: // records / structures (disabled)
      return mp.ext(rng.range(0x40, 0x7f), rng.bytes(rng.pick([1, 2, 4, 8, 16, 20])));
    default: // any type byte, any length
      return mp.ext(rng.int(256), rng.bytes(rng.int(40)));
  }
}

/** A deeply nested array or map: `depth` levels around a small value. */
export function deepNest(rng: Rng, depth: number): Wire {
  const asMap = rng.chance(0.5);
  const key = mp.str(rng.pick(['a', 'type', '__proto__', 'properties']));
  const open = asMap ? mp.concat([Uint8Array.of(0x81), key]) : Uint8Array.of(0x91);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < depth; i++) parts.push(open);
  parts.push(mp.int(1));
  return mp.concat(parts);
}

/** A string of `length` characters from a hostile alphabet. */
function longString(rng: Rng, length: number): string {
  // Multi-byte alphabets only for shorter strings, so most frames stay under the 16 KiB cap.
  const alphabet = length > 4_100 ? rng.pick(['a', '\u0000', '%s%n']) : rng.pick(['a', 'é', '😀', '\u0000', '\u202e', 'ab\n', '%s%n']);
  return alphabet.repeat(Math.ceil(length / alphabet.length)).slice(0, length);
}

const manyKeysCache = new Map<string, Wire>();

/** A property map with `count` keys (built once per shape: the content never varies). */
function manyKeys(rng: Rng, count: number): Wire {
  const scalar = rng.chance(0.5);
  const key = `${count}:${scalar}`;
  let map = manyKeysCache.get(key);
  if (!map) {
    const entries: Array<readonly [string, Wire]> = [];
    for (let i = 0; i < count; i++) entries.push([`k${i}`, scalar ? mp.int(i) : mp.str('v')]);
    manyKeysCache.set(key, (map = mp.obj(entries)));
  }
  return map;
}

/**
 * A hostile value for a field `depth` containers below the request map. `plain`: only what the
 * cloud's scan admits (no extensions, string keys, nesting within the limit), so the value
 * reaches the validator; otherwise anything, and the frame may be refused.
 */
export function weird(rng: Rng, depth = 0, plain = false): { wire: Wire; label: string } {
  const leaf = depth > 3;
  let choice = rng.int(leaf ? 8 : 16);
  // Extensions in plain mode: a big integer, a float or a map instead (same odds for the rest).
  if (plain && choice >= 7 && choice <= 9) choice = rng.pick([2, 3, leaf ? 4 : 15]);
  switch (choice) {
    case 0:
      return { wire: mp.nil(), label: 'nil' };
    case 1:
      return { wire: mp.bool(rng.chance(0.5)), label: 'bool' };
    case 2: {
      const n = rng.pick<number | bigint>([0, -1, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 64n - 1n, -(2 ** 31), 65536, 86_400_001]);
      return { wire: mp.int(n), label: `int ${n}` };
    }
    case 3: {
      const x = rng.pick([Number.NaN, Infinity, -Infinity, -0, 1.5, 1e308, 5e-324, 1.0000001]);
      return { wire: rng.chance(0.2) ? mp.float32(x) : mp.float64(x), label: `float ${x}` };
    }
    case 4: {
      const s = rng.chance(0.3) ? longString(rng, rng.range(257, 6_000)) : rng.pick(['', 'a', ...SPECIAL_KEYS, '127.0.0.1', '::1', 'direct', 'relay', 'server']);
      return { wire: mp.str(s), label: `str(${s.length})` };
    }
    case 5: // invalid UTF-8 and lone surrogates
      return { wire: mp.strBytes(rng.pick([Uint8Array.of(0xff, 0xfe), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0xc0, 0x80), rng.bytes(rng.int(64))])), label: 'bad-utf8' };
    case 6:
      return { wire: mp.bin(rng.bytes(rng.int(rng.chance(0.1) ? 4000 : 300))), label: 'bin' };
    case 7:
      return { wire: bigIntExt(rng), label: 'ext42-bigint' };
    case 8:
      return { wire: timestampExt(rng), label: 'ext-timestamp' };
    case 9:
      return { wire: otherExt(rng, depth), label: 'ext-other' };
    case 10: // {toString: 1} and friends: objects that break String() and template literals
      return {
        wire: mp.obj(rng.pick<Array<[string, Wire]>>([[['toString', mp.int(1)]], [['valueOf', mp.int(1)], ['toString', mp.int(1)]], [['toJSON', mp.int(1)]], [['toString', mp.str('x')]]])),
        label: 'toString-map',
      };
    case 11:
      return { wire: mp.obj([['__proto__', mp.obj([['polluted', mp.bool(true)], ['toString', mp.int(1)]])]]), label: '__proto__-map' };
    case 12: {
      // The value itself is container depth + 1; plain nesting ends exactly at the limit.
      const room = FIELD_NESTING_LIMIT - depth;
      const depthWanted = plain ? rng.pick([1, room - 1, room, room]) : rng.pick([room + 1, 50, 500, 3000, 10_000]);
      return { wire: deepNest(rng, depthWanted), label: `nest ${depthWanted}` };
    }
    case 13:
      return { wire: manyKeys(rng, rng.pick([129, 500, 1500])), label: 'many-keys' };
    case 14: {
      const items: Wire[] = [];
      for (let i = rng.int(5); i > 0; i--) items.push(weird(rng, depth + 1, plain).wire);
      return { wire: mp.arr(items), label: 'array' };
    }
    default: {
      const entries: Entries = [];
      for (let i = rng.int(5); i > 0; i--) entries.push([weirdKey(rng, depth, plain), weird(rng, depth + 1, plain).wire]);
      return { wire: mp.map(entries), label: 'map' };
    }
  }
}

/** A map key: usually a string (often a special one), sometimes (unless `plain`) a non-string. */
function weirdKey(rng: Rng, depth: number, plain = false): Wire {
  switch (plain ? rng.range(3, 8) : rng.int(8)) {
    case 0:
      return mp.int(rng.pick([0, 1, -1, 2 ** 32]));
    case 1:
      return mp.bin(rng.bytes(rng.int(8)));
    case 2:
      return depth > 2 ? mp.nil() : weird(rng, depth + 1).wire;
    case 3:
    case 4:
      return mp.str(rng.pick(SPECIAL_KEYS));
    case 8: // plain only: a key of bad UTF-8 or a long one
      return rng.chance(0.5) ? mp.strBytes(rng.pick([Uint8Array.of(0xff, 0xfe), Uint8Array.of(0xed, 0xa0, 0x80)])) : mp.str(longString(rng, rng.range(100, 3000)));
    default:
      return mp.str(rng.pick(['type', 'id', 'name', 'properties', 'x', '']));
  }
}

const NAT_TYPES = ['open', 'fullCone', 'restrictedCone', 'portRestrictedCone', 'symmetric', 'unknown'];

function endpointWire(rng: Rng, ctx: SignalingContext): Wire {
  const own = ctx.endpoints && ctx.endpoints.length > 0 ? rng.pick(ctx.endpoints) : undefined;
  return mp.obj([
    ['address', mp.str(own?.address ?? rng.pick(['127.0.0.1', '::1']))],
    ['port', mp.int(own?.port ?? rng.range(1, 65535))],
  ]);
}

function properties(rng: Rng): Wire {
  const entries: Array<readonly [string, Wire]> = [];
  for (let i = rng.int(4); i > 0; i--) {
    entries.push([rng.pick(['map', 'mode', 'level', 'k']), rng.pick([mp.str(rng.pick(['dust', 'nuke'])), mp.int(rng.int(10)), mp.bool(true), mp.nil()])]);
  }
  return mp.obj(entries);
}

/** A valid request of `type` as a list of entries (key, value), ready to be mutated. */
export function validRequest(rng: Rng, type: number, id: number, ctx: SignalingContext): Array<[string, Wire]> {
  const base: Array<[string, Wire]> = [
    ['type', mp.int(type)],
    ['id', mp.int(id)],
  ];
  const name = (): Wire => mp.str(rng.pick(ctx.names));
  const createOptions = (): Array<[string, Wire]> => {
    const out: Array<[string, Wire]> = [];
    if (rng.chance(0.5)) out.push(['maxPlayers', mp.int(rng.range(1, 8))]);
    if (rng.chance(0.3)) out.push(['open', mp.bool(rng.chance(0.8))]);
    if (rng.chance(0.3)) out.push(['visible', mp.bool(rng.chance(0.8))]);
    if (rng.chance(0.5)) out.push(['properties', properties(rng)]);
    if (rng.chance(0.3)) out.push(['lobbyKeys', mp.arr([mp.str('map'), mp.str('mode')])]);
    if (rng.chance(0.3)) out.push(['playerTtlMs', mp.int(rng.pick([0, 100, 2_000]))]);
    if (rng.chance(0.3)) out.push(['emptySessionTtlMs', mp.int(rng.pick([0, 100, 2_000]))]);
    return out;
  };
  switch (type) {
    case RequestType.HELLO:
      return [...base, ['appId', mp.str(ctx.appId)], ['appVersion', mp.str('1')], ['protocolVersion', mp.int(1)]];
    case RequestType.CREATE:
      return [...base, ...(rng.chance(0.8) ? [['name', name()] as [string, Wire]] : []), ...createOptions()];
    case RequestType.JOIN:
      return [...base, ['name', name()], ['createIfNotExists', mp.bool(rng.chance(0.5))], ...createOptions()];
    case RequestType.JOIN_RANDOM:
      return [...base, ...(rng.chance(0.5) ? [['filter', properties(rng)] as [string, Wire]] : [])];
    case RequestType.REJOIN:
      return [...base, ['sessionId', mp.str(Buffer.from(rng.bytes(12)).toString('base64url'))], ['actor', mp.int(rng.range(1, 5))], ['rejoinToken', mp.str(Buffer.from(rng.bytes(18)).toString('base64url'))]];
    case RequestType.LEAVE:
      return base;
    case RequestType.LIST:
      return [...base, ...(rng.chance(0.5) ? [['filter', properties(rng)] as [string, Wire]] : []), ...(rng.chance(0.5) ? [['limit', mp.int(rng.range(1, 100))] as [string, Wire]] : [])];
    case RequestType.SET_PROPERTIES: {
      const out = [...base];
      if (rng.chance(0.7)) out.push(['properties', properties(rng)]);
      if (rng.chance(0.3)) out.push(['expected', properties(rng)]);
      if (rng.chance(0.3)) out.push(['lobbyKeys', mp.arr([mp.str('map')])]);
      if (!ctx.keepSessionsOpen && rng.chance(0.3)) out.push(['open', mp.bool(rng.chance(0.5))]);
      if (!ctx.keepSessionsOpen && rng.chance(0.3)) out.push(['visible', mp.bool(rng.chance(0.5))]);
      return out;
    }
    case RequestType.REPORT_ADDRESSES: {
      const local: Wire[] = [];
      for (let i = rng.range(0, 3); i > 0; i--) local.push(endpointWire(rng, ctx));
      const out: Array<[string, Wire]> = [...base, ['local', mp.arr(local)]];
      if (rng.chance(0.7)) out.push(['reflexive', endpointWire(rng, ctx)]);
      if (rng.chance(0.5)) out.push(['natType', mp.str(rng.pick(NAT_TYPES))]);
      return out;
    }
    default:
      return [...base, ['peerId', mp.str(Buffer.from(rng.bytes(9)).toString('base64url'))], ['path', mp.str(rng.pick(['direct', 'relay']))], ['ms', mp.num(rng.pick([0, 12.5, 3000]))]];
  }
}

const REQUEST_TYPES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** A type value that is not a request type, or a request type in a hostile form. */
function weirdType(rng: Rng): { wire: Wire; label: string } {
  switch (rng.int(6)) {
    // Every form here passes the scan (extension-typed types are refusedValue's).
    case 0: {
      const n = rng.pick<number | bigint>([0, 11, 20, 21, 30, 36, 255, -1, 2 ** 32 + 1, 2n ** 64n - 1n]);
      return { wire: mp.int(n), label: `type ${n}` };
    }
    case 1:
      return { wire: mp.str(rng.pick(['1', 'hello', '__proto__', 'constructor', 'toString', 'hasOwnProperty'])), label: 'type str' };
    case 2:
      return { wire: mp.float64(rng.pick([1.5, 1, Number.NaN, Infinity])), label: 'type float' };
    case 3:
      return { wire: mp.int(rng.pick<number | bigint>([2n ** 63n, -(2n ** 63n), 2n ** 64n - 1n, 2 ** 53 + 2])), label: 'type int64' };
    default: {
      const w = weird(rng, 0, true);
      return { wire: w.wire, label: `type ${w.label}` };
    }
  }
}

/** Applies 1–3 mutations to a request's entries; returns the frame and what was done. */
function mutate(rng: Rng, entries: Array<[string, Wire]>): { wire: Wire; label: string } {
  const map: Entries = entries.map(([k, v]) => [mp.str(k), v]);
  const labels: string[] = [];
  for (let n = rng.range(1, 3); n > 0; n--) {
    const at = rng.int(map.length || 1);
    switch (rng.int(10)) {
      case 0:
      case 1: {
        if (map.length === 0) break;
        const w = weird(rng, 0, true);
        map[at]![1] = w.wire;
        labels.push(`field=${w.label}`);
        break;
      }
      case 2:
        if (map.length > 0) map.splice(at, 1);
        labels.push('drop-field');
        break;
      case 3: {
        const w = weird(rng, 0, true);
        map.push([weirdKey(rng, 0, true), w.wire]);
        labels.push(`extra=${w.label}`);
        break;
      }
      case 4: {
        const t = weirdType(rng);
        map.push([mp.str('type'), t.wire]);
        labels.push(`dup-${t.label}`);
        break;
      }
      case 5: {
        const t = weirdType(rng);
        if (map.length > 0) map[0]![1] = t.wire;
        labels.push(t.label);
        break;
      }
      case 6: {
        const w = rng.chance(0.5) ? weird(rng, 0, true) : { wire: mp.int(rng.pick<number | bigint>([0, -1, 2 ** 31, 2 ** 53, -(2n ** 63n)])), label: 'id-range' };
        if (map.length > 1) map[1]![1] = w.wire;
        labels.push(`id=${w.label}`);
        break;
      }
      case 7:
        if (map.length > 0) map[at]![0] = weirdKey(rng, 0, true);
        labels.push('key');
        break;
      case 8:
        map.push([mp.str(rng.pick(['properties', 'filter', 'expected'])), manyKeys(rng, rng.pick([129, 1000, 2000]))]);
        labels.push('many-keys');
        break;
      default: {
        const field = rng.pick(['name', 'appId', 'peerId', 'sessionId', 'rejoinToken', 'appVersion']);
        map.push([mp.str(field), mp.str(longString(rng, rng.pick([257, 4097, 4097, 12_000])))]);
        labels.push(`huge-${field}`);
      }
    }
  }
  return { wire: mp.map(map), label: labels.join(',') };
}

/** A value the scan refuses wherever it stands: an extension, a non-string key, or too deep. */
function refusedValue(rng: Rng): { wire: Wire; label: string } {
  switch (rng.int(6)) {
    case 0:
      return { wire: bigIntExt(rng), label: 'ext42-bigint' };
    case 1:
      return { wire: timestampExt(rng), label: 'ext-timestamp' };
    case 2:
      return { wire: otherExt(rng, 0), label: 'ext-other' };
    case 3: {
      const depth = rng.pick([FIELD_NESTING_LIMIT + 1, FIELD_NESTING_LIMIT + 1, 50, 3000, 10_000]);
      return { wire: deepNest(rng, depth), label: `nest ${depth}` };
    }
    case 4: {
      const key = rng.pick([mp.int(rng.pick([0, 1, -1, 2 ** 32])), mp.bin(rng.bytes(rng.int(8))), mp.nil(), mp.bool(true), mp.float64(1.5), mp.arr([mp.str('k')]), mp.obj([['a', mp.int(1)]])]);
      return { wire: mp.map([[mp.str('ok'), mp.int(1)], [key, weird(rng, 1, true).wire]]), label: 'non-string-key' };
    }
    default: {
      // Deep inside a plain container: the scan looks at every item.
      const inner = refusedValue(rng);
      return { wire: mp.arr([mp.str('a'), mp.obj([['b', mp.arr([inner.wire])]])]), label: `inside:${inner.label}` };
    }
  }
}

/**
 * A request with one refused value (as a field, the type, the id, or under a non-string key
 * at the top): the cloud must close the connection for it (4000).
 */
export function refusedFrame(rng: Rng, id: number, ctx: SignalingContext, types: readonly number[] = REQUEST_TYPES): FuzzFrame {
  const type = rng.pick(types);
  const map: Entries = validRequest(rng, type, id, ctx).map(([k, v]) => [mp.str(k), v]);
  const value = refusedValue(rng);
  const where = rng.int(4);
  if (where === 0 && map.length > 0) map[0]![1] = value.wire;
  else if (where === 1 && map.length > 1) map[1]![1] = value.wire;
  else if (where === 2) map.splice(rng.int(map.length + 1), 0, [rng.pick([mp.int(rng.int(100)), mp.nil(), mp.bin(rng.bytes(3))]), value.wire]);
  else map.push([mp.str(rng.pick(['properties', 'filter', 'name', 'x'])), value.wire]);
  return { kind: `refused:${type}:${['type', 'id', 'key', 'field'][where]}=${value.label}`, bytes: mp.map(map), refused: true };
}

/** A structure-aware request: valid, or valid with mutated fields (always past the scan). */
export function structuredFrame(rng: Rng, id: number, ctx: SignalingContext, types: readonly number[] = REQUEST_TYPES): FuzzFrame {
  const type = rng.pick(types);
  const entries = validRequest(rng, type, id, ctx);
  if (rng.chance(0.25)) return { kind: `valid:${type}`, bytes: mp.obj(entries) };
  const mutated = mutate(rng, entries);
  return { kind: `mutated:${type}:${mutated.label}`, bytes: mutated.wire };
}

/** A frame that is not a request at all: random, broken or hostile msgpack. */
export function hostileFrame(rng: Rng, ctx: SignalingContext): FuzzFrame {
  switch (rng.int(14)) {
    case 0:
      return { kind: 'random-bytes', bytes: rng.bytes(rng.int(rng.chance(0.1) ? 2000 : 100)) };
    case 1: {
      const valid = mp.obj(validRequest(rng, rng.pick(REQUEST_TYPES), 1, ctx));
      return { kind: 'truncated', bytes: valid.subarray(0, rng.int(valid.length)), refused: true };
    }
    case 2: {
      const valid = mp.obj(validRequest(rng, rng.pick(REQUEST_TYPES), 1, ctx));
      return { kind: 'trailing-bytes', bytes: mp.concat([valid, rng.bytes(rng.range(1, 8))]), refused: true };
    }
    case 3: {
      const bytes = new Uint8Array(mp.obj(validRequest(rng, rng.pick(REQUEST_TYPES), 1, ctx)));
      for (let i = rng.range(1, 4); i > 0; i--) {
        const at = rng.int(bytes.length);
        bytes[at] = bytes[at]! ^ (1 << rng.int(8));
      }
      return { kind: 'bit-flips', bytes };
    }
    case 4: {
      const depth = rng.pick([PROTOCOL_MAX_DEPTH + 1, 3000, 8000, 15_000]);
      return { kind: `deep-nest-frame ${depth}`, bytes: deepNest(rng, depth), refused: true };
    }
    case 5:
      return {
        kind: 'lying-header',
        bytes: rng.pick([mp.arrayHeader(0xffffffff), mp.mapHeader(0xfffffff0), mp.strHeader(0x7fffffff), mp.binHeader(0xffffffff), mp.concat([Uint8Array.of(0x81), mp.strHeader(1e9)])]),
        refused: true,
      };
    case 6: {
      const w = weird(rng);
      return { kind: `bare-value:${w.label}`, bytes: w.wire };
    }
    case 7:
      return { kind: 'oversize', bytes: mp.obj([['type', mp.int(7)], ['id', mp.int(1)], ['pad', mp.bin(new Uint8Array(rng.range(16 * 1024, 40 * 1024)))]]), refused: true };
    case 8:
      return { kind: 'empty', bytes: new Uint8Array(0), refused: true };
    case 9:
      return { kind: 'text', bytes: mp.obj(validRequest(rng, RequestType.LIST, 1, ctx)), text: true, refused: true };
    case 10:
      return { kind: 'ext-frame', bytes: rng.chance(0.5) ? bigIntExt(rng) : otherExt(rng, 0), refused: true };
    case 11:
      return { kind: 'many-keys-frame', bytes: manyKeys(rng, rng.pick([129, 2000])) };
    default:
      return refusedFrame(rng, 1, ctx);
  }
}
