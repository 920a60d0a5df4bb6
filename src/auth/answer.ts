// The provider's answer (Photon's custom authentication response), read without trusting it:
// every field type-checked and bounded before use; anything unusable is one kind, "unusable".
import { isJsonObject, parseBoundedJson, photonField } from '../../core/index.js';
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

/** Reads one egress result as a provider answer. Pure. */
export function readProviderAnswer(result: EgressResult, maxResponseBytes: number): ProviderAnswer {
  if (!result.ok) return unusable(result.failure);
  if (result.status < 200 || result.status > 299) return unusable(`HTTP ${result.status}`);
  if (result.body.length > maxResponseBytes) return unusable('tooLarge');
  // Bounded in depth too, so nothing below (the cookie's JSON.stringify) can recurse deep.
  const parsed = parseBoundedJson(result.body, maxResponseBytes);
  if (parsed === undefined) return unusable('invalid JSON (or nested too deep)');
  if (!isJsonObject(parsed)) return unusable('not a JSON object');
  return readAnswerObject(parsed);
}

/** The answer's fields, each checked; exported for the property tests. */
export function readAnswerObject(answer: Record<string, unknown>): ProviderAnswer {
  const code = photonField(answer, 'ResultCode');
  if (typeof code !== 'number' || !Number.isInteger(code) || Math.abs(code) > 2 ** 31) return unusable('no integer ResultCode');
  let data: AuthData | undefined;
  try {
    const rawData = photonField(answer, 'Data');
    data = rawData === undefined || rawData === null ? undefined : authData(rawData);
  } catch (error) {
    return unusable(error instanceof SchemaError ? `Data: ${error.message}` : 'Data');
  }
  if (code === 0) return { kind: 'continue', ...(data ? { data } : {}) };
  if (code !== 1) {
    const message = photonField(answer, 'Message');
    return { kind: 'refused', resultCode: code, message: typeof message === 'string' ? message.slice(0, MAX_AUTH_MESSAGE_CHARS) : '' };
  }
  let userId: string | undefined;
  let nickname: string | undefined;
  try {
    const rawUser = photonField(answer, 'UserId');
    userId = rawUser === undefined || rawUser === null || rawUser === '' ? undefined : userIdValue(rawUser);
    const rawNick = photonField(answer, 'Nickname');
    nickname = rawNick === undefined || rawNick === null || rawNick === '' ? undefined : nicknameValue(rawNick);
  } catch {
    return unusable('UserId or Nickname out of bounds');
  }
  const rawCookie = photonField(answer, 'AuthCookie');
  let cookie: string | undefined;
  if (rawCookie !== undefined && rawCookie !== null) {
    // Parsed JSON bounded in bytes and depth (readProviderAnswer), so plain data that stringifies safely.
    cookie = JSON.stringify(rawCookie);
    if (Buffer.byteLength(cookie, 'utf8') > MAX_AUTH_COOKIE_BYTES) return unusable('AuthCookie over 4 KiB');
  }
  return { kind: 'ok', ...(userId ? { userId } : {}), ...(nickname ? { nickname } : {}), ...(cookie ? { cookie } : {}), ...(data ? { data } : {}) };
}
