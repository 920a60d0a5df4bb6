// Hello's auth object and AUTHENTICATE on the wire: params bounded in count, name, value and
// total; data JSON-like, ≤ 4 KiB and ≤ 4 deep; the string form unchanged; error detail read by the SDK.
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, ReplyType, RequestType, validateRequest, validateServerMessage } from '../../../../src/protocol/index.js';

const hello = (auth: unknown) => validateRequest({ type: RequestType.HELLO, id: 1, appId: 'g', appVersion: '1', protocolVersion: PROTOCOL_VERSION, auth });

describe('hello auth', () => {
  it('takes the string form and the object form', () => {
    expect(hello('a-ticket')).toMatchObject({ ok: true, value: { auth: 'a-ticket' } });
    const auth = { params: { user: 'alice', 'x.y_z-1': 'v' }, data: { otp: '1', list: [1, { a: null }] }, userId: 'alice', nickname: 'Al', token: 'v1.abc.def' };
    expect(hello(auth)).toMatchObject({ ok: true, value: { auth } });
  });

  it.each([
    ['17 params', { params: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }],
    ['a bad key', { params: { 'bad key': 'v' } }],
    ['a long value', { params: { k: 'v'.repeat(513) } }],
    ['params over 2 KiB in all', { params: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`k${i}`, 'v'.repeat(500)])) }],
    ['a non-string value', { params: { k: 1 } }],
    ['data over 4 KiB', { data: { big: 'x'.repeat(4100) } }],
    ['data nested 5 deep', { data: { a: { b: { c: { d: { e: 1 } } } } } }],
    ['data that is an array', { data: [1] }],
    ['a binary in data', { data: { b: new Uint8Array(2) } }],
    ['a control character in the user id', { userId: 'a\u0000b' }],
    ['a long nickname', { nickname: 'n'.repeat(65) }],
    ['a long token', { token: 't'.repeat(8193) }],
  ])('refuses %s', (_name, auth) => {
    expect(hello(auth)).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
  });

  it('AUTHENTICATE carries the same object', () => {
    expect(validateRequest({ type: RequestType.AUTHENTICATE, id: 2, auth: { params: { otp: '1' } } })).toMatchObject({ ok: true });
    expect(validateRequest({ type: RequestType.AUTHENTICATE, id: 2 })).toMatchObject({ ok: false });
  });

  it('the SDK reads the hello result and an error detail', () => {
    const result = { protocolVersion: 1, maxFrameBytes: 16384, userId: 'u', nickname: 'N', authData: { a: 1 }, authToken: 'v1.x.y', authExpiresAtMs: 1, authStatus: 'ok' };
    expect(validateServerMessage({ type: ReplyType.RESPONSE, id: 1, request: RequestType.HELLO, result })).toMatchObject({ ok: true, value: { result } });
    expect(validateServerMessage({ type: ReplyType.RESPONSE, id: 1, request: RequestType.HELLO, result: { ...result, authStatus: 'maybe' } })).toMatchObject({ ok: false });
    const error = { type: ReplyType.ERROR, id: 1, code: 'AUTH_FAILED', message: 'no', photonCode: 32755, detail: { resultCode: 2 } };
    expect(validateServerMessage(error)).toMatchObject({ ok: true, value: error });
  });
});
