// What a webhook gate's answer means (docs/webhooks.md, "Answers"). Pure: the HTTP result in,
// a verdict out. Everything in the answer is untrusted: each field is type-checked and bounded.
import { parseBoundedJson } from '../../core/index.js';
import { PROTOCOL_MAX_ERROR_REASON_CHARS } from '../protocol/index.js';
import { isPlainObject } from '../protocol/schema.js';
import { readOverrides } from '../plugins/results.js';
import type { CreateOverrides } from '../plugins/types.js';
import { GATE_MAX_JSON_DEPTH, GATE_MAX_MESSAGE_CHARS, GATE_MAX_RESPONSE_BYTES } from './gate-constants.js';

/** The egress result, as far as a gate reads it. */
export type GateResponse = { ok: true; status: number; body: Uint8Array } | { ok: false; failure: string };

export type GateVerdict =
  /** Continue (beforeCreate: with the backend's overrides, not yet checked against the limits). */
  | { kind: 'allow'; overrides?: Omit<CreateOverrides, 'state'> }
  /** Refused: HOOK_REJECTED with this detail; `skip` lets a random join try its next candidate. */
  | { kind: 'deny'; reason?: string; resultCode?: number; message?: string; skip: boolean }
  /** The endpoint failed (retried once, then onGateError decides). */
  | { kind: 'error'; problem: string };

const text = (value: unknown, max: number): string | undefined => (typeof value === 'string' && value.length > 0 ? value.slice(0, max) : undefined);
const int32 = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31;

/** A refusal from a body (Photon's `{ResultCode, Message}`, ours `{allow:false, code, message}`, Fusion's `{Error, Message}`). */
function denial(body: Record<string, unknown>, skip: boolean): GateVerdict {
  const reason = text(body.code, PROTOCOL_MAX_ERROR_REASON_CHARS) ?? text(body.Error, PROTOCOL_MAX_ERROR_REASON_CHARS);
  const message = text(body.message, GATE_MAX_MESSAGE_CHARS) ?? text(body.Message, GATE_MAX_MESSAGE_CHARS);
  return {
    kind: 'deny',
    skip,
    ...(reason === undefined ? {} : { reason }),
    ...(int32(body.ResultCode) ? { resultCode: body.ResultCode } : {}),
    ...(message === undefined ? {} : { message }),
  };
}

/**
 * The verdict of one answer: 2xx empty / `{}` / `{allow:true}` / `{ResultCode:0}` continue;
 * `{allow:false}` or `{ResultCode:≠0}` refuse; `overrides` (beforeCreate only) continue with
 * them; 4xx but 408 and 429 refuse (Fusion's WebhookError); anything else — 5xx, 408, 429, 3xx,
 * transport failures, too large, not JSON, a wrong shape — is an endpoint error.
 */
export function readGateAnswer(response: GateResponse, gate: 'session.beforeCreate' | 'peer.beforeJoin'): GateVerdict {
  if (!response.ok) return { kind: 'error', problem: response.failure };
  const { status, body } = response;
  const clientError = status >= 400 && status < 500 && status !== 408 && status !== 429;
  if (!clientError && (status < 200 || status >= 300)) return { kind: 'error', problem: `HTTP ${status}` };
  if (body.length === 0) return clientError ? { kind: 'deny', skip: false } : { kind: 'allow' };
  if (body.length > GATE_MAX_RESPONSE_BYTES) return { kind: 'error', problem: 'answer too large' };
  const parsed = parseBoundedJson(body, GATE_MAX_RESPONSE_BYTES, GATE_MAX_JSON_DEPTH);
  // A 4xx's body is a courtesy (text/html error pages are common): the status alone refuses.
  if (clientError) return denial(isPlainObject(parsed) ? parsed : {}, false);
  if (parsed === undefined) return { kind: 'error', problem: 'answer is not JSON' };
  if (!isPlainObject(parsed)) return { kind: 'error', problem: 'answer is not a JSON object' };
  if (parsed.allow !== undefined && typeof parsed.allow !== 'boolean') return { kind: 'error', problem: 'allow is not a boolean' };
  if (parsed.ResultCode !== undefined && !int32(parsed.ResultCode)) return { kind: 'error', problem: 'ResultCode is not an integer' };
  if (parsed.allow === false) return denial(parsed, parsed.skip === true);
  if (parsed.ResultCode !== undefined && parsed.ResultCode !== 0) return denial(parsed, false);
  if (parsed.overrides === undefined || parsed.overrides === null) return { kind: 'allow' };
  if (gate !== 'session.beforeCreate') return { kind: 'error', problem: 'overrides answer only session.beforeCreate' };
  if (!isPlainObject(parsed.overrides) || Object.hasOwn(parsed.overrides, 'state')) return { kind: 'error', problem: 'overrides is not a map of session settings' };
  const overrides = readOverrides(parsed.overrides);
  if (overrides instanceof Error) return { kind: 'error', problem: `overrides: ${overrides.message.replace('the plugin returned ', '')}` };
  return overrides ? { kind: 'allow', overrides } : { kind: 'allow' };
}
