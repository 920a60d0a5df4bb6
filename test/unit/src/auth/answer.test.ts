// The provider's answer: each ResultCode, Photon's PascalCase and camelCase, every field bounded,
// and any hostile shape read as "unusable" without throwing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readProviderAnswer } from '../../../../src/auth/index.js';

const answer = (value: unknown, status = 200) => readProviderAnswer({ ok: true, status, headers: {}, body: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), ms: 1 }, 16_384);

describe('provider answer', () => {
  it('reads ResultCode 1 with UserId, Nickname, AuthCookie and Data (PascalCase or camelCase)', () => {
    expect(answer({ ResultCode: 1, UserId: 'u_123', Nickname: 'Alice', AuthCookie: { tier: 'gold' }, Data: { motd: 'hi' } })).toEqual({
      kind: 'ok',
      userId: 'u_123',
      nickname: 'Alice',
      cookie: '{"tier":"gold"}',
      data: { motd: 'hi' },
    });
    expect(answer({ resultCode: 1, userId: 'u_9' })).toEqual({ kind: 'ok', userId: 'u_9' });
  });

  it('reads 0 as continue with Data, and 2, 3, 5 as refusals with the Message cut to 256 characters', () => {
    expect(answer({ ResultCode: 0, Data: { step: 2 } })).toEqual({ kind: 'continue', data: { step: 2 } });
    expect(answer({ ResultCode: 2, Message: 'wrong password' })).toEqual({ kind: 'refused', resultCode: 2, message: 'wrong password' });
    expect(answer({ ResultCode: 3 })).toEqual({ kind: 'refused', resultCode: 3, message: '' });
    const refused = answer({ ResultCode: 5, Message: 'x'.repeat(1000) });
    expect(refused).toMatchObject({ kind: 'refused', resultCode: 5 });
    expect((refused as { message: string }).message).toHaveLength(256);
  });

  it('calls unusable: non-2xx, bad JSON, no ResultCode, a non-object, fields out of bounds, a transport failure', () => {
    const unusable = { kind: 'unusable' };
    expect(answer({ ResultCode: 1 }, 500)).toMatchObject(unusable);
    expect(answer({ ResultCode: 1 }, 302)).toMatchObject(unusable);
    expect(answer('{not json')).toMatchObject(unusable);
    expect(answer({ Message: 'no code' })).toMatchObject(unusable);
    expect(answer({ ResultCode: '1' })).toMatchObject(unusable);
    expect(answer([1])).toMatchObject(unusable);
    expect(answer({ ResultCode: 1, UserId: 'x'.repeat(129) })).toMatchObject(unusable);
    expect(answer({ ResultCode: 1, UserId: 'bad\nid' })).toMatchObject(unusable);
    expect(answer({ ResultCode: 1, UserId: 42 })).toMatchObject(unusable);
    expect(answer({ ResultCode: 1, Nickname: 'n'.repeat(65) })).toMatchObject(unusable);
    expect(answer({ ResultCode: 1, AuthCookie: 'c'.repeat(5000) })).toMatchObject(unusable);
    expect(answer({ ResultCode: 1, Data: { big: 'd'.repeat(5000) } })).toMatchObject(unusable);
    expect(answer({ ResultCode: 1, Data: [1, 2] })).toMatchObject(unusable);
    expect(answer({ ResultCode: 1, Data: { a: { b: { c: { d: { e: 1 } } } } } })).toMatchObject(unusable);
    expect(readProviderAnswer({ ok: false, failure: 'timeout', detail: 'deadline', ms: 5000 }, 16_384)).toEqual({ kind: 'unusable', why: 'timeout' });
    expect(readProviderAnswer({ ok: true, status: 200, headers: {}, body: new Uint8Array(20_000), ms: 1 }, 16_384)).toMatchObject(unusable);
  });

  it('never throws on any JSON a provider could send', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.jsonValue({ maxDepth: 6 }), (data, cookie) => {
        for (const shape of [data, { ResultCode: 1, Data: data, AuthCookie: cookie, UserId: data }, { ResultCode: 0, Data: data }, { ResultCode: data, Message: data }]) {
          const read = answer(shape);
          expect(['ok', 'continue', 'refused', 'unusable']).toContain(read.kind);
        }
      }),
      { numRuns: 300 },
    );
  });
});
