// Schemas of custom authentication on the wire: hello's `auth` (string or object), AUTHENTICATE,
// the auth fields of the hello result, and the bounded JSON-like data both directions carry.
import {
  PROTOCOL_MAX_AUTH_BYTES,
  PROTOCOL_MAX_AUTH_DATA_BYTES,
  PROTOCOL_MAX_AUTH_DATA_DEPTH,
  PROTOCOL_MAX_AUTH_PARAM_CHARS,
  PROTOCOL_MAX_AUTH_PARAMS,
  PROTOCOL_MAX_AUTH_PARAMS_BYTES,
  PROTOCOL_MAX_AUTH_TOKEN_CHARS,
  PROTOCOL_MAX_NICKNAME_CHARS,
  PROTOCOL_MAX_USER_ID_CHARS,
} from './constants.js';
import { RequestType } from './codes.js';
import { AUTH_STATUSES, type HelloResult } from './replies.js';
import type { AuthData, AuthDataValue, AuthenticateRequest, HelloAuth } from './requests.js';
import { SchemaError, integer, isPlainObject, literal, object, oneOf, optional, record, string, type Schema } from './schema.js';
import { requestId } from './field-schemas.js';

/** Auth parameter names: what a query string carries unescaped, so a provider sees them as sent. */
export const AUTH_PARAM_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

const paramKey: Schema<string> = (value) => {
  if (typeof value !== 'string' || !AUTH_PARAM_KEY.test(value)) throw new SchemaError('', 'a parameter name (A–Z a–z 0–9 _ . -, 1–64)');
  return value;
};

const paramRecord = record(paramKey, string(PROTOCOL_MAX_AUTH_PARAM_CHARS), PROTOCOL_MAX_AUTH_PARAMS);

/** Client auth parameters: bounded in count, name and value, and all together (they become one query string). */
export const authParams: Schema<Record<string, string>> = (value) => {
  const params = paramRecord(value);
  let bytes = 0;
  for (const [key, item] of Object.entries(params)) bytes += key.length + Buffer.byteLength(item, 'utf8') + 2;
  if (bytes > PROTOCOL_MAX_AUTH_PARAMS_BYTES) throw new SchemaError('', `parameters of at most ${PROTOCOL_MAX_AUTH_PARAMS_BYTES} bytes in all`);
  return params;
};

/**
 * Measures a JSON-like value without trusting it: plain maps, arrays, strings, finite numbers,
 * booleans and nil only, nested at most `depth`, and at most `budget` bytes as JSON (counted as
 * it goes, so a hostile value costs no more than the budget to reject). Returns the bytes used.
 */
export function measureAuthData(value: unknown, depth: number, budget: number): number {
  if (value === null) return 4;
  switch (typeof value) {
    case 'boolean':
      return 5;
    case 'number':
      if (!Number.isFinite(value)) throw new SchemaError('', 'a finite number');
      return 24;
    case 'string':
      if (value.length > budget) throw new SchemaError('', `at most ${PROTOCOL_MAX_AUTH_DATA_BYTES} bytes of data`);
      return Buffer.byteLength(value, 'utf8') + 2;
    case 'object':
      break;
    default:
      throw new SchemaError('', 'JSON-like data (maps, arrays, strings, numbers, booleans, nil)');
  }
  if (depth <= 0) throw new SchemaError('', `data nested at most ${PROTOCOL_MAX_AUTH_DATA_DEPTH} deep`);
  let used = 2;
  const spend = (bytes: number): void => {
    used += bytes;
    if (used > budget) throw new SchemaError('', `at most ${PROTOCOL_MAX_AUTH_DATA_BYTES} bytes of data`);
  };
  if (Array.isArray(value)) {
    if (value.length > budget) throw new SchemaError('', `at most ${PROTOCOL_MAX_AUTH_DATA_BYTES} bytes of data`);
    for (const item of value as unknown[]) spend(measureAuthData(item, depth - 1, budget - used) + 1);
    return used;
  }
  if (!isPlainObject(value)) throw new SchemaError('', 'JSON-like data (maps, arrays, strings, numbers, booleans, nil)');
  for (const key of Object.keys(value)) {
    spend(Buffer.byteLength(key, 'utf8') + 3);
    spend(measureAuthData(value[key], depth - 1, budget - used));
  }
  return used;
}

/** A map of JSON-like data within the auth data bounds (a copy made of plain values only). */
export const authData: Schema<AuthData> = (value) => {
  if (!isPlainObject(value)) throw new SchemaError('', 'a map');
  measureAuthData(value, PROTOCOL_MAX_AUTH_DATA_DEPTH, PROTOCOL_MAX_AUTH_DATA_BYTES);
  return copyData(value) as AuthData;
};

function copyData(value: unknown): AuthDataValue {
  if (Array.isArray(value)) return value.map(copyData);
  if (isPlainObject(value)) {
    const out: Record<string, AuthDataValue> = {};
    // Defined, not assigned: a key named __proto__ stays a key instead of replacing the copy's prototype.
    for (const key of Object.keys(value)) Object.defineProperty(out, key, { value: copyData(value[key]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value as AuthDataValue;
}

/** A user id: no control characters (it reaches logs, webhooks and other peers). */
export const userIdValue: Schema<string> = (value) => {
  const id = string(PROTOCOL_MAX_USER_ID_CHARS, 1)(value);
  // eslint-disable-next-line no-control-regex -- the point is to refuse control characters
  if (/[\u0000-\u001f\u007f-\u009f]/.test(id)) throw new SchemaError('', 'a user id without control characters');
  return id;
};
export const nicknameValue: Schema<string> = (value) => {
  const nick = string(PROTOCOL_MAX_NICKNAME_CHARS)(value);
  // eslint-disable-next-line no-control-regex -- as for user ids
  if (/[\u0000-\u001f\u007f-\u009f]/.test(nick)) throw new SchemaError('', 'a nickname without control characters');
  return nick;
};

export const helloAuth: Schema<HelloAuth> = object<HelloAuth>({
  params: optional(authParams),
  data: optional(authData),
  userId: optional(userIdValue),
  nickname: optional(nicknameValue),
  token: optional(string(PROTOCOL_MAX_AUTH_TOKEN_CHARS, 1)),
});

/** Hello's credentials: a string bounded in bytes (for the authenticate hook), or the object for custom authentication. */
export const helloAuthField: Schema<string | HelloAuth> = (value) => {
  if (typeof value === 'string') {
    if (Buffer.byteLength(value, 'utf8') <= PROTOCOL_MAX_AUTH_BYTES) return value;
    throw new SchemaError('', `a string of at most ${PROTOCOL_MAX_AUTH_BYTES} bytes`);
  }
  return helloAuth(value);
};

export const authenticateRequest = object<AuthenticateRequest>({
  type: literal(RequestType.AUTHENTICATE),
  id: requestId,
  auth: helloAuth,
});

export const helloResult = object<HelloResult>({
  protocolVersion: integer(0, 0xffff),
  maxFrameBytes: integer(1, 2 ** 31),
  userId: optional(userIdValue),
  nickname: optional(nicknameValue),
  authData: optional(authData),
  authToken: optional(string(PROTOCOL_MAX_AUTH_TOKEN_CHARS, 1)),
  authExpiresAtMs: optional(integer(0, Number.MAX_SAFE_INTEGER)),
  authStatus: optional(oneOf(AUTH_STATUSES)),
});
