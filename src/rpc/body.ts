// WebRPC over HTTP: the body the backend receives (Photon's shape, or ours) and what its answer
// must hold (docs/webrpc.md, "HTTP contract"). Pure.
import { isJsonObject, photonField, type JsonObject, type JsonValue } from '../../core/index.js';

/** Who calls, as the cloud attests it: the backend trusts these over anything in the params. */
export interface AttestedCaller {
  readonly appId: string;
  readonly appVersion: string;
  readonly region: string;
  readonly userId: string;
  readonly nickname?: string;
  /** Only when the app's policy and the client's request both allow it. */
  readonly authCookie?: JsonValue;
  readonly session?: { readonly id: string; readonly name: string; readonly actor: number };
}

export type RpcFormat = 'photon' | 'native';

/** Longest message kept from a backend's answer, characters. */
export const RPC_MAX_MESSAGE_CHARS = 256;

/**
 * Photon's body: an object's keys at the root with the caller's AppId, AppVersion, Region, UserId
 * (and AuthCookie) written over any the client sent; any other params under RpcParams. Ours: one
 * envelope naming the path, the caller and the session.
 */
export function rpcBody(format: RpcFormat, path: string, params: JsonValue | undefined, caller: AttestedCaller): JsonObject {
  if (format === 'native') {
    return {
      type: 'rpc',
      path,
      appId: caller.appId,
      appVersion: caller.appVersion,
      region: caller.region,
      userId: caller.userId,
      ...(caller.nickname === undefined ? {} : { nickname: caller.nickname }),
      ...(caller.session ? { session: { ...caller.session } } : {}),
      ...(params === undefined ? {} : { params }),
      ...(caller.authCookie === undefined ? {} : { authCookie: caller.authCookie }),
    };
  }
  // Photon's order: the caller first, then the client's keys, never one of the caller's names. A
  // prototype-less object, so a client key named __proto__ stays a plain key (JSON.stringify writes it).
  const body: JsonObject = Object.create(null) as JsonObject;
  body.AppId = caller.appId;
  body.AppVersion = caller.appVersion;
  body.Region = caller.region;
  body.UserId = caller.userId;
  if (caller.authCookie !== undefined) body.AuthCookie = caller.authCookie;
  if (isJsonObject(params)) {
    for (const key of Object.keys(params)) if (!Object.hasOwn(body, key) && key !== 'AuthCookie') body[key] = params[key]!;
  } else if (params !== undefined) body.RpcParams = params;
  return body;
}

export type RpcAnswer = { ok: true; resultCode: number; message?: string; data?: JsonValue } | { ok: false; reason: string };

/**
 * Reads a backend's parsed answer: an integer ResultCode (a number, or a numeric string as in
 * Photon's examples), an optional Message (cut to RPC_MAX_MESSAGE_CHARS) and Data. Any
 * ResultCode is the app's business; a missing one makes the answer unusable.
 */
export function readRpcAnswer(answer: JsonValue | undefined): RpcAnswer {
  if (!isJsonObject(answer)) return { ok: false, reason: 'the answer is not a JSON object' };
  const code = photonField(answer, 'ResultCode');
  const resultCode = typeof code === 'string' && /^-?\d{1,9}$/.test(code) ? Number(code) : code;
  if (typeof resultCode !== 'number' || !Number.isSafeInteger(resultCode)) return { ok: false, reason: 'the answer has no integer ResultCode' };
  const message = photonField(answer, 'Message');
  const data = photonField(answer, 'Data') as JsonValue | undefined;
  return {
    ok: true,
    resultCode,
    ...(typeof message === 'string' ? { message: message.slice(0, RPC_MAX_MESSAGE_CHARS) } : {}),
    ...(data === undefined ? {} : { data }),
  };
}
