// What a webhook gate's answer means (src/webhooks/gate-answer.ts): every row of the answer table,
// and hostile answers (wrong types, too large, too deep) as endpoint errors, never as a pass.
import { describe, expect, it } from 'vitest';
import { readGateAnswer, type GateResponse } from '../../../src/webhooks/index.js';
import { hookErrorFor } from '../../../src/webhooks/hook-error.js';
import { EventType } from '../../../src/protocol/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const answer = (status: number, body: unknown = ''): GateResponse => ({ ok: true, status, body: bytes(typeof body === 'string' ? body : JSON.stringify(body)) });
const join = (response: GateResponse) => readGateAnswer(response, 'peer.beforeJoin');
const create = (response: GateResponse) => readGateAnswer(response, 'session.beforeCreate');

describe('readGateAnswer', () => {
  it.each([
    ['empty 200', answer(200)],
    ['204', answer(204)],
    ['{}', answer(200, {})],
    ['{allow:true}', answer(200, { allow: true })],
    ['{ResultCode:0}', answer(200, { ResultCode: 0 })],
    ['{ResultCode:0, Message}', answer(200, { ResultCode: 0, Message: 'ok' })],
  ])('%s continues', (_name, response) => {
    expect(join(response)).toEqual({ kind: 'allow' });
  });

  it('refusals carry the reason, the ResultCode and a message of at most 256 characters', () => {
    expect(join(answer(200, { allow: false, code: 'banned', message: 'no' }))).toEqual({ kind: 'deny', skip: false, reason: 'banned', message: 'no' });
    expect(join(answer(200, { allow: false, skip: true }))).toEqual({ kind: 'deny', skip: true });
    expect(join(answer(200, { ResultCode: 5, Message: 'm'.repeat(300) }))).toEqual({ kind: 'deny', skip: false, resultCode: 5, message: 'm'.repeat(256) });
    expect(join(answer(400, { Status: 400, Error: 'NotAllowed', Message: 'Nope' }))).toEqual({ kind: 'deny', skip: false, reason: 'NotAllowed', message: 'Nope' });
    expect(join(answer(403, '<html>forbidden</html>'))).toEqual({ kind: 'deny', skip: false });
    expect(join(answer(404))).toEqual({ kind: 'deny', skip: false });
    // Reasons are bounded; a non-string reason is dropped, not passed on.
    expect(join(answer(200, { allow: false, code: 'c'.repeat(100) }))).toMatchObject({ reason: 'c'.repeat(64) });
    expect(join(answer(200, { allow: false, code: { nested: 1 }, message: 7 }))).toEqual({ kind: 'deny', skip: false });
    // skip only counts as the boolean true.
    expect(join(answer(200, { allow: false, skip: 'yes' }))).toEqual({ kind: 'deny', skip: false });
  });

  it.each([
    ['HTTP 500', answer(500)],
    ['HTTP 503 with a deny body', answer(503, { allow: false })],
    ['HTTP 408', answer(408)],
    ['HTTP 429', answer(429)],
    ['HTTP 302', answer(302)],
    ['HTTP 100', answer(100)],
    ['not JSON', answer(200, 'ok!')],
    ['a JSON array', answer(200, [1])],
    ['a JSON string', answer(200, '"allow"')],
    ['allow as a string', answer(200, { allow: 'false' })],
    ['ResultCode as a string', answer(200, { ResultCode: '5' })],
    ['ResultCode fractional', answer(200, { ResultCode: 0.5 })],
    ['JSON nested too deep', answer(200, '['.repeat(40) + ']'.repeat(40))],
    ['over 64 KiB', answer(200, { pad: 'x'.repeat(70_000) })],
    ['a timeout', { ok: false, failure: 'timeout' } as const],
    ['a TLS failure', { ok: false, failure: 'tls' } as const],
  ])('%s is an endpoint error', (_name, response) => {
    expect(join(response).kind).toBe('error');
  });

  it('beforeCreate overrides are read and type-checked; beforeJoin may not send them; state is not a webhook’s', () => {
    expect(create(answer(200, { overrides: { maxPlayers: 2, open: false, properties: { tier: 'gold' }, lobbyKeys: ['tier'], playerTtlMs: 0 } }))).toEqual({
      kind: 'allow',
      overrides: { maxPlayers: 2, open: false, properties: { tier: 'gold' }, lobbyKeys: ['tier'], playerTtlMs: 0 },
    });
    expect(create(answer(200, { overrides: null }))).toEqual({ kind: 'allow' });
    for (const overrides of [{ maxPlayers: 'two' }, { maxPlayers: 0 }, { maxPlayers: -1 }, { open: 1 }, { properties: [1] }, { lobbyKeys: [1] }, [], 'x', { state: {} }]) {
      expect(create(answer(200, { overrides })).kind).toBe('error');
    }
    expect(join(answer(200, { overrides: { maxPlayers: 2 } })).kind).toBe('error');
  });
});

describe('hookErrorFor', () => {
  it('tells every active member, bounded', () => {
    const members = [
      { actor: 1, active: true },
      { actor: 2, active: false },
      { actor: 3, active: true },
    ];
    const deliveries = hookErrorFor({ members } as never, 'h'.repeat(100), 'm'.repeat(300));
    expect(deliveries.map((d) => d.actor)).toEqual([1, 3]);
    expect(deliveries[0]!.event).toEqual({ type: EventType.HOOK_ERROR, hook: 'h'.repeat(64), message: 'm'.repeat(256) });
  });
});
