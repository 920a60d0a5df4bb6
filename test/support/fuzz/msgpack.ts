// A raw msgpack writer for the signaling fuzzer: every wire form by hand (ext types, duplicate
// and non-string keys, lying lengths), which a well-behaved encoder would refuse to produce.

/** One encoded msgpack value (or deliberately broken bytes standing in for one). */
export type Wire = Uint8Array;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function head(marker: number, size: number, length: number): Uint8Array {
  const out = new Uint8Array(1 + size);
  out[0] = marker;
  const view = new DataView(out.buffer);
  if (size === 1) view.setUint8(1, length);
  else if (size === 2) view.setUint16(1, length);
  else if (size === 4) view.setUint32(1, length);
  return out;
}

const utf8 = new TextEncoder();
const shortStrings = new Map<string, Wire>();

/** An int32/uint32 in its smallest form, without BigInt (the common case, kept fast). */
function smallInt(n: number): Wire {
  if (n >= 0) {
    if (n <= 0x7f) return Uint8Array.of(n);
    if (n <= 0xff) return Uint8Array.of(0xcc, n);
    if (n <= 0xffff) return Uint8Array.of(0xcd, n >>> 8, n & 0xff);
    return Uint8Array.of(0xce, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  }
  if (n >= -32) return Uint8Array.of(n & 0xff);
  if (n >= -0x80) return Uint8Array.of(0xd0, n & 0xff);
  if (n >= -0x8000) return Uint8Array.of(0xd1, (n >>> 8) & 0xff, n & 0xff);
  return Uint8Array.of(0xd2, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export const mp = {
  nil: (): Wire => Uint8Array.of(0xc0),
  bool: (value: boolean): Wire => Uint8Array.of(value ? 0xc3 : 0xc2),
  /** An integer in its smallest msgpack form; bigints reach the full int64/uint64 ranges. */
  int(value: number | bigint): Wire {
    if (typeof value === 'number' && Number.isInteger(value) && value >= -0x80000000 && value <= 0xffffffff) return smallInt(value);
    const n = BigInt(value);
    if (n >= 0n && n <= 0x7fn) return Uint8Array.of(Number(n));
    if (n < 0n && n >= -32n) return Uint8Array.of(Number(n) & 0xff);
    const out = new Uint8Array(9);
    const view = new DataView(out.buffer);
    if (n >= 0n) {
      if (n <= 0xffn) return Uint8Array.of(0xcc, Number(n));
      if (n <= 0xffffn) return concat([Uint8Array.of(0xcd), u16(Number(n))]);
      if (n <= 0xffffffffn) return concat([Uint8Array.of(0xce), u32(Number(n))]);
      out[0] = 0xcf;
      view.setBigUint64(1, BigInt.asUintN(64, n));
      return out;
    }
    if (n >= -0x80n) return Uint8Array.of(0xd0, Number(n) & 0xff);
    if (n >= -0x8000n) return concat([Uint8Array.of(0xd1), u16(Number(n) & 0xffff)]);
    if (n >= -0x80000000n) return concat([Uint8Array.of(0xd2), u32(Number(n) >>> 0)]);
    out[0] = 0xd3;
    view.setBigInt64(1, BigInt.asIntN(64, n));
    return out;
  },
  float64(value: number): Wire {
    const out = new Uint8Array(9);
    out[0] = 0xcb;
    new DataView(out.buffer).setFloat64(1, value);
    return out;
  },
  float32(value: number): Wire {
    const out = new Uint8Array(5);
    out[0] = 0xca;
    new DataView(out.buffer).setFloat32(1, value);
    return out;
  },
  /** Any JS number: integers as ints, the rest (NaN, ±Infinity, -0, fractions) as float64. */
  num(value: number): Wire {
    return Number.isSafeInteger(value) && !Object.is(value, -0) ? mp.int(value) : mp.float64(value);
  },
  str(value: string): Wire {
    if (value.length > 24) return mp.strBytes(utf8.encode(value));
    // Short strings (keys, names) repeat endlessly: encode each once.
    let cached = shortStrings.get(value);
    if (!cached) {
      cached = mp.strBytes(utf8.encode(value));
      if (shortStrings.size < 20_000) shortStrings.set(value, cached);
    }
    return cached;
  },
  strBytes(bytes: Uint8Array): Wire {
    const n = bytes.length;
    const h = n < 32 ? Uint8Array.of(0xa0 | n) : n <= 0xff ? head(0xd9, 1, n) : n <= 0xffff ? head(0xda, 2, n) : head(0xdb, 4, n);
    return concat([h, bytes]);
  },
  bin(bytes: Uint8Array): Wire {
    const n = bytes.length;
    return concat([n <= 0xff ? head(0xc4, 1, n) : n <= 0xffff ? head(0xc5, 2, n) : head(0xc6, 4, n), bytes]);
  },
  arr(items: readonly Wire[]): Wire {
    const n = items.length;
    return concat([n < 16 ? Uint8Array.of(0x90 | n) : n <= 0xffff ? head(0xdc, 2, n) : head(0xdd, 4, n), ...items]);
  },
  map(entries: ReadonlyArray<readonly [Wire, Wire]>): Wire {
    const n = entries.length;
    const parts: Uint8Array[] = [n < 16 ? Uint8Array.of(0x80 | n) : n <= 0xffff ? head(0xde, 2, n) : head(0xdf, 4, n)];
    for (const [k, v] of entries) parts.push(k, v);
    return concat(parts);
  },
  /** A map with string keys. */
  obj(entries: ReadonlyArray<readonly [string, Wire]>): Wire {
    return mp.map(entries.map(([k, v]) => [mp.str(k), v] as const));
  },
  /** An extension value: fixext forms where the length allows, else ext8/16/32. */
  ext(type: number, data: Uint8Array): Wire {
    const n = data.length;
    const fixed: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
    const marker = fixed[n];
    const h = marker !== undefined ? Uint8Array.of(marker) : n <= 0xff ? head(0xc7, 1, n) : n <= 0xffff ? head(0xc8, 2, n) : head(0xc9, 4, n);
    return concat([h, Uint8Array.of(type & 0xff), data]);
  },
  /** An array header claiming `count` items, followed by nothing: a lie about the length. */
  arrayHeader: (count: number): Wire => head(0xdd, 4, count),
  mapHeader: (count: number): Wire => head(0xdf, 4, count),
  strHeader: (length: number): Wire => head(0xdb, 4, length),
  binHeader: (length: number): Wire => head(0xc6, 4, length),
  concat,
};

function u16(value: number): Uint8Array {
  return Uint8Array.of((value >>> 8) & 0xff, value & 0xff);
}

function u32(value: number): Uint8Array {
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}
