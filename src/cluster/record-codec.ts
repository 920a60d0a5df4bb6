/** Session records and inbox deliveries as JSON text for Redis, and their type-checked, size-bounded decoding. */
import { MAX_JSON_DEPTH, NAT_AXES, REPORTED_NAT_TYPES, type JsonValue } from '../../core/index.js';
import type { Event } from '../protocol/index.js';
import type { Delivery, Member, MemberAddresses, Session } from '../session/model.js';

// Tagged JSON: a Uint8Array is `{"$b": base64}`; an object that has a key starting with `$` is
// escaped as `{"$o": {...}}`, so no plain value (a plugin's state, a property) can pass for a tag.
// JSON rather than msgpack (the spec's first idea): no second encoder on the hot path, Lua never
// needs to look inside, and operators can read a record with redis-cli.

/** Deeper than a session record goes (plugin state is bounded to MAX_JSON_DEPTH inside it). */
const MAX_TAGGED_DEPTH = MAX_JSON_DEPTH + 8;

const DOLLAR = 0x24;

// Written straight to text, not through a tagged copy that JSON.stringify walks again: a record is
// encoded on every commit (in bench:cluster's node profile the two passes were 5 % of a node's CPU).
function writeTagged(value: unknown, depth: number): string {
  if (depth > MAX_TAGGED_DEPTH) throw new Error('record nests too deeply to store');
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`a record holds a non-finite number (${value})`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new Error(`a record holds a ${typeof value}`);
  }
  // Base64's alphabet needs no JSON escaping.
  if (value instanceof Uint8Array) return `{"$b":"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"}`;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      out += (i === 0 ? '' : ',') + (item === undefined ? 'null' : writeTagged(item, depth + 1));
    }
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let escaped = false;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (item === undefined) continue;
    if (key.charCodeAt(0) === DOLLAR) escaped = true;
    out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + writeTagged(item, depth + 1);
  }
  return escaped ? `{"$o":${out}}}` : out + '}';
}

// Rewrites JSON.parse's fresh tree in place: no second copy of every object. Assigning to an own
// key (every key here is one) never reaches Object.prototype's __proto__ setter.
function fromTagged(value: unknown, depth: number): unknown {
  if (depth > MAX_TAGGED_DEPTH) throw new Error('nests too deeply');
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = fromTagged(value[i], depth + 1);
    return value;
  }
  let record = value as Record<string, unknown>;
  let keys = Object.keys(record);
  const only = keys.length === 1 ? keys[0] : undefined;
  if (only === '$b') {
    const text = record.$b;
    if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error('bad bytes tag');
    return new Uint8Array(Buffer.from(text, 'base64'));
  }
  if (only === '$o') {
    const inner = record.$o;
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) throw new Error('bad object tag');
    record = inner as Record<string, unknown>;
    keys = Object.keys(record);
  } else if (keys.some((key) => key.charCodeAt(0) === DOLLAR)) {
    throw new Error(`unknown tag in ${keys.join(',')}`);
  }
  for (const key of keys) record[key] = fromTagged(record[key], depth + 1);
  return record;
}

/** Any JSON-safe value (events, deliveries) as tagged JSON text. */
export function toJsonText(value: unknown): string {
  return writeTagged(value, 0);
}

/** Tagged JSON text back to its value: throws on malformed text, unknown tags or more than `maxBytes`. */
export function fromJsonText(text: string, maxBytes: number): unknown {
  if (text.length > maxBytes || Buffer.byteLength(text) > maxBytes) throw new Error(`over ${maxBytes} bytes`);
  return fromTagged(JSON.parse(text), 0);
}

/** Thrown by the decoders: what Redis held is not a valid record (corrupt, foreign or too large). */
export class RecordError extends Error {
  constructor(message: string) {
    super(`invalid session record: ${message}`);
    this.name = 'RecordError';
  }
}

/** The keys of `T` that may hold bytes. */
type BytesKeys<T> = { [K in keyof T]-?: Uint8Array extends NonNullable<T[K]> ? K : never }[keyof T];
// Where a Session holds bytes: a new bytes field fails to compile here until it is listed (the fast path tags only these).
const SESSION_BYTES: Record<BytesKeys<Session>, true> = {};
const MEMBER_BYTES: Record<BytesKeys<Member>, true> = { pairSecret: true, connectionToken: true };

/** Replaces the bytes at `keys` of `copy` (a fresh object of the caller's) with `$b` tags; returns it. */
function tagBytes(copy: Record<string, unknown>, keys: Record<string, true>): Record<string, unknown> {
  for (const key in keys) {
    const bytes = copy[key];
    if (bytes instanceof Uint8Array) copy[key] = { $b: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  }
  return copy;
}

/**
 * A session record as tagged JSON. Written on every commit (the generic writer was a cluster
 * node's largest JavaScript item in bench:cluster's profile), so the model's own fields go through
 * V8's JSON.stringify (a quarter to a third less time per record), with only the known bytes
 * fields tagged, and the user's maps (properties, plugin state), where `$` keys need escaping,
 * through the generic writer.
 * JSON.stringify writes `null` for what JSON cannot hold (NaN, ±Infinity) and the model never
 * holds null: text with a `null` goes the generic way, which refuses such values (a string that
 * spells "null" is a false alarm that only costs time).
 */
export function encodeSession(session: Session): string {
  const { properties, pluginState, members, ...rest } = session;
  // `rest` is already a copy (the destructuring made it); each member is copied before tagging.
  const head = JSON.stringify(tagBytes(rest, SESSION_BYTES));
  let list = '';
  for (let i = 0; i < members.length; i++) list += (i === 0 ? '' : ',') + JSON.stringify(tagBytes({ ...members[i]! }, MEMBER_BYTES));
  if (head.includes('null') || list.includes('null')) return toJsonText(session);
  const plugin = pluginState === undefined ? '' : `,"pluginState":${writeTagged(pluginState, 1)}`;
  return `${head.slice(0, -1)},"properties":${writeTagged(properties, 1)}${plugin},"members":[${list}]}`;
}

// ---- Type checks of what came back: every field of Session and Member.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
const str = (v: unknown): v is string => typeof v === 'string';
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const int = (v: unknown): v is number => Number.isSafeInteger(v);
const bool = (v: unknown): v is boolean => typeof v === 'boolean';
const opt = (v: unknown, check: (x: unknown) => boolean): boolean => v === undefined || check(v);
const bytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** Longest relay id a record may name (relay ids are operator-chosen names). */
const MAX_RELAY_ID_CHARS = 64;

/** Most members a record may hold (the service caps maxPlayers far lower). */
const MAX_MEMBERS = 4_096;

function isEndpoint(v: unknown): boolean {
  return isObj(v) && str(v.address) && int(v.port) && v.port >= 0 && v.port <= 65_535;
}

function isAddresses(v: unknown): v is MemberAddresses {
  return (
    isObj(v) &&
    Array.isArray(v.local) &&
    v.local.every(isEndpoint) &&
    opt(v.reflexive, isEndpoint) &&
    opt(v.natType, (t) => (REPORTED_NAT_TYPES as readonly unknown[]).includes(t)) &&
    opt(v.natMapping, (t) => (NAT_AXES as readonly unknown[]).includes(t)) &&
    opt(v.natFiltering, (t) => (NAT_AXES as readonly unknown[]).includes(t))
  );
}

function isMember(v: unknown): v is Member {
  return (
    isObj(v) &&
    int(v.actor) &&
    v.actor > 0 &&
    str(v.peerId) &&
    (v.mode === 'server' || v.mode === 'client') &&
    bool(v.active) &&
    str(v.rejoinToken) &&
    bytes(v.pairSecret) &&
    opt(v.userId, str) &&
    opt(v.nickname, str) &&
    opt(v.authCookie, str) &&
    opt(v.inactiveUntil, num) &&
    opt(v.addresses, isAddresses) &&
    opt(v.connectionToken, bytes) &&
    opt(v.detachedUntil, num) &&
    opt(v.connection, int) &&
    opt(v.restoreProof, str) &&
    opt(v.node, str)
  );
}

const isScalar = (v: unknown): boolean => v === null || str(v) || num(v) || bool(v);

function isJson(v: unknown, depth: number): v is JsonValue {
  if (depth > MAX_JSON_DEPTH) return false;
  if (isScalar(v)) return true;
  if (Array.isArray(v)) return v.every((item) => isJson(item, depth + 1));
  return isObj(v) && Object.values(v).every((item) => isJson(item, depth + 1));
}

/** Why `v` is not a Session, or undefined when it is one. */
function sessionMisfit(v: unknown): string | undefined {
  if (!isObj(v)) return 'not an object';
  if (!str(v.sessionId) || !str(v.appKey) || !str(v.name)) return 'ids';
  if (!num(v.createdAt) || !int(v.maxPlayers) || v.maxPlayers < 1) return 'createdAt/maxPlayers';
  if (!bool(v.open) || !bool(v.visible)) return 'open/visible';
  if (!isObj(v.properties) || !Object.values(v.properties).every(isScalar)) return 'properties';
  if (!Array.isArray(v.lobbyKeys) || !v.lobbyKeys.every(str)) return 'lobbyKeys';
  if (!num(v.playerTtlMs) || !num(v.emptySessionTtlMs)) return 'ttls';
  if (!Array.isArray(v.members) || v.members.length > MAX_MEMBERS || !v.members.every(isMember)) return 'members';
  if (!int(v.nextActor) || v.nextActor < 1) return 'nextActor';
  if (!opt(v.emptySince, num) || !opt(v.publishUserId, bool) || !opt(v.checkUserOnJoin, bool) || !opt(v.plugin, str)) return 'options';
  if (v.pluginState !== undefined && !isJson(v.pluginState, 0)) return 'pluginState';
  if (!opt(v.relay, (r) => isObj(r) && str(r.id) && r.id.length <= MAX_RELAY_ID_CHARS && opt(r.movedAt, num))) return 'relay';
  return undefined;
}

/** A stored record back to a Session: refused (RecordError) when over `maxBytes` or not exactly a Session's shape. */
export function decodeSession(text: string, maxBytes: number): Session {
  let value: unknown;
  try {
    value = fromJsonText(text, maxBytes);
  } catch (error) {
    throw new RecordError(error instanceof Error ? error.message : String(error));
  }
  const misfit = sessionMisfit(value);
  if (misfit) throw new RecordError(misfit);
  return value as Session;
}

/** An inbox entry's `d` field: `[[actor, event], …]`. */
export function encodeDeliveries(deliveries: readonly Delivery[]): string {
  return toJsonText(deliveries.map(({ actor, event }) => [actor, event]));
}

/**
 * An inbox entry's `d` back to deliveries. Checks the frame (actor numbers, events as objects
 * with a numeric type); the events' fields are the protocol's, written by a node of this cluster.
 */
export function decodeDeliveries(text: string, maxBytes: number): Delivery[] {
  let value: unknown;
  try {
    value = fromJsonText(text, maxBytes);
  } catch (error) {
    throw new RecordError(error instanceof Error ? error.message : String(error));
  }
  if (!Array.isArray(value)) throw new RecordError('deliveries: not a list');
  return value.map((pair) => {
    if (!Array.isArray(pair) || pair.length !== 2 || !int(pair[0]) || !isObj(pair[1]) || !int(pair[1].type)) {
      throw new RecordError('deliveries: not [actor, event] pairs');
    }
    return { actor: pair[0], event: pair[1] as unknown as Event };
  });
}
