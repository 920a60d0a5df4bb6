// The provider's answer (Photon's custom authentication response), read without trusting it:
// every field type-checked and bounded before use; anything unusable is one kind, "unusable".
import { SchemaError } from '../protocol/schema.js';
import type { AuthData } from '../protocol/index.js';
import { authData, nicknameValue, userIdValue } from '../protocol/auth-schemas.js';
import type { EgressResult } from '../egress/index.js';
import { MAX_AUTH_COOKIE_BYTES, MAX_AUTH_MESSAGE_CHARS } from './constants.js';

export type ProviderAnswer =
  /** ResultCode 1. */
  | { kind: 'ok'; userId?: string; nickname?: string; cookie?: string; data?: AuthData }
  /** ResultCode 0: another step (Data for the client). */
  | { kind: 'continue'; data?: AuthData }
  /** ResultCode 2, 3 or any other number: a refusal. */
  | { kind: 'refused'; resultCode: number; message: string }
  /** Not an answer: transport failure, non-2xx, bad JSON, missing ResultCode, a field out of bounds. */
  | { kind: 'unusable'; why: string };

const unusable = (why: string): ProviderAnswer => ({ kind: 'unusable', why });

/** The first of Photon's PascalCase name and its camelCase alias that is present. */
function field(answer: Record<string, unknown>, pascal: string): unknown {
  if (Object.hasOwn(answer, pascal)) return answer[pascal];
  const camel = pascal[0]!.toLowerCase() + pascal.slice(1);
  return Object.hasOwn(answer, camel) ? answer[camel] : undefined;
}

/** Reads one egress result as a provider answer. Pure. */
export function readProviderAnswer(result: EgressResult, maxResponseBytes: number): ProviderAnswer {
  if (!result.ok) return unusable(result.failure);
  if (result.status < 200 || result.status > 299) return unusable(`HTTP ${result.status}`);
  if (result.body.length > maxResponseBytes) return unusable('tooLarge');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(result.body.buffer, result.body.byteOffset, result.body.length).toString('utf8'));
  } catch {
    return unusable('invalid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return unusable('not a JSON object');
  return readAnswerObject(parsed as Record<string, unknown>);
}

/** The answer's fields, each checked; exported for the property tests. */
export function readAnswerObject(answer: Record<string, unknown>): ProviderAnswer {
  const code = field(answer, 'ResultCode');
  if (typeof code !== 'number' || !Number.isInteger(code) || Math.abs(code) > 2 ** 31) return unusable('no integer ResultCode');
  let data: AuthData | undefined;
  try {
    const rawData = field(answer, 'Data');
    data = rawData === undefined || rawData === null ? undefined : authData(rawData);
  } catch (error) {
    return unusable(error instanceof SchemaError ? `Data: ${error.message}` : 'Data');
  }
  if (code === 0) return { kind: 'continue', ...(data ? { data } : {}) };
  if (code !== 1) {
    const message = field(answer, 'Message');
    return { kind: 'refused', resultCode: code, message: typeof message === 'string' ? message.slice(0, MAX_AUTH_MESSAGE_CHARS) : '' };
  }
  let userId: string | undefined;
  let nickname: string | undefined;
  try {
    const rawUser = field(answer, 'UserId');
    userId = rawUser === undefined || rawUser === null || rawUser === '' ? undefined : userIdValue(rawUser);
    const rawNick = field(answer, 'Nickname');
    nickname = rawNick === undefined || rawNick === null || rawNick === '' ? undefined : nicknameValue(rawNick);
  } catch {
    return unusable('UserId or Nickname out of bounds');
  }
  const rawCookie = field(answer, 'AuthCookie');
  let cookie: string | undefined;
  if (rawCookie !== undefined && rawCookie !== null) {
    // JSON.parse made it, so it is plain data; its size is bounded by the response cap already.
    cookie = JSON.stringify(rawCookie);
    if (Buffer.byteLength(cookie, 'utf8') > MAX_AUTH_COOKIE_BYTES) return unusable('AuthCookie over 4 KiB');
  }
  return { kind: 'ok', ...(userId ? { userId } : {}), ...(nickname ? { nickname } : {}), ...(cookie ? { cookie } : {}), ...(data ? { data } : {}) };
}
